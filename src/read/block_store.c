/*
 * Decoded blocks shared by the readers of one scene (see mw_read.h).
 *
 * General plan
 *  1. Per libtiff file of the scene, an array of block pointers indexed by
 *     block id (NULL: not held). Files GDAL reads have no array.
 *  2. plan(): mark the blocks the rectangles need, release the others into
 *     a pool of buffers, list the missing ones as jobs and give each a
 *     buffer now, so the parallel fill() takes no lock. Blocks under the
 *     "keep" rectangles stay when held but are not decoded: a pass that
 *     will read them later spares a second decode (a JPEG 2000 tile costs
 *     far more to decode again than a 256 px GeoTIFF block).
 *  3. fill(i): decode job i with the calling thread's own libtiff handle;
 *     the block becomes visible to readers after the parallel region's
 *     barrier.
 *  4. Buffers are cut from slabs of SLAB_BUFFERS, all of the largest block
 *     size of the scene's files, so any buffer serves any block. One
 *     malloc per block made a first plan of a full tile's wave ~1000 mmap
 *     calls on the main thread while the others waited (~20 ms a wave
 *     until the pool was warm); a slab is one call. The slabs are not
 *     touched here: a block smaller than a buffer leaves the buffer's tail
 *     untouched, so costs no memory. Slabs are freed when the store is
 *     emptied (plan of nothing: every buffer is back in the pool) or
 *     destroyed.
 */
#include "mw_read.h"

#include <stdlib.h>
#include <string.h>

#include "core/mw_error.h"
#include "io/mw_io.h"
#include "mw_read_internal.h"
#include "mw_tiff_reader.h"

typedef struct store_file {
    void **blk;         /* per block id: decoded block or NULL; NULL array: not a libtiff file */
    uint8_t *need;      /* per block id, planning scratch: 0, NEED_READ or NEED_KEEP */
    uint32_t nblocks;
    size_t block_bytes;
} store_file;

typedef struct store_job {
    int file;
    uint32_t id;
    void *buf;          /* owned until filled */
} store_job;

enum { SLAB_BUFFERS = 32 };
enum { NEED_READ = 1, NEED_KEEP = 2 };

struct mw_block_store {
    const mw_scene_reader *tmpl;   /* band geometry and file order */
    int nfiles;
    store_file files[MW_BAND_ROLE_COUNT];
    store_job *jobs;
    int njobs, jobs_cap;
    void **pool;                   /* released block buffers, for reuse */
    int npool, pool_cap;
    size_t buf_bytes;              /* every buffer: the largest block, rounded to 64 */
    int slow;                      /* some file's blocks are decoded through GDAL's driver */
    void **slabs;
    int nslabs, slabs_cap;
    int slab_left;                 /* buffers not yet cut from the last slab */
    long long decodes;             /* blocks planned for decoding so far */
};


mw_status mw_block_store_create(const mw_scene_reader *tmpl, mw_block_store **out)
{
    *out = NULL;
    mw_block_store *s = calloc(1, sizeof *s);
    if (!s) return mw_error_set(MW_ERR_NOMEM, "out of memory");
    s->tmpl = tmpl;
    s->nfiles = mw_scene_reader_file_count(tmpl);
    for (int i = 0; i < s->nfiles; i++) {
        const mw_tiff_file *tf = mw_scene_reader_tiff(tmpl, i);
        if (!tf) continue;
        const mw_tiff_layout *l = mw_tiff_file_layout(tf);
        store_file *f = &s->files[i];
        f->nblocks = l->nblocks;
        f->block_bytes = l->block_bytes;
        s->slow |= l->slow;
        size_t b = (l->block_bytes + 63) / 64 * 64;
        if (b > s->buf_bytes) s->buf_bytes = b;
        if (!(f->blk = calloc(l->nblocks, sizeof *f->blk)) || !(f->need = calloc(l->nblocks, 1))) {
            mw_block_store_destroy(s);
            return mw_error_set(MW_ERR_NOMEM, "out of memory");
        }
    }
    *out = s;
    return MW_OK;
}

void mw_block_store_destroy(mw_block_store *s)
{
    if (!s) return;
    for (int i = 0; i < MW_BAND_ROLE_COUNT; i++) {
        free(s->files[i].blk);
        free(s->files[i].need);
    }
    for (int i = 0; i < s->nslabs; i++) free(s->slabs[i]);
    free(s->slabs);
    free(s->pool);
    free(s->jobs);
    free(s);
}

/* Room for one more element in the array *arr of *n elements of @p size
 * bytes (capacity *cap, doubled from @p first). 0 when out of memory. */
static int room_for_one(void *arr, int n, int *cap, size_t size, int first)
{
    if (n < *cap) return 1;
    int c = *cap ? 2 * *cap : first;
    void *q = realloc(*(void **)arr, (size_t)c * size);
    if (!q) return 0;
    *(void **)arr = q;
    *cap = c;
    return 1;
}

/* Keep a released buffer for reuse. Out of memory to grow the pool, the
 * buffer is dropped: it stays in its slab until the slabs go. */
static void pool_put(mw_block_store *s, void *p)
{
    if (room_for_one(&s->pool, s->npool, &s->pool_cap, sizeof *s->pool, 64)) s->pool[s->npool++] = p;
}

