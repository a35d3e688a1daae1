/* Scene readers: the libtiff direct path (with and without the shared block
 * store) gives exactly GDAL's values -- band by band, NaN where GDAL has
 * NaN -- for direct 10 m reads, 20 m bands upsampled (bilinear, nearest
 * for the mask), windows sticking out of the raster or outside it, over
 * tiled and stripped files, DEFLATE with and without predictor, LZW,
 * uncompressed, one band per file and pixel-interleaved stacks; and the
 * JPEG 2000 files decoded block by block through GDAL (same store). And
 * the store's memory (mw_block_store_bytes) follows what is planned; keep
 * rectangles hold blocks without decoding them. */
#include "read/mw_read.h"
#include "grid/mw_grid.h"
#include "io/mw_io.h"
#include "mw_test.h"

#include "minewatch/scene.h"

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_string.h>
#include <gdal.h>

enum { W = 301, H = 263 };  /* odd: 20 m bands of 151 x 132, partial blocks */
static const char *NAMES[7] = {"B02", "B03", "B04", "B08", "B11", "B12", "SCL"};
static char dir[64];

static uint16_t value(int b, int x, int y)
{
    uint32_t s = (uint32_t)(b * 7919 + x * 104729 + y * 1299709);
    s ^= s >> 13;
    s *= 0x5bd1e995u;
    s ^= s >> 15;
    if (b == 6) return (uint16_t)(s % 12);                  /* SCL classes 0..11 */
    if ((s & 63) == 0) return 0;                            /* nodata */
    return (uint16_t)(800 + (x * 13 + y * 7 + b * 300) % 3000 + (s & 255));
}

static void write_file(const char *path, int w, int h, int nb, int b0, char **co)
{
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    GDALDatasetH ds = GDALCreate(drv, path, w, h, nb, GDT_UInt16, co);
    double k = w < W ? 2 : 1;
    double gt[6] = {600000, 10 * k, 0, 9200020, 0, -10 * k};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, "EPSG:32721");
    uint16_t *buf = malloc(sizeof *buf * (size_t)w * h);
    for (int i = 0; i < nb; i++) {
        int b = b0 + i;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) buf[(size_t)y * w + x] = value(b, x, y);
        GDALRasterBandH band = GDALGetRasterBand(ds, i + 1);
        GDALSetDescription(band, NAMES[b]);
        if (b != 6) GDALSetRasterNoDataValue(band, 0);
        CHECK(GDALRasterIO(band, GF_Write, 0, 0, w, h, buf, w, h, GDT_UInt16, 0, 0) == CE_None);
    }
    free(buf);
    GDALClose(ds);
}

static int equal_floats(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) && isnan(b[i])) continue;
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0) {
            fprintf(stderr, "  pixel %zu: %.9g vs %.9g\n", i, a[i], b[i]);
            return 0;
        }
    }
    return 1;
}

static void alloc_px(mw_scene_pixels *p, size_t n)
{
    for (int i = 0; i < MW_BAND_MASK; i++) p->band[i] = malloc(n * sizeof(float));
    p->valid = malloc(n);
}

static void free_px(mw_scene_pixels *p)
{
    for (int i = 0; i < MW_BAND_MASK; i++) free(p->band[i]);
    free(p->valid);
}

static const mw_rect RECTS[] = {
    {0, 0, W, H},        {0, 0, 1, 1},         {W - 1, H - 1, 1, 1}, {-5, -7, 40, 30},
    {W - 20, H - 9, 45, 33}, {-3, 100, W + 6, 17}, {150, -40, 9, H + 80}, {W + 3, 10, 20, 20},
    {-50, -50, 20, 20},  {31, 33, 66, 64},     {63, 64, 2, 129},     {127, 1, 130, 261},
};

/* Plan @p r (keeping what @p keep touches, when held) and decode its
 * blocks; the jobs planned. */
static int plan_fill(mw_block_store *store, mw_scene_reader *reader, mw_rect r, const mw_rect *keep)
{
    int jobs = 0;
    long long d0 = mw_block_store_decodes(store);
    CHECK(mw_block_store_plan_keep(store, &r, 1, keep, keep ? 1 : 0, &jobs) == MW_OK);
    CHECK(mw_block_store_decodes(store) == d0 + jobs);
    for (int i = 0; i < jobs; i++) CHECK(mw_block_store_fill(store, reader, i) == MW_OK);
    return jobs;
}

/* Keep rectangles: held blocks under them stay when the plan reads
 * elsewhere (planning them again decodes nothing), missing ones are not
 * decoded; without keep they go. (The rows of top and bottom share no
 * block in any case here.) Only JPEG 2000 blocks count as slow. */
