/*
 * Scene building shared by all layouts: probing one band of one file
 * (size, geotransform, CRS, nodata, data type) and finishing a scene.
 *
 * General plan of mw_io_finish_scene():
 *   1. sensor: --sensor, else what names and metadata said, else generic;
 *   2. required bands blue, green, red, nir present;
 *   3. date: --date, else metadata, else a YYYYMMDD token in the names;
 *   4. reference grid = the finest reflectance band; it must have a CRS;
 *   5. every other band: same CRS, same extent to within one of its own
 *      pixels (S2 10/20/60 m grids, odd sizes rounded up);
 *   6. scaling and nodata per band, mask kind.
 */
#include "io/mw_io_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include "core/mw_error.h"

void mw_io_builder_clear(mw_scene_builder *b)
{
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        CPLFree(b->probe[r].wkt);
        b->probe[r].wkt = NULL;
    }
}

mw_status mw_io_open_error(const char *file)
{
    VSIStatBufL st;
    if (VSIStatL(file, &st) != 0) return mw_error_set(MW_ERR_OPEN, "%s: no such file", file);
    if (VSI_ISDIR(st.st_mode)) return mw_error_set(MW_ERR_OPEN, "%s: is a folder, expected a raster", file);
    if (st.st_size == 0) return mw_error_set(MW_ERR_OPEN, "%s: empty file", file);
    const char *msg = CPLGetLastErrorMsg();
    if (!msg || !*msg || strstr(msg, "not recognized as a supported file format") ||
        strstr(msg, "not recognised"))
        return mw_error_set(MW_ERR_OPEN, "%s: not a raster GDAL can read", file);
    return mw_error_set(MW_ERR_OPEN, "%s: cannot open raster (%s)", file, msg);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 99th percentile of a sparse (<= 64 x 64) sample of a float band. */
static double sample_percentile(GDALRasterBandH band, int has_nodata, double nodata)
{
    int w = GDALGetRasterBandXSize(band), h = GDALGetRasterBandYSize(band);
    int bw = w < 64 ? w : 64, bh = h < 64 ? h : 64;
    float *buf = malloc(sizeof(float) * (size_t)bw * (size_t)bh);
    double *vals = malloc(sizeof(double) * (size_t)bw * (size_t)bh);
    double result = NAN;
    if (buf && vals &&
        GDALRasterIO(band, GF_Read, 0, 0, w, h, buf, bw, bh, GDT_Float32, 0, 0) == CE_None) {
        size_t n = 0;
        for (int i = 0; i < bw * bh; i++) {
            float v = buf[i];
            if (isnan(v) || isinf(v) || (has_nodata && (double)v == nodata)) continue;
            vals[n++] = v;
        }
        if (n) {
            qsort(vals, n, sizeof(double), cmp_double);
            result = vals[(size_t)((double)(n - 1) * 0.99)];
        }
    }
    free(buf);
    free(vals);
    return result;
}

mw_status mw_io_probe_band(const char *file, int band, mw_band_src *src, mw_band_probe *probe)
{
    mw_status st = mw_io_check_not_special(file);
    if (st != MW_OK) return st;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        st = mw_io_open_error(file);
        CPLPopErrorHandler();
        return st;
    }
    int nb = GDALGetRasterCount(ds);
    if (band < 1 || band > nb) {
        st = mw_error_set(MW_ERR_BAND, "%s: has no band %d (%d band%s)", file, band, nb, nb == 1 ? "" : "s");
        goto done;
    }
    GDALRasterBandH hb = GDALGetRasterBand(ds, band);
    free(src->file);
    src->file = mw_io_strdup(file);
    if (!src->file) {
        st = mw_error_set(MW_ERR_NOMEM, "%s: out of memory", file);
        goto done;
    }
    src->present = 1;
    src->band = band;
    src->width = GDALGetRasterXSize(ds);
    src->height = GDALGetRasterYSize(ds);
    if (GDALGetGeoTransform(ds, src->gt) != CE_None) {
        st = mw_error_set(MW_ERR_CRS, "%s: not georeferenced (no geotransform%s)", file,
                          GDALGetSpatialRef(ds) ? "" : ", no coordinate reference system");
        goto done;
    }
    if (src->gt[2] != 0.0 || src->gt[4] != 0.0) {
        st = mw_error_set(MW_ERR_CRS, "%s: rotated geotransforms are not supported", file);
        goto done;
    }
    int ok = 0;
    src->nodata = GDALGetRasterNoDataValue(hb, &ok);
    src->has_nodata = ok;
    src->scale = 1.0;
    src->offset = 0.0;

    GDALDataType dt = GDALGetRasterDataType(hb);
    probe->is_float = GDALDataTypeIsFloating(dt);
    probe->is_byte = (dt == GDT_Byte);
    int oks = 0, oko = 0;
    double fs = GDALGetRasterScale(hb, &oks), fo = GDALGetRasterOffset(hb, &oko);
    probe->has_file_scale = (oks && fs != 1.0 && fs != 0.0) || (oko && fo != 0.0);
    probe->file_scale = oks && fs != 0.0 ? fs : 1.0;
    probe->file_offset = oko ? fo : 0.0;
    probe->sample_max = probe->is_float ? sample_percentile(hb, src->has_nodata, src->nodata) : NAN;
    CPLFree(probe->wkt);
    probe->wkt = NULL;
    OGRSpatialReferenceH srs = GDALGetSpatialRef(ds);
    if (srs) {
        char *wkt = NULL;
        const char *opts[] = {"FORMAT=WKT2_2019", NULL};
        if (OSRExportToWktEx(srs, &wkt, opts) == OGRERR_NONE)
            probe->wkt = wkt;
        else
            CPLFree(wkt);
    }
done:
    GDALClose(ds);
    CPLPopErrorHandler();
    return st;
}