/* A buffer of s->buf_bytes: from the pool, else cut from a slab. */
static void *buffer_get(mw_block_store *s)
{
    if (s->npool) return s->pool[--s->npool];
    if (!s->slab_left) {
        if (!room_for_one(&s->slabs, s->nslabs, &s->slabs_cap, sizeof *s->slabs, 32)) return NULL;
        void *slab = malloc(s->buf_bytes * SLAB_BUFFERS);
        if (!slab) return NULL;
        s->slabs[s->nslabs++] = slab;
        s->slab_left = SLAB_BUFFERS;
    }
    return (char *)s->slabs[s->nslabs - 1] + s->buf_bytes * (size_t)(SLAB_BUFFERS - s->slab_left--);
}

/* Mark with @p value the blocks every band read over @p rects touches. */
static void mark(mw_block_store *s, const mw_rect *rects, int n, uint8_t value)
{
    const mw_scene_reader *r = s->tmpl;
    for (int role = 0; role < MW_BAND_ROLE_COUNT; role++) {
        for (int j = 0; j < n; j++) {
            int file, band;
            mw_rect src;
            if (!mw_scene_reader_band_source(r, role, rects[j], &file, &band, &src)) break;
            if (!s->files[file].need) break;
            const mw_tiff_layout *l = mw_tiff_file_layout(mw_scene_reader_tiff(r, file));
            mw_rect in = mw_rect_intersect(src, (mw_rect){0, 0, l->width, l->height});
            if (mw_rect_is_empty(in)) continue;
            for (int by = in.y / l->bh; by <= (in.y + in.h - 1) / l->bh; by++)
                for (int bx = in.x / l->bw; bx <= (in.x + in.w - 1) / l->bw; bx++)
                    s->files[file].need[mw_tiff_block_id(l, band, bx, by)] = value;
        }
    }
}

mw_status mw_block_store_plan(mw_block_store *s, const mw_rect *rects, int n, int *todo)
{
    return mw_block_store_plan_keep(s, rects, n, NULL, 0, todo);
}

mw_status mw_block_store_plan_keep(mw_block_store *s, const mw_rect *rects, int n, const mw_rect *keep, int nkeep,
                                   int *todo)
{
    *todo = 0;
    /* Buffers of jobs a failed fill left behind go back to the pool. */
    for (int j = 0; j < s->njobs; j++)
        if (s->jobs[j].buf) pool_put(s, s->jobs[j].buf);
    s->njobs = 0;
    for (int i = 0; i < s->nfiles; i++)
        if (s->files[i].need) memset(s->files[i].need, 0, s->files[i].nblocks);
    /* 1. Mark the blocks to keep if held, then those to read (read wins). */
    mark(s, keep, nkeep, NEED_KEEP);
    mark(s, rects, n, NEED_READ);
    /* 2. Release what is not needed any more; list what is missing. */
    for (int i = 0; i < s->nfiles; i++) {
        store_file *f = &s->files[i];
        if (!f->need) continue;
        for (uint32_t id = 0; id < f->nblocks; id++) {
            if (f->blk[id] && !f->need[id]) {
                pool_put(s, f->blk[id]);
                f->blk[id] = NULL;
            } else if (!f->blk[id] && f->need[id] == NEED_READ) {
                if (!room_for_one(&s->jobs, s->njobs, &s->jobs_cap, sizeof *s->jobs, 256))
                    return mw_error_set(MW_ERR_NOMEM, "out of memory");
                s->jobs[s->njobs++] = (store_job){i, id, NULL};
            }
        }
    }
    /* 3. A buffer for every missing block now, so filling needs no lock. */
    for (int j = 0; j < s->njobs; j++)
        if (!(s->jobs[j].buf = buffer_get(s))) return mw_error_set(MW_ERR_NOMEM, "out of memory for blocks");
    /* A store with nothing needed gives its memory back: every buffer is
     * in the pool now. */
    if (n == 0 && nkeep == 0) {
        for (int k = 0; k < s->nslabs; k++) free(s->slabs[k]);
        s->nslabs = 0;
        s->slab_left = 0;
        s->npool = 0;
    }
    *todo = s->njobs;
    s->decodes += s->njobs;
    return MW_OK;
}

mw_status mw_block_store_fill(mw_block_store *s, mw_scene_reader *reader, int i)
{
    store_job *j = &s->jobs[i];
    mw_status st = mw_tiff_file_decode(mw_scene_reader_tiff(reader, j->file), j->id, j->buf);
    if (st != MW_OK) return st;
    /* Distinct jobs write distinct slots; readers look only after the
     * parallel region's barrier. */
    s->files[j->file].blk[j->id] = j->buf;
    j->buf = NULL;
    return MW_OK;
}

int mw_block_store_slow(const mw_block_store *s) { return s->slow; }

const void *mw_block_store_lookup(const mw_block_store *s, int file, uint32_t id)
{
    void *const *blk = s->files[file].blk;
    return blk ? blk[id] : NULL;
}

size_t mw_block_store_bytes(const mw_block_store *s)
{
    /* Buffers cut so far: a buffer not yet cut was never touched, so costs no memory. */
    size_t cut = s->nslabs ? (size_t)s->nslabs * SLAB_BUFFERS - (size_t)s->slab_left : 0;
    return cut * s->buf_bytes;
}

long long mw_block_store_decodes(const mw_block_store *s) { return s->decodes; }