static void keep_case(mw_block_store *store, mw_scene_reader *reader, const char *what)
{
    const mw_rect top = {0, 0, W, 20}, bottom = {0, H - 20, W, 20};
    if (mw_block_store_slow(store) != (strstr(what, "JPEG 2000") != NULL)) {
        fprintf(stderr, "%s: store says slow = %d\n", what, mw_block_store_slow(store));
        CHECK(0);
    }
    int none;
    CHECK(mw_block_store_plan(store, NULL, 0, &none) == MW_OK && none == 0);
    CHECK(mw_block_store_plan_keep(store, NULL, 0, &top, 1, &none) == MW_OK && none == 0);  /* nothing held */
    const int first = plan_fill(store, reader, top, NULL);
    CHECK(first > 0);
    CHECK(plan_fill(store, reader, bottom, &top) > 0);
    if (plan_fill(store, reader, top, NULL) != 0) {
        fprintf(stderr, "%s: blocks under the keep rectangle were let go\n", what);
        CHECK(0);
    }
    CHECK(plan_fill(store, reader, bottom, NULL) > 0);   /* top's blocks go now */
    CHECK(plan_fill(store, reader, top, NULL) == first);
}

/* The store's memory follows the rectangles: nothing once emptied, the
 * same rectangle again decodes nothing and takes no more, one pixel after
 * an empty store takes less than the whole scene. */
static void store_memory(mw_block_store *store, mw_scene_reader *reader, int direct, const char *what)
{
    int none;
    CHECK(mw_block_store_plan(store, NULL, 0, &none) == MW_OK && none == 0);
    CHECK(mw_block_store_bytes(store) == 0);
    const mw_rect all = {0, 0, W, H}, one = {0, 0, 1, 1};
    const int jobs_all = plan_fill(store, reader, all, NULL);
    const size_t bytes_all = mw_block_store_bytes(store);
    if ((jobs_all > 0) != (direct > 0) || (bytes_all > 0) != (direct > 0)) {
        fprintf(stderr, "%s: %d blocks, %zu bytes for the whole scene (%d files in the store)\n", what, jobs_all,
                bytes_all, direct);
        CHECK(0);
    }
    CHECK(plan_fill(store, reader, all, NULL) == 0 && mw_block_store_bytes(store) == bytes_all);
    CHECK(mw_block_store_plan(store, NULL, 0, &none) == MW_OK && mw_block_store_bytes(store) == 0);
    const int jobs_one = plan_fill(store, reader, one, NULL);
    CHECK(jobs_one <= jobs_all && mw_block_store_bytes(store) <= bytes_all);
    if (jobs_all > 7 && !(jobs_one < jobs_all && mw_block_store_bytes(store) < bytes_all)) {
        fprintf(stderr, "%s: one pixel holds %zu bytes, the whole scene %zu\n", what, mw_block_store_bytes(store),
                bytes_all);
        CHECK(0);
    }
}

/* Every window through both paths; *direct = files the libtiff reader read itself. */
static void compare_scene(const char *path, const char *what, int expect_direct)
{
    mw_scene *scene = NULL;
    mw_scene_open_args args = {.sensor = MW_SENSOR_SENTINEL2, .date = "2023-07-07"};
    if (mw_scene_open(path, &args, &scene) != MW_OK) {
        fprintf(stderr, "%s: cannot open %s\n", what, path);
        CHECK(0);
        return;
    }
    mw_grid grid;
    CHECK(mw_grid_for_pair(scene, scene, NULL, &grid) == MW_OK);
    mw_scene_reader *fast = NULL, *slow = NULL;
    unsetenv("MINEWATCH_LIBTIFF");
    CHECK(mw_scene_reader_create(scene, &grid, &fast) == MW_OK);
    setenv("MINEWATCH_LIBTIFF", "0", 1);
    CHECK(mw_scene_reader_create(scene, &grid, &slow) == MW_OK);
    unsetenv("MINEWATCH_LIBTIFF");
    if (!fast || !slow) return;
    CHECK(mw_scene_reader_direct_files(slow) == 0);
    if (mw_scene_reader_direct_files(fast) != expect_direct) {
        fprintf(stderr, "%s: %d files read directly, expected %d\n", what, mw_scene_reader_direct_files(fast),
                expect_direct);
        CHECK(0);
    }
    mw_block_store *store = NULL;
    CHECK(mw_block_store_create(fast, &store) == MW_OK);

    for (int pass = 0; pass < 2; pass++) {  /* 0: reader's own cache, 1: shared store */
        for (size_t k = 0; k < sizeof RECTS / sizeof RECTS[0]; k++) {
            mw_rect r = RECTS[k];
            if (pass == 1) {
                int jobs = 0;
                CHECK(mw_block_store_plan(store, &r, 1, &jobs) == MW_OK);
                for (int i = 0; i < jobs; i++) CHECK(mw_block_store_fill(store, fast, i) == MW_OK);
                mw_scene_reader_use_store(fast, store);
            }
            size_t n = (size_t)r.w * r.h;
            mw_scene_pixels a, b;
            alloc_px(&a, n);
            alloc_px(&b, n);
            CHECK(mw_scene_reader_read(fast, r, &a) == MW_OK);
            CHECK(mw_scene_reader_read(slow, r, &b) == MW_OK);
            for (int role = 0; role < MW_BAND_MASK; role++) {
                if (!mw_scene_has_band(scene, (mw_band_role)role)) continue;
                if (!equal_floats(a.band[role], b.band[role], n)) {
                    fprintf(stderr, "%s: %s differs over (%d,%d %dx%d), pass %d\n", what,
                            mw_band_role_name((mw_band_role)role), r.x, r.y, r.w, r.h, pass);
                    CHECK(0);
                }
            }
            if (memcmp(a.valid, b.valid, n) != 0) {
                fprintf(stderr, "%s: valid differs over (%d,%d %dx%d), pass %d\n", what, r.x, r.y, r.w, r.h, pass);
                CHECK(0);
            }
            free_px(&a);
            free_px(&b);
        }
    }
    keep_case(store, fast, what);
    store_memory(store, fast, expect_direct, what);
    int none;
    CHECK(mw_block_store_plan(store, NULL, 0, &none) == MW_OK && none == 0);
    mw_scene_reader_use_store(fast, NULL);
    mw_block_store_destroy(store);
    mw_scene_reader_destroy(fast);
    mw_scene_reader_destroy(slow);
    mw_grid_clear(&grid);
    mw_scene_destroy(scene);
}