/* EPSG code of a WKT CRS, 0 when it has none. */
static int epsg_of(const char *wkt)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    int code = 0;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    if (OSRImportFromWkt(srs, (char **)&wkt) == OGRERR_NONE) {
        const char *auth = OSRGetAuthorityName(srs, NULL);
        const char *c = OSRGetAuthorityCode(srs, NULL);
        if (!(auth && c && strcmp(auth, "EPSG") == 0) && OSRAutoIdentifyEPSG(srs) == OGRERR_NONE) {
            auth = OSRGetAuthorityName(srs, NULL);
            c = OSRGetAuthorityCode(srs, NULL);
        }
        if (auth && c && strcmp(auth, "EPSG") == 0) code = atoi(c);
    }
    CPLPopErrorHandler();
    OSRDestroySpatialReference(srs);
    return code;
}

static int same_crs(const char *a, const char *b)
{
    if (!a || !b) return 0;
    if (strcmp(a, b) == 0) return 1;
    OGRSpatialReferenceH sa = OSRNewSpatialReference(a), sb = OSRNewSpatialReference(b);
    int same = sa && sb && OSRIsSame(sa, sb);
    OSRDestroySpatialReference(sa);
    OSRDestroySpatialReference(sb);
    return same;
}

static mw_sensor sensor_from_spacecraft(const char *s)
{
    if (!s || !*s) return MW_SENSOR_AUTO;
    if (strncasecmp(s, "Sentinel-2", 10) == 0 || strncasecmp(s, "sentinel2", 9) == 0) return MW_SENSOR_SENTINEL2;
    if (strncasecmp(s, "LANDSAT", 7) == 0) return MW_SENSOR_LANDSAT;
    return MW_SENSOR_AUTO;
}

