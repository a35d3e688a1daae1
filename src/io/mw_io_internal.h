/*
 * Private helpers of module io, shared between its files (and its unit
 * tests). Nothing outside src/io/ and tests/io/ should include this.
 *
 * Pieces:
 *   band_names.c        band description / file name -> role; band maps
 *   dates.c             YYYYMMDD tokens, ISO dates, validation
 *   metadata_s2.c       MTD_MSIL2A.xml, STAC item, GDAL metadata (S2)
 *   metadata_landsat.c  MTL.txt / MTL.json
 *   scaling.c           DN -> reflectance rules per sensor
 *   scene_build.c       probing band files, grid checks, finishing a scene
 *   layout_*.c          the three input layouts
 */
#ifndef MW_IO_INTERNAL_H
#define MW_IO_INTERNAL_H

#include "io/mw_io.h"
#include "minewatch/status.h"

/* ---- band names (band_names.c) ---------------------------------------- */

/**
 * Role named by a band description or a STAC/common band name:
 * "B02".."B12"/"SCL" (Sentinel-2), "SR_B2".."SR_B7"/"QA_PIXEL" (Landsat),
 * "blue".."swir2"/"mask" (generic), case-insensitive. Returns the role or
 * -1. When @p sensor is not NULL it receives the sensor the name implies
 * (MW_SENSOR_AUTO when the name says nothing about the sensor).
 */
int mw_io_role_from_band_name(const char *name, mw_sensor *sensor);

/**
 * Role named by a file name (base name, any extension), e.g.
 * "T20LQR_20210630T100000_B02_10m.jp2", "B02.tif",
 * "LC08_L2SP_227065_20210630_20210708_02_T1_SR_B4.TIF". Returns the role
 * or -1; @p sensor as above; @p res_m receives the resolution token in
 * metres ("_20m") or 0.
 */
int mw_io_role_from_filename(const char *name, mw_sensor *sensor, int *res_m);

/** Names a role is looked for under, for error messages ("B04, SR_B4, red"). */
const char *mw_io_role_lookup_names(mw_band_role role);

/**
 * Parse a band map "blue=1,green=2,red=3,nir=4[,swir1=5,swir2=6,mask=7]"
 * into @p index (0 = role not mapped). @p nbands is the band count of the
 * raster (<= 0 to skip the range check); @p path prefixes messages.
 * Errors: MW_ERR_USAGE for syntax, an unknown role or a duplicate role;
 * MW_ERR_BAND for a band index the raster does not have.
 */
mw_status mw_io_parse_band_map(const char *map, int nbands, const char *path,
                               int index[MW_BAND_ROLE_COUNT]);

/** Sensor implied by a product-style name (S2: T..XXX_, S2A_, MSIL2A; Landsat: LC08_L2SP_). */
mw_sensor mw_io_sensor_from_name(const char *name);

/* ---- dates (dates.c) -------------------------------------------------- */

/** 1 when y-m-d is a real calendar date in 1950..2199. */
int mw_io_date_valid(int y, int m, int d);

/**
 * Normalise "YYYY-MM-DD", "YYYYMMDD", "YYYY-MM-DDThh:mm:ss[.f]Z" or
 * "YYYY/MM/DD" to "YYYY-MM-DD" in @p out. A period "A/B" of two ISO dates
 * (as the patch tifs' PERIOD) gives its end B. Returns 1 on success.
 */
int mw_io_date_normalise(const char *in, char out[11]);

/**
 * First valid YYYYMMDD token in a file or folder name (8 digits not part
 * of a longer digit run). Returns 1 and fills @p out on success.
 */
int mw_io_date_from_name(const char *name, char out[11]);

/* ---- product metadata (metadata_s2.c, metadata_landsat.c) ------------- */

/** What Sentinel-2 metadata tells us; NaN / 0 fields when unknown. */
typedef struct mw_s2_meta {
    char date[11];           /**< acquisition date or "" */
    char spacecraft[32];     /**< "Sentinel-2A" or "" */
    int have_baseline;
    double baseline;         /**< 4.0 for "04.00" */
    int have_boa_offset;
    double boa_offset[MW_BAND_ROLE_COUNT]; /**< DN offset per role (-1000) */
    int have_quantification;
    double quantification;   /**< 10000 */
    int offset_applied;      /**< STAC: earthsearch:boa_offset_applied */
    int have_band_scale[MW_BAND_ROLE_COUNT]; /**< STAC raster:bands scale */
    double band_scale[MW_BAND_ROLE_COUNT];
    double band_offset[MW_BAND_ROLE_COUNT];
    int found;               /**< something was read */
} mw_s2_meta;

void mw_io_s2_meta_init(mw_s2_meta *meta);

/** Read MTD_MSIL2A.xml (any VSI path). MW_ERR_METADATA if unreadable. */
mw_status mw_io_s2_meta_from_mtd(const char *path, mw_s2_meta *meta);

/** Parse the text of an MTD_MSIL2A.xml already in memory. */
void mw_io_s2_meta_from_mtd_text(const char *xml, mw_s2_meta *meta);

/**
 * Read a STAC item JSON. @p band_files (may be NULL) gives each role's
 * file name so that assets can be matched by their href's base name.
 * Returns MW_OK, or MW_ERR_METADATA when the file is not a STAC item.
 */
mw_status mw_io_s2_meta_from_stac(const char *path, const char *const band_files[MW_BAND_ROLE_COUNT],
                                  mw_s2_meta *meta);

/** Dataset metadata items (PRODUCT_START_TIME, PROCESSING_BASELINE, ...). */
void mw_io_s2_meta_from_gdal(void *gdal_dataset, mw_s2_meta *meta);