/* A Sentinel-2 band folder: four 10 m files, three 20 m files. */
static void folder_case(const char *name, char **co, int expect_direct)
{
    char path[256], file[320];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mkdir(path, 0755);
    for (int b = 0; b < 7; b++) {
        int is20 = b >= 4;
        snprintf(file, sizeof file, "%s/%s.tif", path, NAMES[b]);
        write_file(file, is20 ? (W + 1) / 2 : W, is20 ? (H + 1) / 2 : H, 1, b, co);
    }
    compare_scene(path, name, expect_direct);
}

/* The same folder as JPEG 2000 (lossless, 64 px tiles, GDAL's JP2OpenJPEG
 * driver, as Sentinel-2 .SAFE bands): blocks through GDALReadBlock. */
static void jp2_case(void)
{
    GDALDriverH jp2 = GDALGetDriverByName("JP2OpenJPEG");
    if (!jp2) {
        fprintf(stderr, "no JP2OpenJPEG driver: JPEG 2000 case skipped\n");
        return;
    }
    char path[256], tif[320], file[320];
    snprintf(path, sizeof path, "%s/jp2", dir);
    mkdir(path, 0755);
    char *co[] = {"QUALITY=100", "REVERSIBLE=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", NULL};
    for (int b = 0; b < 7; b++) {
        int is20 = b >= 4;
        snprintf(tif, sizeof tif, "%s/tmp_%s.tif", dir, NAMES[b]);
        snprintf(file, sizeof file, "%s/%s.jp2", path, NAMES[b]);
        write_file(tif, is20 ? (W + 1) / 2 : W, is20 ? (H + 1) / 2 : H, 1, b, NULL);
        GDALDatasetH src = GDALOpen(tif, GA_ReadOnly);
        GDALDatasetH dst = src ? GDALCreateCopy(jp2, file, src, FALSE, co, NULL, NULL) : NULL;
        CHECK(dst != NULL);
        if (dst) GDALClose(dst);
        if (src) GDALClose(src);
        unlink(tif);
    }
    compare_scene(path, "JPEG 2000 folder", 7);
}

int main(void)
{
    GDALAllRegister();
    snprintf(dir, sizeof dir, "/tmp/mw_test_grid_XXXXXX");
    if (!mkdtemp(dir)) MW_TEST_SKIP("no temporary directory");

    char *deflate_pred[] = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=48", "COMPRESS=DEFLATE", "PREDICTOR=2", NULL};
    char *deflate[] = {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=32", "COMPRESS=DEFLATE", NULL};
    char *lzw_strips[] = {"COMPRESS=LZW", "PREDICTOR=2", "BLOCKYSIZE=10", NULL};
    char *deflate_strips[] = {"COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKYSIZE=7", NULL};
    char *raw[] = {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", NULL};
    folder_case("deflate_pred", deflate_pred, 7);
    folder_case("deflate", deflate, 7);
    folder_case("lzw_strips", lzw_strips, 7);
    folder_case("deflate_strips", deflate_strips, 7);
    folder_case("uncompressed", raw, 7);

    /* A pixel-interleaved 7-band stack (every band at 10 m). */
    char stack[256];
    snprintf(stack, sizeof stack, "%s/stack.tif", dir);
    char *stack_co[] = {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", "COMPRESS=DEFLATE", "PREDICTOR=2",
                        "INTERLEAVE=PIXEL", NULL};
    write_file(stack, W, H, 7, 0, stack_co);
    compare_scene(stack, "pixel-interleaved stack", 1);
    char *band_co[] = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE", "INTERLEAVE=BAND", NULL};
    snprintf(stack, sizeof stack, "%s/stack_band.tif", dir);
    write_file(stack, W, H, 7, 0, band_co);
    compare_scene(stack, "band-interleaved stack", 1);
    jp2_case();

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    MW_TEST_DONE();
}