static mw_status pick_date(mw_scene_builder *b, const mw_scene_open_args *args, const char *name)
{
    mw_scene *sc = b->scene;
    if (args && args->date && *args->date) {
        if (!mw_io_date_normalise(args->date, sc->date) || strchr(args->date, '/'))
            return mw_error_set(MW_ERR_USAGE, "invalid date '%s' (expected YYYY-MM-DD or YYYYMMDD)", args->date);
        sc->date_source = "option";
        return MW_OK;
    }
    const char *first = sc->sensor == MW_SENSOR_LANDSAT ? b->landsat.date : b->s2.date;
    const char *second = sc->sensor == MW_SENSOR_LANDSAT ? b->s2.date : b->landsat.date;
    const char *meta = first[0] ? first : second;
    if (meta[0]) {
        memcpy(sc->date, meta, 11);
        sc->date_source = "metadata";
        return MW_OK;
    }
    if (name && mw_io_date_from_name(mw_io_basename(name), sc->date)) {
        sc->date_source = "filename";
        return MW_OK;
    }
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++)
        if (sc->bands[r].present && mw_io_date_from_name(mw_io_basename(sc->bands[r].file), sc->date)) {
            sc->date_source = "filename";
            return MW_OK;
        }
    sc->date[0] = '\0';
    sc->date_source = NULL;
    return MW_OK;
}

static void set_mask_kind(mw_scene_builder *b)
{
    mw_scene *sc = b->scene;
    sc->mask_kind = MW_MASK_NONE;
    if (!sc->bands[MW_BAND_MASK].present) return;
    const char *name = b->probe[MW_BAND_MASK].name;
    if (strcasecmp(name, "SCL") == 0)
        sc->mask_kind = MW_MASK_SCL;
    else if (strcasecmp(name, "QA_PIXEL") == 0)
        sc->mask_kind = MW_MASK_QA_PIXEL;
    else if (sc->sensor == MW_SENSOR_SENTINEL2)
        sc->mask_kind = MW_MASK_SCL;
    else if (sc->sensor == MW_SENSOR_LANDSAT)
        sc->mask_kind = MW_MASK_QA_PIXEL;
    else /* generic: an 8-bit mask is read as SCL classes, wider as QA_PIXEL bits */
        sc->mask_kind = b->probe[MW_BAND_MASK].is_byte ? MW_MASK_SCL : MW_MASK_QA_PIXEL;
}

/* Share of the valid DNs of @p src below @p dn in a window of at most
 * 256 x 256 pixels at its centre (one or a few blocks); -1 when unknown. */
static double share_below(const mw_band_src *src, double dn)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(src->file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    double share = -1.0;
    int w = src->width < 256 ? src->width : 256, h = src->height < 256 ? src->height : 256;
    float *buf = ds && w > 0 && h > 0 ? malloc(sizeof(float) * (size_t)w * (size_t)h) : NULL;
    if (buf && GDALRasterIO(GDALGetRasterBand(ds, src->band), GF_Read, (src->width - w) / 2,
                            (src->height - h) / 2, w, h, buf, w, h, GDT_Float32, 0, 0) == CE_None) {
        long long n = 0, low = 0;
        for (size_t i = 0; i < (size_t)w * h; i++) {
            float v = buf[i];
            if (isnan(v) || (src->has_nodata && (double)v == src->nodata) || (!src->has_nodata && v == 0)) continue;
            n++;
            low += v < dn;
        }
        if (n) share = (double)low / (double)n;
    }
    free(buf);
    if (ds) GDALClose(ds);
    CPLPopErrorHandler();
    return share;
}

/* Rule 4 of scaling.c guessed the -1000 DN offset from the date alone: do
 * the pixels agree? Not when a tenth of the blue band's DNs lie below 950
 * (reflectance under -0.005 once offset, which surface reflectance of blue
 * is not): the product was harmonised before it reached us. */
static int s2_offset_contradicted(const mw_scene_builder *b)
{
    const mw_scene *sc = b->scene;
    mw_band_role r = sc->bands[MW_BAND_BLUE].present ? MW_BAND_BLUE : MW_BAND_GREEN;
    if (sc->sensor != MW_SENSOR_SENTINEL2 || !sc->bands[r].present || b->probe[r].has_file_scale ||
        b->probe[r].is_float || !mw_io_s2_offset_guessed(&b->s2, sc->date, r))
        return 0;
    return share_below(&sc->bands[r], 950.0) >= 0.10;
}

