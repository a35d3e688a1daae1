/* Change raster writer: byte-identical files whatever the chunk heights,
 * QGIS-ready metadata, values, write errors, and no leftovers on failure. */
#include "change/mw_change.h"
#include "output/mw_output.h"
#include "output/mw_output_internal.h"
#include "mw_test.h"

#include "minewatch/status.h"

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>

enum { W = 700, H = 1100 };  /* neither a multiple of 256: edge tiles */

static uint8_t *cls;
static float *dd[4];
static char dir[64];
static const double GT[6] = {500000, 10, 0, 9000000, 0, -10};

static void make_data(int noise)
{
    cls = malloc((size_t)W * H);
    for (int b = 0; b < 4; b++) dd[b] = malloc(sizeof(float) * W * H);
    uint32_t s = 12345;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            s = s * 1664525u + 1013904223u;
            int c = noise ? (int)(s >> 29) % MW_CLASS_COUNT : ((x / 37 + y / 23) % MW_CLASS_COUNT);
            cls[i] = (uint8_t)c;
            for (int b = 0; b < 4; b++) {
                float v = noise ? (float)((s >> (b * 4)) & 0xffff) / 16384.0f - 2.0f
                                : (float)((x + 3 * y + 101 * b) % 4001) / 1000.0f - 2.0f;
                dd[b][i] = c == 0 ? NAN : v;
            }
        }
    dd[3][5] = NAN;            /* a NaN in a valid pixel (no SWIR) */
    dd[0][7] = 5.0f;           /* beyond the encodable range: clamped */
    dd[0][8] = -5.0f;
}

static mw_status write_chunked(const char *path, int chunk)
{
    mw_change_raster *r = NULL;
    mw_status st = mw_change_raster_create(path, W, H, GT, "EPSG:32620", &r);
    if (st) return st;
    for (int y = 0; y < H && st == MW_OK; y += chunk) {
        int n = chunk < H - y ? chunk : H - y;
        size_t o = (size_t)y * W;
        st = mw_change_raster_write_rows(r, y, n, cls + o, dd[0] + o, dd[1] + o, dd[2] + o,
                                         dd[3] + o);
    }
    if (st) {
        mw_change_raster_abort(r);
        return st;
    }
    return mw_change_raster_commit(r);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Entries in the test directory (hidden temp files included). */
static int count_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void clear_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
}

static void test_identical(void)
{
    const int chunks[] = {256, 1, 100, 1000, 37, H};
    char first[256], firstaux[272] = "";
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        char path[256], aux[272];
        snprintf(path, sizeof path, "%s/c%d.tif", dir, chunks[k]);
        snprintf(aux, sizeof aux, "%s.aux.xml", path);
        mw_status st = write_chunked(path, chunks[k]);
        if (st) fprintf(stderr, "  chunk %d: %s\n", chunks[k], mw_last_error());
        CHECK(st == MW_OK);
        if (k == 0) {
            snprintf(first, sizeof first, "%s", path);
            snprintf(firstaux, sizeof firstaux, "%s", aux);
            continue;
        }
        if (!same_file(first, path)) {
            fprintf(stderr, "  chunk %d: %s differs from %s\n", chunks[k], path, first);
            mw_test_failures++;
        }
            CHECK(same_file(firstaux, aux));
    }
    /* only the committed files remain (.tif, .aux.xml, .qml): no temporaries */
    CHECK(count_files() == 18);
}