/** What Landsat MTL metadata tells us. */
typedef struct mw_landsat_meta {
    char date[11];
    char spacecraft[32];     /**< "LANDSAT_8" */
    int have_mult[10], have_add[10];
    double mult[10], add[10]; /**< REFLECTANCE_MULT/ADD_BAND_n, n = 1..9 */
    int found;
} mw_landsat_meta;

void mw_io_landsat_meta_init(mw_landsat_meta *meta);
/** Parse an MTL.txt (ODL "KEY = value" lines). */
mw_status mw_io_landsat_meta_from_mtl_txt(const char *path, mw_landsat_meta *meta);
void mw_io_landsat_meta_from_mtl_text(const char *text, mw_landsat_meta *meta);
/** Parse an MTL.json (LANDSAT_METADATA_FILE object). */
mw_status mw_io_landsat_meta_from_mtl_json(const char *path, mw_landsat_meta *meta);
/** Dataset metadata items (DATE_ACQUIRED, SPACECRAFT_ID, REFLECTANCE_*). */
void mw_io_landsat_meta_from_gdal(void *gdal_dataset, mw_landsat_meta *meta);

/** Read a whole (small) file through VSI; NULL on failure. free() it. */
char *mw_io_slurp(const char *path, long max_bytes);

/* ---- scaling (scaling.c) ---------------------------------------------- */

/**
 * Sentinel-2 L2A rule: scale = 1/quantification (10000), offset =
 * BOA_ADD_OFFSET/quantification when the metadata states BOA_ADD_OFFSET,
 * else -1000/q when the processing baseline is >= 04.00, else (baseline
 * unknown) -1000/q when @p date >= 2022-01-25, else 0. STAC raster:bands
 * scale/offset win over all of these. Mask: 1, 0.
 */
void mw_io_s2_scaling(const mw_s2_meta *meta, const char *date, mw_band_role role,
                      double *scale, double *offset);

/** Landsat C2 L2 rule: MTL REFLECTANCE_MULT/ADD_BAND_n else 2.75e-5, -0.2. */
void mw_io_landsat_scaling(const mw_landsat_meta *meta, int landsat_band, mw_band_role role,
                           double *scale, double *offset);

/**
 * Generic rule: integer data 1/10000; float data 1 when @p sample_max (the
 * largest value of a sparse sample of the band, NaN if unknown) is <= 2
 * (reflectance already 0..1), else 1/10000.
 */
void mw_io_generic_scaling(int is_float, double sample_max, mw_band_role role,
                           double *scale, double *offset);

/* ---- scene building (scene_build.c) ----------------------------------- */

/** Extra facts about a band gathered while probing, not kept in the scene. */
typedef struct mw_band_probe {
    int is_float;            /**< GDAL data type is floating point */
    int is_byte;
    int has_file_scale;      /**< the band declares scale/offset itself */
    double file_scale, file_offset;
    char name[64];           /**< band name (description / file token) */
    int landsat_band;        /**< n of SR_Bn, 0 otherwise */
    double sample_max;       /**< float bands: 99th percentile of a sparse sample, else NaN */
    char *wkt;               /**< CRS of the band's file (owned) or NULL */
} mw_band_probe;

/** Working state while a layout fills in a scene. */
typedef struct mw_scene_builder {
    mw_scene *scene;
    mw_band_probe probe[MW_BAND_ROLE_COUNT];
    mw_sensor sensor_hint;   /**< what names/metadata said (AUTO if nothing) */
    mw_s2_meta s2;
    mw_landsat_meta landsat;
    int is_stack;            /**< one multiband file: hint at --band-map in errors */
} mw_scene_builder;

/** Free what a builder owns besides the scene (probe WKTs). */
void mw_io_builder_clear(mw_scene_builder *b);

/** Duplicate a string or return NULL; used everywhere in io. */
char *mw_io_strdup(const char *s);

/** MW_ERR_OPEN "<path>: not a regular file or folder" for a FIFO, socket
 *  or device (GDAL would hang or read garbage); MW_OK otherwise. */
mw_status mw_io_check_not_special(const char *path);
/** Base name of a path (pointer into @p path). */
const char *mw_io_basename(const char *path);

/** Path join into a new string ("dir/name"). */
char *mw_io_join(const char *dir, const char *name);

/**
 * Why @p file could not be opened (no such file, empty, not a raster,
 * GDAL's message): records a one-line MW_ERR_OPEN naming it.
 */
mw_status mw_io_open_error(const char *file);

/**
 * Open @p file (quietly), check band @p band exists and is georeferenced
 * and fill @p src's grid, nodata and @p probe. Errors name @p file.
 */
mw_status mw_io_probe_band(const char *file, int band, mw_band_src *src, mw_band_probe *probe);

/**
 * Last step of every layout: sensor, required bands, reference grid, CRS,
 * grid consistency, scaling, mask kind, date. @p name_for_date is the
 * name searched for a YYYYMMDD token.
 */
mw_status mw_io_finish_scene(mw_scene_builder *b, const mw_scene_open_args *args,
                             const char *name_for_date);

/* ---- layouts ------------------------------------------------------------ */

mw_status mw_io_open_stack(mw_scene_builder *b, const char *path, const mw_scene_open_args *args);
/** A folder of one-band files. @p dir is the folder (any VSI path). */
mw_status mw_io_open_folder(mw_scene_builder *b, const char *dir, const mw_scene_open_args *args);
/** A .SAFE folder or its .zip. */
mw_status mw_io_open_safe(mw_scene_builder *b, const char *path, const mw_scene_open_args *args);

/**
 * Collect band files of a folder into @p b (finest resolution per role).
 * Used by the folder and SAFE layouts; can be called for several folders
 * (R10m, R20m, R60m). Returns MW_OK even when nothing was found.
 */
mw_status mw_io_collect_band_files(mw_scene_builder *b, const char *dir);

#endif