static void set_scaling(mw_scene_builder *b)
{
    mw_scene *sc = b->scene;
    const int no_offset = s2_offset_contradicted(b);
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        mw_band_src *s = &sc->bands[r];
        mw_band_probe *p = &b->probe[r];
        if (!s->present) continue;
        if (r == MW_BAND_MASK) {
            s->scale = 1.0;
            s->offset = 0.0;
            continue;
        }
        switch (sc->sensor) {
        case MW_SENSOR_SENTINEL2:
            mw_io_s2_scaling(&b->s2, sc->date, (mw_band_role)r, &s->scale, &s->offset);
            if (no_offset && mw_io_s2_offset_guessed(&b->s2, sc->date, (mw_band_role)r)) s->offset = 0.0;
            break;
        case MW_SENSOR_LANDSAT:
            mw_io_landsat_scaling(&b->landsat, p->landsat_band ? p->landsat_band : r + 2, (mw_band_role)r,
                                  &s->scale, &s->offset);
            break;
        default: mw_io_generic_scaling(p->is_float, p->sample_max, (mw_band_role)r, &s->scale, &s->offset); break;
        }
        /* a band that states its own scale/offset is believed */
        if (p->has_file_scale) {
            s->scale = p->file_scale;
            s->offset = p->file_offset;
        }
        /* S2 and Landsat products: DN 0 is fill when the file says nothing */
        if (!s->has_nodata && !p->is_float &&
            (sc->sensor == MW_SENSOR_SENTINEL2 || sc->sensor == MW_SENSOR_LANDSAT)) {
            s->has_nodata = 1;
            s->nodata = 0.0;
        }
    }
}

/* Step 1: the sensor: --sensor, else the metadata's spacecraft, else the name. */
static void pick_sensor(mw_scene_builder *b, const mw_scene_open_args *args)
{
    mw_scene *sc = b->scene;
    mw_sensor hint = b->sensor_hint;
    if (hint == MW_SENSOR_AUTO) hint = sensor_from_spacecraft(b->s2.spacecraft);
    if (hint == MW_SENSOR_AUTO) hint = sensor_from_spacecraft(b->landsat.spacecraft);
    if (hint == MW_SENSOR_AUTO) hint = mw_io_sensor_from_name(mw_io_basename(sc->path));
    sc->sensor = (args && args->sensor != MW_SENSOR_AUTO) ? args->sensor
                 : hint != MW_SENSOR_AUTO                 ? hint
                                                          : MW_SENSOR_GENERIC;
}

/* Step 4: the reference grid, that of the finest reflectance band (*ref). */
static mw_status pick_reference_grid(mw_scene_builder *b, int *ref_out)
{
    mw_scene *sc = b->scene;
    int ref = MW_BAND_BLUE;
    for (int r = MW_BAND_BLUE; r <= MW_BAND_SWIR2; r++)
        if (sc->bands[r].present && fabs(sc->bands[r].gt[1]) < fabs(sc->bands[ref].gt[1]) * (1 - 1e-9)) ref = r;
    const mw_band_src *R = &sc->bands[ref];
    if (!b->probe[ref].wkt || !*b->probe[ref].wkt)
        return mw_error_set(MW_ERR_CRS, "%s: no coordinate reference system", R->file);
    sc->width = R->width;
    sc->height = R->height;
    memcpy(sc->gt, R->gt, sizeof sc->gt);
    sc->crs_wkt = mw_io_strdup(b->probe[ref].wkt);
    if (!sc->crs_wkt) return mw_error_set(MW_ERR_NOMEM, "%s: out of memory", sc->path);
    sc->epsg = epsg_of(sc->crs_wkt);
    *ref_out = ref;
    return MW_OK;
}

/* Step 5: every other band on the reference's CRS, orientation and extent
 * (to within a pixel of the coarser band at the far edge). */
