/*
 * The evidence describing one candidate site: what the model scores and
 * what an alert reports. Areas are hectares, distances metres.
 */
#ifndef MW_SITE_FEATURES_H
#define MW_SITE_FEATURES_H

typedef struct mw_site_features {
    double area_ha;                 /**< planar pixel area (alerts replace it by the geodesic outline area) */
    double veg_loss_ha, bare_soil_ha, new_water_ha, turbid_water_ha, turbidity_rise_ha;
    double mean_dndvi, mean_dndti, mean_dbsi, mean_dmndwi;  /**< over the site's pixels */
    double before_ndvi, after_ndvi;  /**< mean over the site's pixels */
    int pond_count;                 /**< 4-connected groups (>= 2 px) of new water in the site */
    double water_share;             /**< (new + turbid new water) / site pixels */
    double after_water_ndti;        /**< mean NDTI after of the site's water pixels; NaN if none */
    double compactness;             /**< 4 pi A / P^2 of the pixel outline: 1 disc-like, ->0 ragged */
    double bbox_fill;               /**< site pixels / bbox pixels (rectangles ~1) */
    double dist_water_m;            /**< to the nearest water (both dates) outside the site; buffer if none */
    double river_turbidity_change;  /**< mean dNDTI of water pixels (both dates) in the ring; NaN if none */
    double context_disturbed_share; /**< share of valid ring pixels bare or water already before (old mosaic) */
    double valid_fraction;          /**< valid-in-both-dates pixels / bbox pixels */
    /* Added for the trained models (state after, and the ring's state after:
     * real mining is often the growth of a pond/sand mosaic). */
    double after_mndwi, after_bsi;  /**< mean over the site's pixels after; NaN if none */
    double ring_water_share;        /**< share of valid ring pixels water after; NaN without ring */
    double ring_bare_share;         /**< share of valid ring pixels bare after (context rule); NaN without ring */
    double ring_ndvi;               /**< mean NDVI after over valid ring pixels; NaN without ring */
    /* Reflectance evidence (bands of the window; NaN without the bands or
     * without pixels of the kind): fresh sand/tailings are bright in the
     * visible and SWIR, sediment-laden ponds have raised red and NIR. */
    double after_vis;               /**< mean (blue + green + red) / 3 after over the site */
    double after_swir;              /**< mean (SWIR1 + SWIR2) / 2 after over the site */
    double vis_change;              /**< mean change of the visible mean (after - before) over the site */
    double bare_vis;                /**< mean visible brightness after of the site's bare pixels after */
    double water_vis;               /**< mean visible brightness after of the site's water pixels after */
    double water_red_green;         /**< sum red / sum green after over the site's water pixels after */
    double water_nir;               /**< mean NIR after of the site's water pixels after */
    double before_disturbed_share;  /**< share of site pixels bare or water before (mosaic growth) */
    /* The ring's state at both dates, for context: a mining front grows out
     * of a mosaic of pits, ponds and sand that already surrounds it, and
     * farm clearings, towns and lakes do not look like that around them.
     * NaN (counts: 0) without a valid ring. */
    int ring_pond_count_before;     /**< 4-connected groups (>= 2 px) of water before in the ring */
    int ring_pond_count_after;      /**< the same after */
    double ring_mosaic_before;      /**< share of valid ring pixels bare and within 30 m of water, before */
    double ring_mosaic_after;       /**< the same after */
    double ring_texture_before;     /**< mean |NDVI difference| of 4-neighbour ring pixel pairs, before */
    double ring_texture_after;      /**< the same after */
    double ring_water_ndti;         /**< mean NDTI after of the ring's water pixels after */
    double ring_loss_share;         /**< share of valid ring pixels with dNDVI <= -0.1 (subtle loss) */
    /* Colour of the site's ground and water after (colour.c): band ratios,
     * which sensors agree on; NaN without such pixels or bands. */
    double bare_swir1;              /**< mean SWIR1 of the bare pixels after (fresh sand/tailings bright) */
    double bare_clay_ratio;         /**< sum SWIR1 / sum SWIR2 of the bare pixels (kaolinite absorbs in SWIR2) */
    double bare_red_blue;           /**< sum red / sum blue of the bare pixels (iron-rich laterite soil) */
    double water_blue_green;        /**< sum blue / sum green of the water pixels (milky/turquoise ponds high) */
} mw_site_features;

#endif
