/*
 * read_floor: the I/O floor of a scan -- read and decode every block of the
 * given rasters, nothing else. Built and run by scripts/bench.
 *
 *   read_floor [--threads N] [--libtiff | --rasterio] FILE...
 *
 * General plan
 *  1. List every (file, band, block) of the inputs.
 *  2. Share the blocks among N OpenMP threads (dynamic), each thread with its
 *     own handles: GDALReadBlock (GDAL's driver, no block cache, native
 *     type) or, with --libtiff, TIFFReadEncodedTile / TIFFReadEncodedStrip
 *     on a TIFF* of its own (the decompression alone).
 *     With --rasterio, instead, what `gdal_translate -of <null driver>
 *     --config GDAL_NUM_THREADS N` does (GDAL 3.6 has no null driver):
 *     one file after the other, each band read whole with GDALRasterIO in
 *     swaths of one block row, native type, through GDAL's block cache;
 *     the GTiff driver decodes the blocks of a swath on N threads.
 *  3. Print "floor: S s, B blocks, P pixels, M MB decoded" on stdout.
 * A checksum of the decoded bytes keeps the compiler from skipping work.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <gdal.h>
#include <omp.h>
#include <tiffio.h>

typedef struct job {
    int file, band, bx, by;
} job;

static void quiet(const char *m, const char *f, va_list ap)
{
    (void)m;
    (void)f;
    (void)ap;
}

/* Step 2 with --rasterio (see the plan): the swaths are the block rows of
 * the listed blocks (their first block, bx = 0), in file and band order. */
static int rasterio_floor(char **files, const job *jobs, size_t njobs, int threads, long long pixels)
{
    char nt[16];
    snprintf(nt, sizeof nt, "%d", threads);
    CPLSetConfigOption("GDAL_NUM_THREADS", nt);
    double t0 = omp_get_wtime();
    unsigned long long sum = 0, bytes = 0;
    GDALDatasetH ds = NULL;
    int open_file = -1, failed = 0;
    uint8_t *buf = NULL;
    size_t bufn = 0;
    for (size_t i = 0; i < njobs && !failed; i++) {
        const job *j = &jobs[i];
        if (j->bx != 0) continue;
        if (j->file != open_file) {
            if (ds) GDALClose(ds);
            ds = GDALOpen(files[j->file], GA_ReadOnly);  /* a new handle: a cold block cache */
            open_file = j->file;
            if (!ds) {
                failed = 1;
                break;
            }
        }
        GDALRasterBandH band = GDALGetRasterBand(ds, j->band);
        GDALDataType dt = GDALGetRasterDataType(band);
        int bw, bh, w = GDALGetRasterBandXSize(band), h = GDALGetRasterBandYSize(band);
        GDALGetBlockSize(band, &bw, &bh);
        int y = j->by * bh, rows = h - y < bh ? h - y : bh;
        size_t n = (size_t)w * rows * GDALGetDataTypeSizeBytes(dt);
        if (n > bufn) buf = realloc(buf, bufn = n);
        if (!buf || GDALRasterIO(band, GF_Read, 0, y, w, rows, buf, w, rows, dt, 0, 0) != CE_None) {
            failed = 1;
            break;
        }
        for (size_t k = 0; k < n; k += 64) sum += buf[k];
        bytes += n;
    }
    if (ds) GDALClose(ds);
    free(buf);
    if (failed) {
        fprintf(stderr, "read_floor: %s failed to open or decode\n", files[open_file]);
        return 1;
    }
    printf("floor: %.3f s, %zu blocks, %lld pixels, %.1f MB decoded (rasterio, %d threads, checksum %llu)\n",
           omp_get_wtime() - t0, njobs, pixels, bytes / 1e6, threads, sum);
    return 0;
}