static void test_content(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/c256.tif", dir);
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    CHECK(ds != NULL);
    if (!ds) return;
    CHECK(GDALGetRasterCount(ds) == 5);
    CHECK(GDALGetRasterXSize(ds) == W && GDALGetRasterYSize(ds) == H);
    double gt[6];
    CHECK(GDALGetGeoTransform(ds, gt) == CE_None && gt[0] == GT[0] && gt[5] == GT[5]);
    CHECK(strstr(GDALGetProjectionRef(ds), "32620") != NULL);
    CHECK_STR(GDALGetMetadataItem(ds, "COMPRESSION", "IMAGE_STRUCTURE"), "DEFLATE");
    CHECK_STR(GDALGetMetadataItem(ds, "PREDICTOR", "IMAGE_STRUCTURE"), "2");

    const char *desc[5] = {"change class", "dNDVI", "dNDTI", "dBSI", "dMNDWI"};
    for (int b = 1; b <= 5; b++) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b);
        CHECK(GDALGetRasterDataType(band) == GDT_UInt16);
        int bx, by, has = 0;
        GDALGetBlockSize(band, &bx, &by);
        CHECK(bx == 256 && by == 256);
        CHECK_STR(GDALGetDescription(band), desc[b - 1]);
        CHECK(GDALGetRasterNoDataValue(band, &has) == 0.0 && has);
        if (b > 1) {
            CHECK_NEAR(GDALGetRasterScale(band, NULL), 1e-4, 1e-12);
            CHECK_NEAR(GDALGetRasterOffset(band, NULL), -3.2768, 1e-12);
        }
    }
    GDALRasterBandH b1 = GDALGetRasterBand(ds, 1);
    /* colours travel in the attribute table (no TIFF palette on 5 samples) */
    GDALRasterAttributeTableH rat = GDALGetDefaultRAT(b1);
    CHECK(rat != NULL);
    if (rat) {
        CHECK(GDALRATGetRowCount(rat) == MW_CLASS_COUNT);
        int red = GDALRATGetColOfUsage(rat, GFU_Red), blue = GDALRATGetColOfUsage(rat, GFU_Blue);
        int alpha = GDALRATGetColOfUsage(rat, GFU_Alpha), name = GDALRATGetColOfUsage(rat, GFU_Name);
        CHECK(red >= 0 && blue >= 0 && alpha >= 0 && name >= 0);
        CHECK(GDALRATGetValueAsInt(rat, MW_CLASS_NEW_WATER, blue) > 200);   /* blue */
        CHECK(GDALRATGetValueAsInt(rat, MW_CLASS_NEW_WATER, red) < 100);
        CHECK(GDALRATGetValueAsInt(rat, 0, alpha) == 0);                    /* nodata clear */
        CHECK_STR(GDALRATGetValueAsString(rat, MW_CLASS_VEG_LOSS, name), "vegetation loss");
    }
    /* QGIS style sidecar: paletted renderer on band 1 */
    char qml[256];
    snprintf(qml, sizeof qml, "%s/c256.qml", dir);
    size_t nq = 0;
    char *q = slurp(qml, &nq);
    CHECK(q && strstr(q, "type=\"paletted\" band=\"1\"") && strstr(q, "label=\"new water\""));
    free(q);
    char **names = GDALGetRasterCategoryNames(b1);
    CHECK(CSLCount(names) == MW_CLASS_COUNT);
    if (CSLCount(names) == MW_CLASS_COUNT) {
        CHECK_STR(names[2], "vegetation loss");
        CHECK_STR(names[5], "new turbid water");
    }

    /* values: class band equal, d bands decode within half a step */
    uint16_t *row = malloc(sizeof(uint16_t) * W);
    int bad_cls = 0, bad_d = 0;
    for (int y = 0; y < H; y += 97) {
        if (GDALRasterIO(b1, GF_Read, 0, y, W, 1, row, W, 1, GDT_UInt16, 0, 0) != CE_None) bad_cls++;
        for (int x = 0; x < W; x++) bad_cls += row[x] != cls[(size_t)y * W + x];
        for (int b = 0; b < 4; b++) {
            if (GDALRasterIO(GDALGetRasterBand(ds, b + 2), GF_Read, 0, y, W, 1, row, W, 1,
                             GDT_UInt16, 0, 0) != CE_None)
                bad_d++;
            for (int x = 0; x < W; x++) {
                float d = dd[b][(size_t)y * W + x];
                if (isnan(d)) bad_d += row[x] != 0;
                else if (fabsf(d) < 3.2f)
                    bad_d += fabs(row[x] * 1e-4 - 3.2768 - d) > 0.5e-4 + 1e-7;
            }
        }
    }
    CHECK(bad_cls == 0);
    CHECK(bad_d == 0);
    CHECK(GDALRasterIO(GDALGetRasterBand(ds, 2), GF_Read, 0, 0, W, 1, row, W, 1, GDT_UInt16,
                       0, 0) == CE_None);
    CHECK(row[7] == 65535 && row[8] == 1);          /* clamped, not wrapped / nodata */
    CHECK(GDALRasterIO(GDALGetRasterBand(ds, 5), GF_Read, 0, 0, W, 1, row, W, 1, GDT_UInt16,
                       0, 0) == CE_None);
    CHECK(row[5] == 0);
    free(row);
    GDALClose(ds);
}

