/*
 * Lineage: today's sites linked to an earlier run's, so a site keeps one
 * id across runs (see README.md in this folder for the rules).
 *
 * Pure vector work on lon/lat outlines: reading the earlier alert file
 * (lineage_read.c), the links and statuses (lineage.c), the geometry
 * helpers (lineage_geom.c). How much of an earlier outline the current
 * pair saw clear is measured from the pixels by the engine and handed in.
 */
#ifndef MW_LINEAGE_H
#define MW_LINEAGE_H

#include "mw_alerts.h"

/** The sites of an earlier run: read once, owned by the set. */
typedef struct mw_prev_set mw_prev_set;

/**
 * Read every feature of the first layer of @p path (any format minewatch
 * writes: GeoJSON, GeoPackage, FlatGeobuf, KML, CSV with WKT, Shapefile)
 * through OGR. A file written without lineage gives each feature the
 * site id it would have had as a new site (mw_site_make_id from its
 * centroid and date_after), first_seen = last_seen = date_after and one
 * detection. Sites come sorted by site_id; a site_id twice keeps the
 * first. Errors: MW_ERR_OPEN "<path>: ..." (unreadable, no layer),
 * MW_ERR_GEOMETRY (a feature without a polygon), never a partial set.
 */
mw_status mw_prev_read(const char *path, mw_prev_set **out);
/** An empty set (the first step of a series). */
mw_status mw_prev_empty(mw_prev_set **out);
mw_prev_set *mw_prev_destroy(mw_prev_set *set);
int mw_prev_count(const mw_prev_set *set);
/** Outline of earlier site @p i (lon/lat), owned by the set. */
OGRGeometryH mw_prev_geometry(const mw_prev_set *set, int i);
/**
 * 1 when the envelope of lon/lat outline @p g comes within @p dist_m of
 * an earlier site's envelope (a cheap pre-test; thread-safe).
 */
int mw_prev_near(const mw_prev_set *set, OGRGeometryH g, double dist_m);
/** Site id of earlier site @p i. */
const char *mw_prev_site_id(const mw_prev_set *set, int i);
/**
 * Share (0..1) of earlier site @p i's outline that the current pair saw
 * clear in both dates (0 outside the scenes). Unset: the site counts as
 * unobserved when it is not found again.
 */
void mw_prev_set_valid_share(mw_prev_set *set, int i, double share);

/** The rules' numbers (README.md). */
typedef struct mw_lineage_params {
    double link_distance_m;   /**< a detection this close to an earlier outline continues it */
    double grow_min_ha;       /**< growing: footprint grew by more than max(grow_min_ha, */
    double grow_min_share;    /**<   grow_min_share x the earlier footprint) */
    double observed_share;    /**< an earlier site less clear than this is unobserved */
    double close_m;           /**< cores: gaps narrower than 2 x close_m between fragments are closed, */
    double open_m;            /**<   then parts narrower than 2 x open_m dropped (strips, edges, speckle) */
    double min_piece_ha;      /**< a core piece smaller than this continues and starts nothing */
    double new_min_ha;        /**< what is left of a detection beyond its known sites starts one from this */
    int held_grows;           /**< 1: held detections widen a footprint too (through their cores) */
    double held_water_ha;     /**< work inside a site: at least this much new or turbid water, */
    double water_over_rise;   /**<   this many times the area of turbidity rise in standing water, */
    double held_inside_share; /**<   and this share of the detection inside the earlier outline */
    const char *date_before, *date_after;   /**< the current pair */
} mw_lineage_params;

/** Defaults: 0 m link (caller sets it), 0.5 ha, 20 %, 50 %. */
void mw_lineage_params_default(mw_lineage_params *p);

/**
 * Link the current detections to the earlier sites and make the alert
 * list of the run. @p det holds @p ndet alerts in their output order;
 * held[i] != 0 marks a detection that failed --min-area/--min-confidence:
 * it only continues an earlier site, never starts one. Every detection
 * is moved out of @p det (det[i] is left cleared). *out gets, in a fixed
 * order (detections' order, then carried sites by site id), every new or
 * continued site and every earlier site not found again (inactive or
 * unobserved), with lineage filled; ids unique. Carried sites' class
 * names point into @p prev: keep it until *out is written. Deterministic.
 */
mw_status mw_lineage_link(mw_prev_set *prev, mw_alert *det, const uint8_t *held, int ndet,
                          const mw_lineage_params *p, mw_alert **out, int *nout);

/** "mws-YYYYMMDD-<geohash9>": a new site's id from its first centroid and first date. */
void mw_site_make_id(double lon, double lat, const char *first_seen, char *out, int size);

/* ---- geometry helpers (lineage_geom.c), lon/lat outlines ---- */

/** Distance in metres between two lon/lat outlines (local equirectangular frame). */
double mw_lineage_distance_m(OGRGeometryH a, OGRGeometryH b);
/**
 * Area (m²) of lon/lat outline @p det farther than @p band_m from the
 * boundary of @p old: what is left of a detection once the shimmer along
 * an earlier site's edge (co-registration, mixed pixels) is taken away.
 */
double mw_lineage_core_area_m2(OGRGeometryH det, OGRGeometryH old, double band_m);
/** Share (0..1) of @p det's area inside @p old (lon/lat outlines), counted on 2.5 m cells (lineage_core.c). */
double mw_lineage_inside_share(OGRGeometryH det, OGRGeometryH old);
/**
 * Core of lon/lat outline @p g: closed by @p close_m (fragments of a mosaic
 * joined), then opened by @p open_m (strips narrower than 2 x open_m gone),
 * in metres in a local frame. New Polygon/MultiPolygon, or NULL when
 * nothing is left.
 */
OGRGeometryH mw_lineage_core(OGRGeometryH g, double close_m, double open_m);
/** Union of @p a and @p b as a new Polygon/MultiPolygon with RFC 7946 winding, or NULL. */
OGRGeometryH mw_lineage_union(OGRGeometryH a, OGRGeometryH b);
/** Exterior rings counter-clockwise, holes clockwise (in place). */
void mw_lineage_fix_winding(OGRGeometryH g);

#endif