static mw_status check_band_grids(mw_scene_builder *b, int ref)
{
    mw_scene *sc = b->scene;
    const mw_band_src *R = &sc->bands[ref];
    double rx0 = R->gt[0], ry0 = R->gt[3];
    double rx1 = rx0 + R->width * R->gt[1], ry1 = ry0 + R->height * R->gt[5];
    for (int r = 0; r < MW_BAND_ROLE_COUNT; r++) {
        const mw_band_src *s = &sc->bands[r];
        if (!s->present || r == ref) continue;
        if (strcmp(s->file, R->file) != 0) {
            if (!b->probe[r].wkt)
                return mw_error_set(MW_ERR_CRS, "%s: no coordinate reference system", s->file);
            if (!same_crs(b->probe[r].wkt, b->probe[ref].wkt))
                return mw_error_set(MW_ERR_BAND, "%s: coordinate reference system differs from %s", s->file,
                                    mw_io_basename(R->file));
        }
        if ((s->gt[1] > 0) != (R->gt[1] > 0) || (s->gt[5] > 0) != (R->gt[5] > 0))
            return mw_error_set(MW_ERR_BAND, "%s: grid orientation differs from %s", s->file,
                                mw_io_basename(R->file));
        double tolx = fabs(s->gt[1]) > fabs(R->gt[1]) ? fabs(s->gt[1]) : fabs(R->gt[1]);
        double toly = fabs(s->gt[5]) > fabs(R->gt[5]) ? fabs(s->gt[5]) : fabs(R->gt[5]);
        double x0 = s->gt[0], y0 = s->gt[3];
        double x1 = x0 + s->width * s->gt[1], y1 = y0 + s->height * s->gt[5];
        if (fabs(x0 - rx0) > 0.01 * tolx || fabs(y0 - ry0) > 0.01 * toly ||
            fabs(x1 - rx1) >= tolx * 0.999 || fabs(y1 - ry1) >= toly * 0.999)
            return mw_error_set(MW_ERR_BAND,
                                "%s: extent (%.6g %.6g, %.6g %.6g) differs from %s (%.6g %.6g, %.6g %.6g)", s->file,
                                x0, y0, x1, y1, mw_io_basename(R->file), rx0, ry0, rx1, ry1);
    }
    return MW_OK;
}

/* Step 6: scaling, nodata, mask. Reflectance is about 0..1: a scale or
 * offset far from that (an MTL factor of 1e308, a negative scale) would
 * turn every pixel into garbage and the scan into zero alerts without a
 * word. */
static mw_status set_and_check_scaling(mw_scene_builder *b)
{
    mw_scene *sc = b->scene;
    set_scaling(b);
    set_mask_kind(b);
    for (int r = MW_BAND_BLUE; r <= MW_BAND_SWIR2; r++) {
        const mw_band_src *s = &sc->bands[r];
        if (s->present && !(s->scale > 0 && s->scale <= 1 && fabs(s->offset) <= 1))
            return mw_error_set(MW_ERR_METADATA,
                                "%s: %s band reflectance scale %g and offset %g are not plausible "
                                "(scale in (0, 1], offset in [-1, 1])",
                                sc->path, mw_band_role_name((mw_band_role)r), s->scale, s->offset);
    }
    return MW_OK;
}

mw_status mw_io_finish_scene(mw_scene_builder *b, const mw_scene_open_args *args, const char *name_for_date)
{
    mw_scene *sc = b->scene;
    pick_sensor(b, args);
    /* 2. required bands */
    for (int r = MW_BAND_BLUE; r <= MW_BAND_NIR; r++)
        if (!sc->bands[r].present)
            return mw_error_set(MW_ERR_BAND, "%s: no %s band (looked for %s)%s", sc->path,
                                mw_band_role_name((mw_band_role)r), mw_io_role_lookup_names((mw_band_role)r),
                                b->is_stack ? "; name the bands or use --band-map" : "");
    /* 3. date */
    mw_status st = pick_date(b, args, name_for_date);
    if (st) return st;
    int ref = MW_BAND_BLUE;
    st = pick_reference_grid(b, &ref);
    if (st) return st;
    st = check_band_grids(b, ref);
    if (st) return st;
    return set_and_check_scaling(b);
}