static void test_errors(void)
{
    mw_change_raster *r = (mw_change_raster *)1;
    /* directory does not exist */
    CHECK(mw_change_raster_create("/nonexistent-dir/x.tif", 10, 10, GT, NULL, &r) == MW_ERR_WRITE);
    CHECK(r == NULL);
    CHECK(strncmp(mw_last_error(), "/nonexistent-dir/x.tif: ", 24) == 0);
    /* parent is a file (unwritable "directory", works as root too) */
    char file[256], path[300];
    snprintf(file, sizeof file, "%s/plainfile", dir);
    FILE *f = fopen(file, "w");
    fclose(f);
    snprintf(path, sizeof path, "%s/x.tif", file);
    CHECK(mw_change_raster_create(path, 10, 10, GT, NULL, &r) == MW_ERR_WRITE);
    CHECK(strstr(mw_last_error(), path) == mw_last_error());
    unlink(file);
    CHECK(mw_change_raster_create(path, 0, 10, GT, NULL, &r) == MW_ERR_USAGE);

    /* out-of-order rows, commit with missing rows: nothing left */
    snprintf(path, sizeof path, "%s/partial.tif", dir);
    CHECK(mw_change_raster_create(path, W, H, GT, NULL, &r) == MW_OK);
    /* the hidden temp file, and its temporary .aux.xml once GDAL has
     * written the header (raw tiles) */
    CHECK(count_files() == 1 + mw_raw_tiles_available());
    CHECK(mw_change_raster_write_rows(r, 0, 10, cls, NULL, NULL, NULL, NULL) == MW_OK);
    CHECK(mw_change_raster_write_rows(r, 11, 10, cls, NULL, NULL, NULL, NULL) == MW_ERR_INTERNAL);
    CHECK(mw_change_raster_write_rows(r, 10, H, cls, NULL, NULL, NULL, NULL) == MW_ERR_INTERNAL);
    CHECK(mw_change_raster_write_rows(r, 10, 300, cls, NULL, NULL, NULL, NULL) == MW_OK);
    CHECK(mw_change_raster_commit(r) == MW_ERR_INTERNAL);
    CHECK(count_files() == 0);

    /* abort mid-way */
    CHECK(mw_change_raster_create(path, W, H, GT, NULL, &r) == MW_OK);
    CHECK(mw_change_raster_write_rows(r, 0, 600, cls, NULL, NULL, NULL, NULL) == MW_OK);
    mw_change_raster_abort(r);
    mw_change_raster_abort(NULL);
    CHECK(count_files() == 0);
}

/* Disk full, simulated with a file-size limit (works as root, unlike a
 * read-only directory): the write must fail with MW_ERR_WRITE naming the
 * file, and abort must leave nothing. */
static void test_disk_full(void)
{
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 200 * 1024;
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
        fprintf(stderr, "  (RLIMIT_FSIZE not settable: disk-full case skipped)\n");
        return;
    }
    free(cls);
    for (int b = 0; b < 4; b++) free(dd[b]);
    make_data(1); /* noise: ~10 MB that DEFLATE cannot shrink below the limit */
    char path[256];
    snprintf(path, sizeof path, "%s/full.tif", dir);
    mw_change_raster *r = NULL;
    mw_status st = mw_change_raster_create(path, W, H, GT, NULL, &r);
    for (int y = 0; st == MW_OK && y < H; y += 100) {
        int n = H - y < 100 ? H - y : 100;
        size_t o = (size_t)y * W;
        st = mw_change_raster_write_rows(r, y, n, cls + o, dd[0] + o, dd[1] + o, dd[2] + o,
                                         dd[3] + o);
    }
    if (st == MW_OK) {
        st = mw_change_raster_commit(r);
    } else {
        mw_change_raster_abort(r);
    }
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(st == MW_ERR_WRITE);
    CHECK(strstr(mw_last_error(), path) == mw_last_error());
    CHECK(count_files() == 0);
}

int main(void)
{
    GDALAllRegister();
    snprintf(dir, sizeof dir, "/tmp/mw-change-raster-XXXXXX");
    if (!mkdtemp(dir)) MW_TEST_SKIP("cannot create a temporary directory");
    make_data(0);
    test_identical();
    test_content();
    clear_dir();
    test_errors();
    test_disk_full();
    clear_dir();
    rmdir(dir);
    free(cls);
    for (int b = 0; b < 4; b++) free(dd[b]);
    MW_TEST_DONE();
}