int main(int argc, char **argv)
{
    int threads = omp_get_num_procs(), use_tiff = 0, use_rasterio = 0, nfiles = 0;
    char **files = calloc((size_t)argc, sizeof *files);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--libtiff")) use_tiff = 1;
        else if (!strcmp(argv[i], "--rasterio")) use_rasterio = 1;
        else files[nfiles++] = argv[i];
    }
    if (nfiles == 0 || threads < 1 || (use_tiff && use_rasterio)) {
        fprintf(stderr, "usage: read_floor [--threads N] [--libtiff | --rasterio] FILE...\n");
        return 2;
    }
    GDALAllRegister();
    TIFFSetWarningHandler(quiet);

    /* 1. The blocks. */
    size_t njobs = 0, cap = 1024;
    job *jobs = malloc(cap * sizeof *jobs);
    long long pixels = 0;
    for (int f = 0; f < nfiles; f++) {
        GDALDatasetH ds = GDALOpen(files[f], GA_ReadOnly);
        if (!ds) {
            fprintf(stderr, "read_floor: cannot open %s\n", files[f]);
            return 1;
        }
        for (int b = 1; b <= GDALGetRasterCount(ds); b++) {
            GDALRasterBandH band = GDALGetRasterBand(ds, b);
            int bw, bh, w = GDALGetRasterBandXSize(band), h = GDALGetRasterBandYSize(band);
            GDALGetBlockSize(band, &bw, &bh);
            pixels += (long long)w * h;
            for (int by = 0; by < (h + bh - 1) / bh; by++)
                for (int bx = 0; bx < (w + bw - 1) / bw; bx++) {
                    if (njobs == cap) jobs = realloc(jobs, (cap *= 2) * sizeof *jobs);
                    jobs[njobs++] = (job){f, b, bx, by};
                }
        }
        GDALClose(ds);
    }

    if (use_rasterio) {
        int rc = rasterio_floor(files, jobs, njobs, threads, pixels);
        free(jobs);
        free(files);
        return rc;
    }

    /* 2. Decode them all. */
    double t0 = omp_get_wtime();
    unsigned long long sum = 0, bytes = 0;
    int failed = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sum, bytes)
    {
        GDALDatasetH *ds = calloc((size_t)nfiles, sizeof *ds);
        TIFF **tif = calloc((size_t)nfiles, sizeof *tif);
        size_t bufn = 0;
        uint8_t *buf = NULL;
#pragma omp for schedule(dynamic, 4)
        for (size_t i = 0; i < njobs; i++) {
            const job *j = &jobs[i];
            size_t n;
            if (use_tiff) {
                if (!tif[j->file]) tif[j->file] = TIFFOpen(files[j->file], "r");
                TIFF *t = tif[j->file];
                if (!t) {
                    failed = 1;
                    continue;
                }
                uint32_t w = 0, h = 0, tw = 0, th = 0;
                TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
                TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
                int tiled = TIFFIsTiled(t);
                n = tiled ? (size_t)TIFFTileSize(t) : (size_t)TIFFStripSize(t);
                if (n > bufn) buf = realloc(buf, bufn = n);
                tmsize_t got;
                if (tiled) {
                    TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
                    TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
                    uint32_t tile = TIFFComputeTile(t, (uint32_t)j->bx * tw, (uint32_t)j->by * th, 0,
                                                    (uint16_t)(j->band - 1));
                    got = TIFFReadEncodedTile(t, tile, buf, (tmsize_t)n);
                } else {
                    got = TIFFReadEncodedStrip(t, (uint32_t)j->by, buf, (tmsize_t)n);
                }
                if (got < 0) failed = 1;
                else n = (size_t)got;
            } else {
                if (!ds[j->file]) ds[j->file] = GDALOpen(files[j->file], GA_ReadOnly);
                GDALRasterBandH band = GDALGetRasterBand(ds[j->file], j->band);
                int bw, bh;
                GDALGetBlockSize(band, &bw, &bh);
                n = (size_t)bw * bh * GDALGetDataTypeSizeBytes(GDALGetRasterDataType(band));
                if (n > bufn) buf = realloc(buf, bufn = n);
                if (GDALReadBlock(band, j->bx, j->by, buf) != CE_None) failed = 1;
            }
            for (size_t k = 0; k < n; k += 64) sum += buf[k];
            bytes += n;
        }
        for (int f = 0; f < nfiles; f++) {
            if (ds[f]) GDALClose(ds[f]);
            if (tif[f]) TIFFClose(tif[f]);
        }
        free(ds);
        free(tif);
        free(buf);
    }
    double t = omp_get_wtime() - t0;
    if (failed) {
        fprintf(stderr, "read_floor: a block failed to decode\n");
        return 1;
    }
    printf("floor: %.3f s, %zu blocks, %lld pixels, %.1f MB decoded (%s, %d threads, checksum %llu)\n", t,
           njobs, pixels, bytes / 1e6, use_tiff ? "libtiff" : "gdal", threads, sum);
    free(jobs);
    free(files);
    return 0;
}
