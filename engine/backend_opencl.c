/* The OpenCL estimator backend: every stage of engine/backend.h runs as a kernel of kernels/estimate.cl on
 * the device pf_cl_open picks (PoCL's CPU device on CI). There is no CPU fallback: a device error is
 * PF_E_DEVICE. Inputs and outputs are host arrays (the stage interface), so each per-layer stage uploads its
 * inputs and reads back its outputs; everything in between (delta grid, column distances, envelope scratch,
 * counters) stays on the device in buffers the backend keeps and grows across calls. On a device that shares
 * host memory the backend also offers the batch stages (see "batch stages" below): one call per phase and
 * batch of layers, working in the driver's memory in place; that is what the estimator uses there. */
#include "engine/backends.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/sched.h"

enum {
    B_VERTS,
    B_TRIS,
    B_ZS,
    B_COUNTS,
    B_OFFS,
    B_SEGS,
    B_KEYS,
    B_DELTA,
    B_MASK,
    B_DIST,
    B_V,
    B_F,
    B_WIN,
    B_MT,
    B_MB,
    B_BELOW,
    B_OUT,
    B_TOP,
    B_BOT,
    B_FLAGS,
    B_ACC,
    B_EDGE,
    B_SUMS,
    B_CHUNKS,
    B_N
};

enum {
    K_COUNT,
    K_EMIT,
    K_HOLES,
    K_ROWS,
    K_EDTC,
    K_EDTR,
    K_SEEDS,
    K_CLASSIFY,
    K_REDUCE,
    K_AREAS,
    K_RASTER_B,
    K_EDTC_B,
    K_EDTR_B,
    K_SEEDS_B,
    K_CLASSIFY_B,
    K_AREAS_B,
    K_REDUCE_ROWS_B,
    K_CLASSIFY_FIX_B,
    K_FLAGS_B,
    K_SCAN,
    K_EDTF_B,
    K_REDUCE_B,
    K_EDTF8_B,
    K_N
};
static const char *kernel_names[K_N] = {
    "slice_count",    "slice_emit",     "slice_holes", "raster_rows",    "edt_columns",   "edt_rows",
    "margin_seeds",   "classify",       "reduce",      "reduce_areas",   "raster_b",      "edt_columns_b",
    "edt_rows_b",     "margin_seeds_b", "classify_b",  "reduce_areas_b", "reduce_rows_b", "classify_fix_b",
    "margin_flags_b", "slice_scan",     "edt_fused_b", "reduce_b",       "edt_fused_u8"};

#define ACC_N (2 * PF_RUN_N * PF_HIST_BINS) /* reduce counters, see kernels/estimate.cl */

/* The driver calls slice_emit right after slice_count on the same inputs, and the emit kernel needs the count
 * kernel's table of segments per chunk and layer: slice_count keeps it, with the mesh still on the device, so
 * the emit call neither uploads the mesh nor counts again (a wait for the device less). The inputs are known
 * by their addresses (the stage interface's inputs do not change between the two calls) and the heights by
 * value. Any other upload of a mesh drops it; one slice_emit takes it. */
typedef struct counted_mesh {
    const float *verts;
    const uint32_t *tris;
    size_t ntris, nlayers, nch;
    float *zs;     /* nlayers heights */
    uint32_t *cnt; /* nch × nlayers segments per chunk and layer, or NULL: none kept */
    /* or, sliced whole in the count's call (slice_fused): each layer's first segment (nlayers + 1), and the
     * segments and keys from 0 */
    uint32_t *offs;
    float *segs;
    uint64_t *keys;
} counted_mesh;

typedef struct cl_ctx {
    pf_cl *cl;
    cl_kernel k[K_N];
    cl_mem buf[B_N];
    size_t size[B_N];
    int unified; /* the device works in host memory (CL_DEVICE_HOST_UNIFIED_MEMORY): batch stages in place */
    cl_ulong max_alloc;     /* CL_DEVICE_MAX_MEM_ALLOC_SIZE: larger driver memory gets the per-layer stages */
    cl_ulong local_mem;     /* CL_DEVICE_LOCAL_MEM_SIZE: bounds the row pass's work-groups (row_scratch) */
    struct cl_batch *spare; /* a closed batch's scratch kept for the next estimate (warm pages), or NULL */
    cl_event gate;          /* the user event holding back the current call's commands (see lock), or NULL */
    counted_mesh counted;   /* the last slice_count's inputs and chunk table, for the slice_emit after it */
} cl_ctx;

/* Kernel parameters: pf_classify_params field by field plus the cell size (the kernel's `params`). */
typedef struct cl_params {
    cl_float ext_lo, ext_hi, int_hi, fill_lo, fill_print_lo, l0_shift, l0_ext_hi, l0_int_hi, l0_fill_lo,
        margin, shell_min_width, cell, need, bead_ridge, shell_lo, shell_far, shell_ambig, cap;
    cl_int wk, wkd, tk, tkd;
    cl_uint nx, ny;
} cl_params;

static cl_params kparams(const pf_classify_params *p, const pf_grid *g)
{
    /* the sparse-width probe, with the scalar backend's expressions (wide_enough) evaluated here once */
    /* need: half a cell beyond the transition, so a wall whose width the raster knows only to a cell is a
     * middle (PF_FILL_MIDDLE) that the driver decides exactly (engine/layer_geom.h) */
    float r = 0.5f * p->sparse_min_width, need = p->fill_lo + r + 0.5f * g->cell;
    r += g->cell;
    pf_thin_probe tp = pf_thin_probe_of(p, p->ext_hi, g->cell); /* its steps only: need is per layer */
    return (cl_params){p->ext_lo,
                       p->ext_hi,
                       p->int_hi,
                       p->fill_lo,
                       p->fill_print_lo,
                       p->l0_shift,
                       p->l0_ext_hi,
                       p->l0_int_hi,
                       p->l0_fill_lo,
                       p->margin,
                       p->shell_min_width,
                       g->cell,
                       need,
                       p->bead_ridge,
                       p->shell_lo,
                       p->shell_far,
                       p->shell_ambig,
                       pf_edt_cap_dist(p, g->cell),
                       (cl_int)ceilf(r / g->cell),
                       (cl_int)ceilf(r / g->cell * 0.70710678f),
                       tp.k,
                       tp.kd,
                       g->nx,
                       g->ny};
}

/* PoCL's CPU device wakes one of its worker threads for every command that becomes ready, and on this VM a
 * wake-up and the switches around it cost 10–25 µs, more than most commands of a small part take to run. So a
 * call holds its commands back behind a user event until it has enqueued them all (lock), and lets them go
 * at its first blocking command (go): the device then runs them back to back after one wake-up. Every
 * blocking command must be preceded by go(), or it would wait for itself. */
static void go(cl_ctx *c)
{
    if (!c->gate) return;
    clSetUserEventStatus(c->gate, CL_COMPLETE);
    clReleaseEvent(c->gate);
    c->gate = NULL;
}

/* Takes the queue and opens a gate for the call's commands (without one, when that fails, they just run at
 * once). */
static void lock(cl_ctx *c)
{
    /* the engine's helper thread sleeps now rather than spin while the device's threads run the kernels
     * (a CPU device): its next step wakes it (engine/sched.h) */
    pf_sched_rest();
    pf_cl_lock(c->cl);
    cl_int st;
    c->gate = clCreateUserEvent(pf_cl_context(c->cl), &st);
    if (c->gate && clEnqueueMarkerWithWaitList(pf_cl_queue(c->cl), 1, &c->gate, NULL) != CL_SUCCESS) go(c);
}

/* Lets the call's commands go (an error path may leave them held) and gives the queue back. */
static void unlock(cl_ctx *c)
{
    go(c);
    pf_cl_unlock(c->cl);
}

/* *m grown to at least n bytes (contents undefined after growth), or NULL. Caller holds the queue lock. */
static cl_mem grow(cl_ctx *c, cl_mem *m, size_t *size, size_t n)
{
    if (n == 0) n = 16;
    if (*m && *size >= n) return *m;
    if (*m) clReleaseMemObject(*m);
    cl_int st;
    size_t more = n + n / 4;
    *m = clCreateBuffer(pf_cl_context(c->cl), CL_MEM_READ_WRITE, more, NULL, &st);
    *size = *m ? more : 0;
    return *m;
}

/* Buffer slot b with at least n bytes (contents undefined after growth). Caller holds the queue lock. */
static cl_mem need(cl_ctx *c, int b, size_t n)
{
    return grow(c, &c->buf[b], &c->size[b], n);
}

#define CK(x)                                                                                                \
    do {                                                                                                     \
        if ((x) != CL_SUCCESS) goto done;                                                                    \
    } while (0)
#define NEED(var, b, n)                                                                                      \
    do {                                                                                                     \
        if (!((var) = need(c, (b), (n)))) goto done;                                                         \
    } while (0)
#define ARG(kk, i, v) CK(clSetKernelArg(c->k[kk], (i), sizeof(v), &(v)))

#define SLICE_CHUNKS 64     /* chunks of triangles the slicing kernels take at most */
#define SLICE_TABLE 4194304 /* and chunks × layers at most */

static size_t groups(size_t n)
{
    return (n + 63) / 64 * 64;
}

static cl_int run(cl_ctx *c, int k, size_t n)
{
    if (n == 0) return CL_SUCCESS;
    size_t global = groups(n);
    return clEnqueueNDRangeKernel(pf_cl_queue(c->cl), c->k[k], 1, NULL, &global, NULL, 0, NULL, NULL);
}

static cl_int put(cl_ctx *c, cl_mem m, const void *p, size_t n)
{
    return n ? clEnqueueWriteBuffer(pf_cl_queue(c->cl), m, CL_FALSE, 0, n, p, 0, NULL, NULL) : CL_SUCCESS;
}

static cl_int get(cl_ctx *c, cl_mem m, void *p, size_t n)
{
    go(c);
    return n ? clEnqueueReadBuffer(pf_cl_queue(c->cl), m, CL_TRUE, 0, n, p, 0, NULL, NULL) : CL_SUCCESS;
}

static cl_int zero(cl_ctx *c, cl_mem m, size_t n)
{
    cl_uint z = 0;
    return n ? clEnqueueFillBuffer(pf_cl_queue(c->cl), m, &z, sizeof z, 0, n, 0, NULL, NULL) : CL_SUCCESS;
}

/* ---- stages 1–2 ---- */

/* Uploads the mesh (vertices up to the largest index used) and the layer heights. */
static int put_mesh(cl_ctx *c, const float *verts, const uint32_t *tris, size_t ntris, const float *zs,
                    size_t nlayers)
{
    uint32_t maxv = 0;
    for (size_t i = 0; i < 3 * ntris; i++)
        if (tris[i] > maxv) maxv = tris[i];
    size_t vb = ((size_t)maxv + 1) * 3 * sizeof(float), tb = 3 * ntris * sizeof(uint32_t);
    cl_mem v, t, z;
    if (!(v = need(c, B_VERTS, vb)) || !(t = need(c, B_TRIS, tb)) ||
        !(z = need(c, B_ZS, nlayers * sizeof(float))))
        return 0;
    return put(c, v, verts, ntris ? vb : 0) == CL_SUCCESS && put(c, t, tris, tb) == CL_SUCCESS &&
           put(c, z, zs, nlayers * sizeof(float)) == CL_SUCCESS;
}

/* Slicing in chunks of triangles (kernels/estimate.cl): how many, so that each of the device's threads gets
 * several and the chunk × layer tables stay small. */
static size_t slice_chunks(size_t ntris, size_t nlayers)
{
    size_t n = ntris / 64;
    if (n > SLICE_CHUNKS) n = SLICE_CHUNKS;
    if (nlayers && n > SLICE_TABLE / nlayers) n = SLICE_TABLE / nlayers;
    return n ? n : 1;
}

/* One work-item per work-group: the runtime may otherwise put every chunk in one group, on one thread. */
static cl_int run_items(cl_ctx *c, int k, size_t n)
{
    size_t one = 1;
    return n ? clEnqueueNDRangeKernel(pf_cl_queue(c->cl), c->k[k], 1, NULL, &n, &one, 0, NULL, NULL)
             : CL_SUCCESS;
}

/* The arguments the two slicing kernels share: the mesh, the layers, the chunks and their table tab. */
static cl_int slice_args(cl_ctx *c, int k, size_t ntris, size_t nlayers, size_t nch, cl_mem tab)
{
    cl_uint nt = (cl_uint)ntris, nl = (cl_uint)nlayers, nc = (cl_uint)nch;
    const cl_mem *buf = c->buf;
    cl_kernel kk = c->k[k];
    cl_int st;
    if ((st = clSetKernelArg(kk, 0, sizeof(cl_mem), &buf[B_VERTS])) ||
        (st = clSetKernelArg(kk, 1, sizeof(cl_mem), &buf[B_TRIS])) ||
        (st = clSetKernelArg(kk, 2, sizeof nt, &nt)) ||
        (st = clSetKernelArg(kk, 3, sizeof(cl_mem), &buf[B_ZS])) ||
        (st = clSetKernelArg(kk, 4, sizeof nl, &nl)) || (st = clSetKernelArg(kk, 5, sizeof nc, &nc)))
        return st;
    return clSetKernelArg(kk, 6, sizeof tab, &tab);
}

static void counted_drop(counted_mesh *m)
{
    free(m->cnt);
    free(m->zs);
    free(m->offs);
    free(m->segs);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

/* Keeps the chunk table cnt (taking it) of the inputs just counted, whose mesh is on the device; on no memory
 * keeps nothing (and frees cnt). Caller holds the queue lock. */
static void counted_keep(cl_ctx *c, const float *verts, const uint32_t *tris, size_t ntris, const float *zs,
                         size_t nlayers, size_t nch, uint32_t *cnt)
{
    counted_mesh *m = &c->counted;
    counted_drop(m);
    if (!(m->zs = malloc((nlayers ? nlayers : 1) * sizeof *zs))) {
        free(cnt);
        return;
    }
    memcpy(m->zs, zs, nlayers * sizeof *zs);
    *m = (counted_mesh){verts, tris, ntris, nlayers, nch, m->zs, cnt, NULL, NULL, NULL};
}

/* Whether the kept results are those of these inputs. */
static int counted_same(const counted_mesh *m, const float *verts, const uint32_t *tris, size_t ntris,
                        const float *zs, size_t nlayers, size_t nch)
{
    return m->zs && m->verts == verts && m->tris == tris && m->ntris == ntris && m->nlayers == nlayers &&
           m->nch == nch && !memcmp(m->zs, zs, nlayers * sizeof *zs);
}

/* Whether the kept table is that of these inputs: if so it goes to cnt (nch × nlayers). Either way it is
 * dropped. Caller holds the queue lock. */
static int counted_take(cl_ctx *c, const float *verts, const uint32_t *tris, size_t ntris, const float *zs,
                        size_t nlayers, size_t nch, uint32_t *cnt)
{
    counted_mesh *m = &c->counted;
    int same = m->cnt && counted_same(m, verts, tris, ntris, zs, nlayers, nch);
    if (same) memcpy(cnt, m->cnt, nch * nlayers * sizeof *cnt);
    counted_drop(m);
    return same;
}

/* The segments each of nch chunks makes on each layer, into the host table cnt (nch × nlayers), the mesh and
 * the heights uploaded. Caller holds the queue lock. */
static cl_int chunk_counts(cl_ctx *c, const float *verts, const uint32_t *tris, size_t ntris, const float *zs,
                           size_t nlayers, size_t nch, uint32_t *cnt)
{
    cl_int st = CL_OUT_OF_RESOURCES;
    cl_mem tab;
    size_t bytes = nch * nlayers * sizeof *cnt;
    counted_drop(&c->counted); /* the device's mesh is about to change */
    if (!put_mesh(c, verts, tris, ntris, zs, nlayers) || !(tab = need(c, B_CHUNKS, bytes))) return st;
    if ((st = zero(c, tab, bytes)) || (st = slice_args(c, K_COUNT, ntris, nlayers, nch, tab)) ||
        (st = run_items(c, K_COUNT, nch)))
        return st;
    return get(c, tab, cnt, bytes);
}

/* A small mesh is sliced whole in slice_count's call (one wait for the device instead of two): the count, the
 * cursors from it (slice_scan) and the emit, into buffers of the most segments the triangles can make (each
 * one per layer its z range spans, the kernels' own loop), read back at once and kept for the slice_emit
 * after it. Up to SLICE_FUSED_SEGS such segments (1 MB of segments and keys) and SLICE_FUSED_TRIS triangles
 * (whose spans the host adds up, some 20 ns a triangle against the 50–100 µs of a wait). */
#define SLICE_FUSED_SEGS 32768
#define SLICE_FUSED_TRIS 2048

/* The most segments the slicing kernels can make of these triangles, or SIZE_MAX when the mesh is not small.
 */
static size_t slice_bound(const float *verts, const uint32_t *tris, size_t ntris, const float *zs,
                          size_t nlayers)
{
    if (ntris > SLICE_FUSED_TRIS) return SIZE_MAX;
    size_t n = 0;
    for (size_t t = 0; t < ntris && n <= SLICE_FUSED_SEGS; t++) {
        float z0 = verts[3 * (size_t)tris[3 * t] + 2], z1 = verts[3 * (size_t)tris[3 * t + 1] + 2],
              z2 = verts[3 * (size_t)tris[3 * t + 2] + 2];
        float lo = fminf(z0, fminf(z1, z2)), hi = fmaxf(z0, fmaxf(z1, z2));
        size_t a = pf_lower_layer(zs, nlayers, lo), b = pf_lower_layer(zs, nlayers, hi);
        n += b > a ? b - a : 0;
    }
    return n <= SLICE_FUSED_SEGS ? n : SIZE_MAX;
}

/* slice_count and slice_emit in one call for a small mesh (see SLICE_FUSED_SEGS): the segments of bound slots
 * at most. Caller holds the queue lock. */
static pf_err slice_fused(cl_ctx *c, const float *verts, const uint32_t *tris, size_t ntris, const float *zs,
                          size_t nlayers, size_t nch, size_t bound, uint32_t *counts)
{
    counted_mesh *m = &c->counted;
    counted_drop(m); /* the device's mesh is about to change */
    size_t nb = bound ? bound : 1;
    uint32_t *offs = malloc((nlayers + 1) * sizeof *offs);
    float *segs = malloc(nb * PF_SEG_FLOATS * sizeof *segs),
          *mz = malloc((nlayers ? nlayers : 1) * sizeof *mz);
    uint64_t *keys = malloc(nb * 2 * sizeof *keys);
    pf_err err = PF_E_NOMEM;
    if (!offs || !segs || !mz || !keys) goto done;
    err = PF_E_DEVICE;
    size_t bytes = nch * nlayers * sizeof(uint32_t);
    cl_uint nl = (cl_uint)nlayers, nc = (cl_uint)nch;
    cl_mem tab, of, sg, ky;
    if (!put_mesh(c, verts, tris, ntris, zs, nlayers)) goto done;
    NEED(tab, B_CHUNKS, bytes);
    NEED(of, B_OFFS, (nlayers + 1) * sizeof *offs);
    NEED(sg, B_SEGS, nb * PF_SEG_FLOATS * sizeof *segs);
    NEED(ky, B_KEYS, nb * 2 * sizeof *keys);
    CK(zero(c, tab, bytes));
    CK(slice_args(c, K_COUNT, ntris, nlayers, nch, tab));
    CK(run_items(c, K_COUNT, nch));
    ARG(K_SCAN, 0, tab);
    ARG(K_SCAN, 1, nl);
    ARG(K_SCAN, 2, nc);
    ARG(K_SCAN, 3, of);
    CK(run_items(c, K_SCAN, 1));
    CK(slice_args(c, K_EMIT, ntris, nlayers, nch, tab));
    ARG(K_EMIT, 7, sg);
    ARG(K_EMIT, 8, ky);
    CK(run_items(c, K_EMIT, nch));
    CK(clEnqueueReadBuffer(pf_cl_queue(c->cl), of, CL_FALSE, 0, (nlayers + 1) * sizeof *offs, offs, 0, NULL,
                           NULL));
    if (bound)
        CK(clEnqueueReadBuffer(pf_cl_queue(c->cl), sg, CL_FALSE, 0, bound * PF_SEG_FLOATS * sizeof *segs,
                               segs, 0, NULL, NULL));
    go(c);
    if (bound)
        CK(clEnqueueReadBuffer(pf_cl_queue(c->cl), ky, CL_TRUE, 0, bound * 2 * sizeof *keys, keys, 0, NULL,
                               NULL));
    else
        CK(clFinish(pf_cl_queue(c->cl)));
    if (offs[nlayers] > bound) goto done; /* cannot be: the kernels' loop is the bound's */
    for (size_t l = 0; l < nlayers; l++)
        counts[l] = offs[l + 1] - offs[l];
    memcpy(mz, zs, nlayers * sizeof *zs);
    *m = (counted_mesh){verts, tris, ntris, nlayers, nch, mz, NULL, offs, segs, keys};
    pf_sched_warm(); /* the slices' host steps follow */
    return PF_E_OK;
done:
    if (err) clFinish(pf_cl_queue(c->cl)); /* no read into the host arrays still pending */
    free(offs);
    free(segs);
    free(mz);
    free(keys);
    return err;
}

static pf_err cl_slice_count(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                             const float *zs, size_t nlayers, uint32_t *counts)
{
    cl_ctx *c = ctx;
    if (ntris > UINT32_MAX / 3 || nlayers > UINT32_MAX) return PF_E_DEVICE;
    size_t nch = slice_chunks(ntris, nlayers);
    size_t bound = slice_bound(verts, tris, ntris, zs, nlayers);
    if (bound != SIZE_MAX) {
        lock(c);
        pf_err err = slice_fused(c, verts, tris, ntris, zs, nlayers, nch, bound, counts);
        unlock(c);
        return err;
    }
    size_t ncnt = nch * nlayers;
    uint32_t *cnt = malloc((ncnt ? ncnt : 1) * sizeof *cnt);
    if (!cnt) return PF_E_NOMEM;
    lock(c);
    cl_int st = chunk_counts(c, verts, tris, ntris, zs, nlayers, nch, cnt);
    if (st == CL_SUCCESS) {
        for (size_t l = 0; l < nlayers; l++) {
            uint32_t s = 0;
            for (size_t k = 0; k < nch; k++)
                s += cnt[k * nlayers + l];
            counts[l] = s;
        }
        counted_keep(c, verts, tris, ntris, zs, nlayers, nch, cnt);
    } else {
        free(cnt);
    }
    unlock(c);
    return st == CL_SUCCESS ? PF_E_OK : PF_E_DEVICE;
}

static pf_err cl_slice_emit(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                            const float *zs, size_t nlayers, const uint32_t *offsets, const uint32_t *ends,
                            float *segs, uint64_t *keys)
{
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    if (ntris > UINT32_MAX / 3 || nlayers > UINT32_MAX) return err;
    const uint32_t *room_end = ends ? ends : offsets + 1;
    size_t nch = slice_chunks(ntris, nlayers), nseg = nlayers ? room_end[nlayers - 1] : offsets[0];
    pf_cl_lock(c->cl); /* (the queue is not used: no gate) */
    counted_mesh *m = &c->counted;
    if (m->offs && counted_same(m, verts, tris, ntris, zs, nlayers, nch)) { /* sliced by slice_fused */
        err = PF_E_OK;
        for (size_t l = 0; l < nlayers && !err; l++) {
            size_t n = m->offs[l + 1] - m->offs[l], at = offsets[l], room = room_end[l] - at;
            if (n > room) { /* more segments than the caller made room for */
                err = PF_E_INVAL;
                break;
            }
            memcpy(segs + at * PF_SEG_FLOATS, m->segs + (size_t)m->offs[l] * PF_SEG_FLOATS,
                   n * PF_SEG_FLOATS * sizeof *segs);
            memcpy(keys + 2 * at, m->keys + 2 * (size_t)m->offs[l], 2 * n * sizeof *keys);
            for (size_t i = at + n; i < at + room; i++) { /* holes, as slice_holes makes them */
                memset(segs + i * PF_SEG_FLOATS, 0, PF_SEG_FLOATS * sizeof *segs);
                keys[2 * i] = keys[2 * i + 1] = UINT64_MAX;
            }
        }
        counted_drop(m);
        pf_cl_unlock(c->cl);
        return err;
    }
    pf_cl_unlock(c->cl);
    /* chunk counts, then each chunk's write cursor per layer and each layer's end (fill: slots past it, left
     * by the caller's counts, become holes) */
    uint32_t *cur = malloc(((nch + 2) * nlayers + 1) * sizeof *cur), *fill = cur + nch * nlayers,
             *end = fill + nlayers;
    if (!cur) return PF_E_NOMEM;
    memcpy(end, room_end, nlayers * sizeof *end);
    lock(c);
    cl_mem tab, fl, offs, sg, ky;
    cl_uint nl = (cl_uint)nlayers;
    float *apart_segs = NULL; /* ends: the span read back, before each room is copied out */
    uint64_t *apart_keys = NULL;
    if (!counted_take(c, verts, tris, ntris, zs, nlayers, nch, cur))
        CK(chunk_counts(c, verts, tris, ntris, zs, nlayers, nch, cur));
    for (size_t l = 0; l < nlayers; l++) {
        uint32_t at = offsets[l];
        for (size_t k = 0; k < nch; k++) {
            uint32_t n = cur[k * nlayers + l];
            cur[k * nlayers + l] = at;
            at += n;
        }
        if (at > end[l]) { /* more segments than the caller made room for */
            err = PF_E_INVAL;
            goto done;
        }
        fill[l] = at;
    }
    NEED(tab, B_CHUNKS, nch * nlayers * sizeof *cur);
    NEED(fl, B_COUNTS, nlayers * sizeof *offsets);
    NEED(offs, B_OFFS, (nlayers ? nlayers : 1) * sizeof *end);
    NEED(sg, B_SEGS, nseg * PF_SEG_FLOATS * sizeof *segs);
    NEED(ky, B_KEYS, nseg * 2 * sizeof *keys);
    CK(put(c, tab, cur, nch * nlayers * sizeof *cur));
    CK(put(c, fl, fill, nlayers * sizeof *fill));
    CK(put(c, offs, end, nlayers * sizeof *end));
    CK(slice_args(c, K_EMIT, ntris, nlayers, nch, tab));
    ARG(K_EMIT, 7, sg);
    ARG(K_EMIT, 8, ky);
    CK(run_items(c, K_EMIT, nch));
    ARG(K_HOLES, 0, fl);
    ARG(K_HOLES, 1, offs);
    ARG(K_HOLES, 2, nl);
    ARG(K_HOLES, 3, sg);
    ARG(K_HOLES, 4, ky);
    CK(run(c, K_HOLES, nlayers));
    /* only this call's rooms: the driver may slice ranges of layers or of triangles from several threads into
     * one array, and the rest of the device buffer holds another range's segments, or nothing. Rooms apart
     * (ends) come through host memory of the span, a layer's room at a time. */
    size_t first = offsets[0], span = nseg > first ? nseg - first : 0;
    float *rs = segs + first * PF_SEG_FLOATS;
    uint64_t *rk = keys + first * 2;
    if (ends && span) {
        if (!(apart_segs = malloc(span * PF_SEG_FLOATS * sizeof *segs)) ||
            !(apart_keys = malloc(span * 2 * sizeof *keys))) {
            err = PF_E_NOMEM;
            goto done;
        }
        rs = apart_segs, rk = apart_keys;
    }
    if (span)
        CK(clEnqueueReadBuffer(pf_cl_queue(c->cl), sg, CL_FALSE, first * PF_SEG_FLOATS * sizeof *segs,
                               span * PF_SEG_FLOATS * sizeof *segs, rs, 0, NULL, NULL));
    go(c);
    if (span)
        CK(clEnqueueReadBuffer(pf_cl_queue(c->cl), ky, CL_TRUE, first * 2 * sizeof *keys,
                               span * 2 * sizeof *keys, rk, 0, NULL, NULL));
    for (size_t l = 0; apart_segs && l < nlayers; l++) {
        size_t at = offsets[l], n = end[l] - at;
        memcpy(segs + at * PF_SEG_FLOATS, rs + (at - first) * PF_SEG_FLOATS,
               n * PF_SEG_FLOATS * sizeof *segs);
        memcpy(keys + at * 2, rk + (at - first) * 2, n * 2 * sizeof *keys);
    }
    err = PF_E_OK;
done:
    go(c);
    if (err) clFinish(pf_cl_queue(c->cl)); /* no write from cur still pending */
    unlock(c);
    free(cur);
    free(apart_segs);
    free(apart_keys);
    return err;
}

/* ---- stage 3 ---- */

/* Rasterizes into B_MASK on the device (no read-back): one work-item per band of rows, see
 * kernels/estimate.cl. */
static cl_int raster_dev(cl_ctx *c, const float *segs, size_t nsegs, const pf_grid *g)
{
    cl_int st = CL_OUT_OF_RESOURCES;
    size_t n = (size_t)g->nx * g->ny;
    cl_mem sg = need(c, B_SEGS, nsegs * PF_SEG_FLOATS * sizeof(float)),
           dl = need(c, B_DELTA, (n + g->ny) * sizeof(cl_int)), mk = need(c, B_MASK, n);
    cl_uint ns = (cl_uint)nsegs, nx = g->nx, ny = g->ny;
    cl_float x0 = g->x0, y0 = g->y0, inv = 1.0f / g->cell;
    /* Every band scans every segment: 64 bands give the device enough items while keeping that scan short. */
    cl_uint band = (ny + 63) / 64;
    if (!sg || !dl || !mk) return st;
    if ((st = put(c, sg, segs, nsegs * PF_SEG_FLOATS * sizeof(float)))) return st;
    cl_kernel k = c->k[K_ROWS];
    if ((st = clSetKernelArg(k, 0, sizeof sg, &sg)) || (st = clSetKernelArg(k, 1, sizeof ns, &ns)) ||
        (st = clSetKernelArg(k, 2, sizeof x0, &x0)) || (st = clSetKernelArg(k, 3, sizeof y0, &y0)) ||
        (st = clSetKernelArg(k, 4, sizeof inv, &inv)) || (st = clSetKernelArg(k, 5, sizeof nx, &nx)) ||
        (st = clSetKernelArg(k, 6, sizeof ny, &ny)) || (st = clSetKernelArg(k, 7, sizeof band, &band)) ||
        (st = clSetKernelArg(k, 8, sizeof dl, &dl)) || (st = clSetKernelArg(k, 9, sizeof mk, &mk)))
        return st;
    return run(c, K_ROWS, (g->ny + band - 1) / band);
}

static pf_err cl_raster(void *ctx, const float *segs, size_t nsegs, const pf_grid *g, uint8_t *mask)
{
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    lock(c);
    if (nsegs > UINT32_MAX) goto done;
    CK(raster_dev(c, segs, nsegs, g));
    CK(get(c, c->buf[B_MASK], mask, (size_t)g->nx * g->ny));
    err = PF_E_OK;
done:
    unlock(c);
    return err;
}

/* ---- stage 4 ---- */

/* The squared-distance limit the edt kernels clamp to for a cap in cells (0: none). */
static cl_float edt_lim(uint32_t cap)
{
    return cap ? (cl_float)cap * (cl_float)cap : 1e30f;
}

/* Largest cap the row pass takes windowed (kernels/estimate.cl's EDT_WINDOW_MAX); beyond it, the exact pass.
 */
#define EDT_WINDOW_MAX 24
#define ROW_LOCAL                                                                                            \
    2 /* items per work-group of the row pass (as BATCH_LOCAL), fewer when their scratch exceeds local       \
         memory */
/* Cells of a batch row pass's item (kernels/estimate.cl edt_rows_b): as many rows (at least one) as that,
 * while the call keeps ROW_ITEMS_MIN items. One row an item, tower's 85-cell rows took 0.82–0.89 ms,
 * 0.59–0.81 in items of 2048 cells (overhang's 331: 0.38–0.53 → 0.38–0.42). */
#define ROW_ITEM_CELLS 2048
#define ROW_ITEMS_MIN 64
/* The fused capped pass (edt_fused_b) sweeps each item's columns from cap + 1 rows beyond its rows: items of
 * about FUSED_ITEM_CELLS cells and at least FUSED_ROWS_MIN rows keep that overhead small. */
#ifndef FUSED_ITEM_CELLS
#define FUSED_ITEM_CELLS 8192
#endif
#define FUSED_ROWS_MIN(cap) (4 * ((cap) + 1))
/* Caps from which the fused pass runs in small integers (kernels/estimate.cl edt_fused_u8): the margins' */
#define FUSED_U8_CAP 12

/* The row pass's local scratch (kernels/estimate.cl edt_row_window: nx + 2·cap + 16 floats a row, a few for
 * the exact pass, which reads none), set as arguments a and a + 1 of kernel k for the work-group size it
 * returns: up to ROW_LOCAL rows, as many as the device's local memory holds. 0 when not even one row fits
 * (*st says why when setting an argument failed). */
/* Floats of local memory a row-pass item takes (see row_scratch). */
static cl_uint row_floats(const pf_grid *g, uint32_t cap, int fused)
{
    int window = cap && cap <= EDT_WINDOW_MAX;
    cl_uint srow = window ? (g->nx + 2 * cap + 16 + 7) / 8 * 8 : 8;
    if (fused && cap >= FUSED_U8_CAP) /* edt_fused_u8's: the window's squares (ushorts), the near flags and
                                       * running row (bytes) */
        return (2 * (g->nx + 2 * cap + 32) + 31) / 32 * 8 + ((g->nx + 15) / 16 + 8 + 31) / 32 * 8 +
               (g->nx + 16 + 31) / 32 * 8;
    return fused ? srow + (g->nx + 8) / 8 * 8 : srow; /* edt_fused_b's running row after the window's */
}

static size_t row_scratch(cl_ctx *c, cl_kernel k, cl_uint a, const pf_grid *g, uint32_t cap, int fused,
                          cl_int *st)
{
    cl_uint srow = row_floats(g, cap, fused);
    size_t local = ROW_LOCAL;
    while (local > 1 && local * srow * sizeof(cl_float) > c->local_mem)
        local /= 2;
    *st = CL_OUT_OF_RESOURCES;
    if (local * srow * sizeof(cl_float) > c->local_mem) return 0;
    if ((*st = clSetKernelArg(k, a, local * srow * sizeof(cl_float), NULL)) != CL_SUCCESS ||
        (*st = clSetKernelArg(k, a + 1, sizeof srow, &srow)) != CL_SUCCESS)
        return 0;
    return local;
}

static pf_err cl_edt(void *ctx, const uint8_t *mask, const pf_grid *g, uint32_t cap, float *dist)
{
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    lock(c);
    size_t n = (size_t)g->nx * g->ny;
    cl_mem mk, d, v, f;
    cl_uint nx = g->nx, ny = g->ny;
    cl_float cell = g->cell, lim = edt_lim(cap);
    NEED(mk, B_MASK, n);
    NEED(d, B_DIST, n * sizeof(float));
    NEED(v, B_V, n * sizeof(cl_int));
    NEED(f, B_F, n * sizeof(cl_int));
    CK(put(c, mk, mask, n));
    ARG(K_EDTC, 0, mk);
    ARG(K_EDTC, 1, nx);
    ARG(K_EDTC, 2, ny);
    ARG(K_EDTC, 3, d);
    CK(run(c, K_EDTC, nx));
    ARG(K_EDTR, 0, mk);
    ARG(K_EDTR, 1, nx);
    ARG(K_EDTR, 2, ny);
    ARG(K_EDTR, 3, cell);
    ARG(K_EDTR, 4, lim);
    ARG(K_EDTR, 5, d);
    ARG(K_EDTR, 6, v);
    ARG(K_EDTR, 7, f);
    cl_int st;
    size_t local = row_scratch(c, c->k[K_EDTR], 8, g, cap, 0, &st); /* 0: rows too long for the device */
    if (!local) goto done;
    size_t global = (ny + local - 1) / local * local;
    CK(clEnqueueNDRangeKernel(pf_cl_queue(c->cl), c->k[K_EDTR], 1, NULL, &global, &local, 0, NULL, NULL));
    CK(get(c, d, dist, n * sizeof(float)));
    err = PF_E_OK;
done:
    unlock(c);
    return err;
}

/* ---- stage 5 ---- */

/* Uploads the present layers k of the window with (use >> k & 1) into B_WIN (7 fields) and returns the
 * presence bit mask, or −1. */
static int put_window(cl_ctx *c, const float *const dist[7], size_t n, unsigned use)
{
    cl_mem w = need(c, B_WIN, 7 * n * sizeof(float));
    if (!w || !dist[3]) return -1;
    int present = 0;
    for (int k = 0; k < 7; k++) {
        if (!dist[k] || !(use >> k & 1)) continue;
        present |= 1 << k;
        if (clEnqueueWriteBuffer(pf_cl_queue(c->cl), w, CL_FALSE, (size_t)k * n * sizeof(float),
                                 n * sizeof(float), dist[k], 0, NULL, NULL) != CL_SUCCESS)
            return -1;
    }
    return present;
}

static pf_err cl_margin_seeds(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                              size_t nlayers, const float *const dist[7], uint8_t *top_seed,
                              uint8_t *bot_seed, int *has_top, int *has_bot)
{
    (void)nlayers;
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    lock(c);
    size_t n = (size_t)g->nx * g->ny;
    cl_mem t, b, fl;
    cl_int flags[2];
    int present = put_window(c, dist, n, 1u << 2 | 1u << 3 | 1u << 4); /* seeds read layers ±1 only */
    cl_uint pr = (cl_uint)present, nn = (cl_uint)n, ly = (cl_uint)layer;
    cl_float fill_lo = p->fill_lo;
    if (present < 0) goto done;
    NEED(t, B_TOP, n);
    NEED(b, B_BOT, n);
    NEED(fl, B_FLAGS, sizeof flags);
    CK(zero(c, fl, sizeof flags));
    ARG(K_SEEDS, 0, c->buf[B_WIN]);
    ARG(K_SEEDS, 1, pr);
    ARG(K_SEEDS, 2, nn);
    ARG(K_SEEDS, 3, ly);
    ARG(K_SEEDS, 4, fill_lo);
    ARG(K_SEEDS, 5, t);
    ARG(K_SEEDS, 6, b);
    ARG(K_SEEDS, 7, fl);
    CK(run(c, K_SEEDS, n));
    CK(get(c, t, top_seed, n));
    CK(get(c, b, bot_seed, n));
    CK(get(c, fl, flags, sizeof flags));
    *has_top = flags[0] != 0;
    *has_bot = flags[1] != 0;
    err = PF_E_OK;
done:
    unlock(c);
    return err;
}

static pf_err cl_classify(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                          size_t nlayers, const float *const dist[7], const float *margin_top,
                          const float *margin_bot, const uint8_t *below, uint8_t *out)
{
    (void)nlayers;
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    lock(c);
    size_t n = (size_t)g->nx * g->ny;
    cl_mem mt, mb, bl, o;
    int present = put_window(c, dist, n, 0x7f);
    cl_uint pr = (cl_uint)present, nn = (cl_uint)n, ly = (cl_uint)layer;
    cl_uint have = (margin_top ? 1u : 0u) | (margin_bot ? 2u : 0u) | (below ? 4u : 0u);
    cl_params cp = kparams(p, g);
    if (present < 0) goto done;
    NEED(mt, B_MT, n * sizeof(float));
    NEED(mb, B_MB, n * sizeof(float));
    NEED(bl, B_BELOW, n);
    NEED(o, B_OUT, n);
    if (margin_top) CK(put(c, mt, margin_top, n * sizeof(float)));
    if (margin_bot) CK(put(c, mb, margin_bot, n * sizeof(float)));
    if (below) CK(put(c, bl, below, n));
    ARG(K_CLASSIFY, 0, c->buf[B_WIN]);
    ARG(K_CLASSIFY, 1, pr);
    ARG(K_CLASSIFY, 2, nn);
    ARG(K_CLASSIFY, 3, ly);
    ARG(K_CLASSIFY, 4, cp);
    ARG(K_CLASSIFY, 5, mt);
    ARG(K_CLASSIFY, 6, mb);
    ARG(K_CLASSIFY, 7, have);
    ARG(K_CLASSIFY, 8, bl);
    ARG(K_CLASSIFY, 9, o);
    CK(run(c, K_CLASSIFY, n));
    CK(get(c, o, out, n));
    err = PF_E_OK;
done:
    unlock(c);
    return err;
}

/* ---- stage 6 ---- */

/* Partial sums per group of rows of kernels/estimate.cl's areas_rows: at least AREA_ROWS rows and about
 * AREA_CELLS cells (the same there). Groups of 4 rows took reduce_areas_b 0.87–0.97 ms on tower's 85-cell
 * rows, groups of 16 0.62–0.74; on overhang's 331-cell rows 16 were no faster than 4. (The order of the float
 * additions changes with the groups: quotes moved by up to 2e-7 of their weight and time.) */
#define AREA_SUMS 11
#define AREA_ROWS 4
#define AREA_CELLS 1024

static size_t area_groups(const pf_grid *g)
{
    size_t rows = (AREA_CELLS + g->nx - 1) / g->nx;
    if (rows < AREA_ROWS) rows = AREA_ROWS;
    return (g->ny + rows - 1) / rows;
}

/* One layer's sums from the device's counters (acc, ACC_N) and per-group partial sums (area_groups ×
 * AREA_SUMS): adding those here is the last step of the reduction. */
static void reduce_finish(const pf_grid *g, const cl_uint *acc, const float *sums, pf_layer_cells *out)
{
    double s[AREA_SUMS] = {0};
    for (size_t r = 0; r < area_groups(g); r++)
        for (int k = 0; k < AREA_SUMS; k++)
            s[k] += sums[r * AREA_SUMS + k];
    memset(out, 0, sizeof *out);
    double ca = (double)g->cell * g->cell, perp = (double)(g->cell * 0.70710678f);
    out->area = (float)(s[0] * ca);
    for (int k = 1; k < 3; k++)
        out->wall_area[k] = (float)(s[k] * ca);
    out->wall_thin = (float)(s[10] * ca);
    for (int k = 0; k < PF_FILL_N; k++) /* [0]: wall middles beyond the inner beads */
        out->fill_area[k] = (float)(s[3 + k] * ca);
    const cl_uint *runs = acc, *cells = acc + PF_RUN_N * PF_HIST_BINS;
    for (int r = 0; r < PF_RUN_N; r++)
        for (int b = 0; b < PF_HIST_BINS; b++) {
            out->runs[r][b] = (float)(runs[r * PF_HIST_BINS + b] * perp);
            out->run_area[r][b] = (float)(cells[r * PF_HIST_BINS + b] * ca);
        }
}

static pf_err cl_reduce(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                        const float *dist, const uint8_t *cls, int parity, pf_layer_cells *out)
{
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    lock(c);
    size_t n = (size_t)g->nx * g->ny;
    cl_uint acc[ACC_N];
    float *sums = malloc(area_groups(g) * AREA_SUMS * sizeof *sums);
    cl_mem cb, db, ab, eb, sb;
    cl_uint nx = g->nx, ny = g->ny, ly = (cl_uint)layer;
    cl_int par = parity;
    cl_params cp = kparams(p, g);
    cl_int first[PF_HIST_BINS];
    pf_hist_firsts(g->cell * 1.41421356f, first);
    if (!sums) {
        err = PF_E_NOMEM;
        goto done;
    }
    NEED(cb, B_OUT, n);
    NEED(db, B_DIST, n * sizeof(float));
    NEED(ab, B_ACC, sizeof acc);
    NEED(eb, B_EDGE, sizeof first);
    NEED(sb, B_SUMS, area_groups(g) * AREA_SUMS * sizeof *sums);
    CK(put(c, cb, cls, n));
    CK(put(c, db, dist, n * sizeof(float)));
    CK(put(c, eb, first, sizeof first));
    CK(zero(c, ab, sizeof acc));
    ARG(K_REDUCE, 0, cb);
    ARG(K_REDUCE, 1, nx);
    ARG(K_REDUCE, 2, ny);
    ARG(K_REDUCE, 3, par);
    ARG(K_REDUCE, 4, eb);
    ARG(K_REDUCE, 5, ab);
    CK(run(c, K_REDUCE, (size_t)nx + ny - 1));
    ARG(K_AREAS, 0, cb);
    ARG(K_AREAS, 1, db);
    ARG(K_AREAS, 2, nx);
    ARG(K_AREAS, 3, ny);
    ARG(K_AREAS, 4, cp);
    ARG(K_AREAS, 5, ly);
    ARG(K_AREAS, 6, sb);
    CK(run(c, K_AREAS, area_groups(g)));
    CK(get(c, ab, acc, sizeof acc));
    CK(get(c, sb, sums, area_groups(g) * AREA_SUMS * sizeof *sums));
    reduce_finish(g, acc, sums, out);
    err = PF_E_OK;
done:
    free(sums);
    unlock(c);
    return err;
}

/* ---- batch stages (engine/backend.h): the driver's memory used in place ----
 *
 * On a device that shares memory with the host (PoCL's CPU device), the driver's per-cell memory becomes one
 * CL_MEM_USE_HOST_PTR buffer for the whole estimate, so kernels read and write the driver's arrays in place:
 * no uploads or read-backs of masks, fields or classes, and one synchronisation per batch call instead of
 * several per layer. Ownership follows the OpenCL rules for such buffers: the buffer stays mapped (the host
 * owns it) between calls; a call unmaps it, enqueues its kernels and maps it again, which waits for them. On
 * such a device map and unmap copy nothing. Arrays are addressed by byte offsets into the buffer, passed in a
 * small per-call table (kernels/estimate.cl, the *_b kernels). */

/* Most kernels one batch call enqueues. */
#define BATCH_EVENTS 16

enum {
    X_TAB,
    X_TAB2,
    X_SEGS,
    X_SEGL,
    X_DELTA,
    X_ROWS,
    X_LEN,
    X_ACT,
    X_V,
    X_F,
    X_SEEDS,
    X_FLAGS,
    X_ACC,
    X_SUMS,
    X_EDGE,
    X_N
};

typedef struct cl_batch {
    cl_mem mem;           /* the driver's memory, CL_MEM_USE_HOST_PTR */
    unsigned char *base;  /* its host address */
    size_t len;           /* its size, bytes */
    int mapped;           /* 1 while the host owns mem (mapped for reading and writing) */
    cl_mem buf[X_N];      /* device scratch: tables, segments, raster deltas, EDT envelopes, ... */
    size_t size[X_N];     /* their sizes, bytes */
    cl_ulong *tab, *tab2; /* host copies of the tables (kept until the call's final map) */
    size_t ntab, ntab2;   /* their capacities, entries */
    cl_ulong *etab;       /* edt_batch's table: its own, as the call returns before the device reads it */
    size_t netab;         /* its capacity, entries */
    cl_ulong *rtab;       /* raster_batch's, likewise */
    size_t nrtab;         /* its capacity, entries */
    cl_uint *segl;        /* host copy of the batch layers' segment counts and first segments (raster) */
    size_t nsegl;         /* its capacity, entries */
    int rbusy, ebusy;     /* raster_batch's / edt_batch's host tables may still be read (until to_host) */
    int failed;           /* a call failed: the scratch may break the invariants below, do not keep it */
    /* a deferred margin_batch's flags (2 per layer), read into pflags by its commands, given to the caller's
     * pht / phb by the next call that returns with the host owning the memory (to_host); pn: its layers, 0
     * when none is pending; mn: the layers of the last margin_batch of this memory, whose flags X_FLAGS
     * holds (classify_batch's pend) */
    cl_int *pflags;
    size_t npflags, pn, mn;
    uint8_t *pht, *phb;
    cl_ulong *mtab, *mtab2;    /* its tables (its own: the call returns before the device reads them) */
    size_t nmtab, nmtab2;      /* their capacities, entries */
    cl_event ev[BATCH_EVENTS]; /* the current call's kernels, checked when the host takes the memory back */
    int nev;                   /* their count */
} cl_batch;

#define NONE_OFF ((cl_ulong)-1)
/* Work per item of the batch kernels, as kernels/estimate.cl defines them: BLK columns or cells, SBLK cells
 * (margin seeds), CBLK cells (classify and its bridge fix). An item's own work (its table entries, the
 * window's distinct fields, its flags) is worth many cells on PoCL: from 256 to 1024 cells an item,
 * classify_b took 0.61–0.71 → 0.52–0.56 ms on plate150, 0.90–0.95 → 0.84–0.86 on tower, margin_flags_b
 * 0.23–0.24 → 0.20 on overhang (fastest of 30 runs; 4096 gained no more, and left a small part's layers too
 * few items). */
#define KBLK 64
#define KSBLK 1024
#define KCBLK 1024

/* Byte offset of p in the batch memory. The batch stages only get pointers into it (engine/backend.h). */
static cl_ulong off_of(const cl_batch *b, const void *p)
{
    return (cl_ulong)((const unsigned char *)p - b->base);
}

static int in_mem(const cl_batch *b, const void *p, size_t n)
{
    const unsigned char *q = p;
    return q >= b->base && q <= b->base + b->len && n <= (size_t)(b->base + b->len - q);
}

/* Host table of at least n entries (*t, capacity *cap), or NULL. */
static cl_ulong *table(cl_ulong **t, size_t *cap, size_t n)
{
    if (*cap >= n) return *t;
    cl_ulong *m = realloc(*t, n * sizeof *m);
    if (!m) return NULL;
    *t = m;
    *cap = n;
    return m;
}

/* Batch kernels: every item loops over a block of work, so small work-groups of `local` items (the runtime's
 * own choice may put a whole NDRange into one or two groups, i.e. onto one or two of the device's threads).
 * PoCL's threads take groups in chunks (of up to 64 groups each on 2 threads, for calls of up to 1024
 * groups), so a group's items are what a late or unlucky thread can be left without: groups of 8 made a
 * chunk 512 items, half of a thin-walled part's classify call, whose costlier layers then ran on one thread
 * while the other waited. Groups of 2 (in-process A/B, 25–30 alternating rounds): thinwall and cube20 4–5 %
 * faster, the others 0–2 %. Each kernel's event is kept: a kernel the runtime fails to run (it compiles
 * work-group functions lazily) must be an error, not arrays left as they were. */
#define BATCH_LOCAL 2

static cl_int run_local(cl_ctx *c, cl_batch *b, int k, size_t n, size_t local)
{
    if (n == 0) return CL_SUCCESS;
    if (b->nev >= BATCH_EVENTS) return CL_OUT_OF_RESOURCES;
    size_t global = (n + local - 1) / local * local;
    cl_int st = clEnqueueNDRangeKernel(pf_cl_queue(c->cl), c->k[k], 1, NULL, &global, &local, 0, NULL,
                                       &b->ev[b->nev]);
    if (st == CL_SUCCESS) b->nev++;
    return st;
}

/* Fewer items than this run a group each: a few large items (a 150 mm plate's one field in 7 column blocks)
 * in one group would all go to one of the device's threads. */
#define FEW_ITEMS 64

static cl_int run_b(cl_ctx *c, cl_batch *b, int k, size_t n)
{
    return run_local(c, b, k, n, n < FEW_ITEMS ? 1 : BATCH_LOCAL);
}

/* Releases the call's kernel events; CL_SUCCESS when every one completed, else the first failure. Call after
 * the commands finished. */
static cl_int events_check(cl_batch *b)
{
    cl_int st = CL_SUCCESS;
    for (int i = 0; i < b->nev; i++) {
        cl_int es = CL_COMPLETE;
        cl_int q = clGetEventInfo(b->ev[i], CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof es, &es, NULL);
        if (st == CL_SUCCESS && (q != CL_SUCCESS || es != CL_COMPLETE))
            st = q != CL_SUCCESS ? q : es < 0 ? es : CL_OUT_OF_RESOURCES;
        clReleaseEvent(b->ev[i]);
    }
    b->nev = 0;
    return st;
}

/* The device takes the memory over (before kernels touch it). */
static cl_int to_device(cl_ctx *c, cl_batch *b)
{
    if (!b->mapped) return CL_SUCCESS;
    cl_int st = clEnqueueUnmapMemObject(pf_cl_queue(c->cl), b->mem, b->base, 0, NULL, NULL);
    if (st == CL_SUCCESS) b->mapped = 0;
    return st;
}

/* The host takes it back: a blocking map, so every command enqueued before has finished. */
static cl_int to_host(cl_ctx *c, cl_batch *b)
{
    cl_int st = CL_SUCCESS;
    go(c);
    if (!b->mapped) {
        void *p = clEnqueueMapBuffer(pf_cl_queue(c->cl), b->mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
                                     b->len, 0, NULL, NULL, &st);
        if (!p) return st != CL_SUCCESS ? st : CL_OUT_OF_RESOURCES;
        b->mapped = 1;
        /* a USE_HOST_PTR buffer maps at its host pointer (OpenCL 1.2 §5.4.2); else in-place use breaks */
        if (p != b->base) return CL_INVALID_VALUE;
    }
    /* the map waits for the commands before it; finishing the queue makes that explicit for the reads too */
    if ((st = clFinish(pf_cl_queue(c->cl))) != CL_SUCCESS) return st;
    b->rbusy = b->ebusy = 0;
    if ((st = events_check(b)) != CL_SUCCESS) return st;
    for (size_t i = 0; i < b->pn; i++) { /* a deferred margin_batch's out-params */
        b->pht[i] = b->pflags[2 * i] != 0;
        b->phb[i] = b->pflags[2 * i + 1] != 0;
    }
    b->pn = 0;
    pf_sched_warm(); /* host steps follow: the helper wakes while the caller finishes this call */
    return CL_SUCCESS;
}

/* Gives the memory back to the host, for a call that enqueues nothing: edt_batch leaves its kernels running,
 * and every other call returns with the host owning the memory (engine/backend.h). */
static pf_err host_owns(cl_ctx *c, cl_batch *b)
{
    if (b->mapped) return PF_E_OK;
    lock(c);
    cl_int st = to_host(c, b);
    if (st != CL_SUCCESS) b->failed = 1;
    unlock(c);
    return st == CL_SUCCESS ? PF_E_OK : PF_E_DEVICE;
}

static cl_int put_table(cl_ctx *c, cl_mem m, const cl_ulong *t, size_t n)
{
    return put(c, m, t, n * sizeof *t);
}

static void batch_free(cl_batch *b)
{
    if (!b) return;
    for (int k = 0; k < X_N; k++)
        if (b->buf[k]) clReleaseMemObject(b->buf[k]);
    free(b->tab);
    free(b->tab2);
    free(b->etab);
    free(b->rtab);
    free(b->segl);
    free(b->pflags);
    free(b->mtab);
    free(b->mtab2);
    free(b);
}

/* Gives the memory back and keeps the scratch buffers for the next estimate (one set per ctx: fresh pages
 * cost more than the kernels on small parts) unless a call failed or a set is kept already. */
static void cl_batch_close(void *ctx, void *batch)
{
    cl_ctx *c = ctx;
    cl_batch *b = batch;
    if (!b) return;
    if (b->mem && b->mapped && !b->nev && !b->failed) {
        /* the last call waited for everything it enqueued and the host owns the memory: nothing is queued
         * that uses it, so it is released as it is (an unmap and a wait less per estimate) */
        pf_cl_lock(c->cl);
        clReleaseMemObject(b->mem);
        b->mem = NULL;
    } else {
        lock(c);
        if (b->mem) {
            if (to_device(c, b) != CL_SUCCESS) b->failed = 1;
            go(c);
            if (clFinish(pf_cl_queue(c->cl)) != CL_SUCCESS) b->failed = 1;
            if (events_check(b) != CL_SUCCESS) b->failed = 1; /* a call that failed half-way left some */
            clReleaseMemObject(b->mem);
            b->mem = NULL;
        }
        go(c);
    }
    b->base = NULL;
    b->len = 0;
    b->mapped = 0;
    b->pn = b->mn = 0; /* a deferred margin_batch nobody waited for: its out-params are not written */
    if (!b->failed && !c->spare) {
        c->spare = b;
        b = NULL;
    }
    pf_cl_unlock(c->cl);
    batch_free(b);
}

static pf_err cl_batch_open(void *ctx, void *mem, size_t len, void **out)
{
    cl_ctx *c = ctx;
    if (!c->unified || !mem || !len || len > c->max_alloc) return PF_E_UNSUPPORTED;
    lock(c);
    cl_batch *b = c->spare;
    c->spare = NULL;
    if (!b && !(b = calloc(1, sizeof *b))) {
        unlock(c);
        return PF_E_NOMEM;
    }
    pf_err err = PF_E_DEVICE;
    cl_int st;
    b->base = mem;
    b->len = len;
    /* left to the device: the driver does not touch the memory before a call that returns it
     * (engine/backend.h), and the first call's kernels need not wait for a map and its unmap */
    b->mem = clCreateBuffer(pf_cl_context(c->cl), CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, len, mem, &st);
    b->mapped = 0;
    b->rbusy = b->ebusy = 0;
    if (b->mem) err = PF_E_OK;
    unlock(c);
    if (err) {
        b->failed = 1;
        cl_batch_close(c, b);
        return err;
    }
    *out = b;
    return PF_E_OK;
}

#define BNEED(var, k, n)                                                                                     \
    do {                                                                                                     \
        if (!((var) = grow(c, &b->buf[k], &b->size[k], (n)))) goto done;                                     \
    } while (0)

static pf_err cl_raster_batch(void *ctx, void *batch, const pf_grid *g, const float *segs,
                              const uint32_t *offs, const uint32_t *counts, size_t n, const uint32_t *layers,
                              uint8_t *const *masks)
{
    cl_ctx *c = ctx;
    cl_batch *b = batch;
    if (!n) return host_owns(c, b);
    pf_err err = PF_E_DEVICE;
    size_t ncell = (size_t)g->nx * g->ny, lo = SIZE_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = layers[i];
        if (offs[l] < lo) lo = offs[l];
        if ((size_t)offs[l] + counts[l] > hi) hi = (size_t)offs[l] + counts[l];
        if (!in_mem(b, masks[i], ncell)) return PF_E_INVAL;
    }
    if (hi < lo) hi = lo;
    if (hi - lo > UINT32_MAX) return PF_E_INVAL;
    if (b->rbusy && (err = host_owns(c, b))) return err; /* the last raster's tables may still be read */
    err = PF_E_DEVICE;
    cl_ulong *t = table(&b->rtab, &b->nrtab, n);
    if (!t) return PF_E_NOMEM;
    if (b->nsegl < 2 * n) {
        cl_uint *m = realloc(b->segl, 2 * n * sizeof *m);
        if (!m) return PF_E_NOMEM;
        b->segl = m;
        b->nsegl = 2 * n;
    }
    for (size_t i = 0; i < n; i++) {
        t[i] = off_of(b, masks[i]);
        b->segl[2 * i] = counts[layers[i]];
        b->segl[2 * i + 1] = (cl_uint)(offs[layers[i]] - lo);
    }
    cl_uint nl = (cl_uint)n, nx = g->nx, ny = g->ny;
    cl_float x0 = g->x0, y0 = g->y0, inv = 1.0f / g->cell;
    cl_mem tb, sg, sl, dl, rw, old_dl = b->buf[X_DELTA], old_rw = b->buf[X_ROWS];
    size_t old_size = b->size[X_DELTA], old_rsize = b->size[X_ROWS];
    lock(c);
    BNEED(tb, X_TAB, n * sizeof *t);
    BNEED(sg, X_SEGS, (hi - lo) * PF_SEG_FLOATS * sizeof *segs);
    BNEED(sl, X_SEGL, 2 * n * sizeof *b->segl);
    BNEED(dl, X_DELTA, n * (ncell + g->ny) * sizeof(cl_int));
    BNEED(rw, X_ROWS, n * g->ny * sizeof(cl_int));
    CK(to_device(c, b));
    if (dl != old_dl || b->size[X_DELTA] != old_size)
        CK(zero(c, dl, b->size[X_DELTA] & ~(size_t)3)); /* the scan keeps it 0 */
    if (rw != old_rw || b->size[X_ROWS] != old_rsize)
        CK(zero(c, rw, b->size[X_ROWS] & ~(size_t)3)); /* likewise */
    CK(put_table(c, tb, t, n));
    CK(put(c, sg, segs + (size_t)PF_SEG_FLOATS * lo, (hi - lo) * PF_SEG_FLOATS * sizeof *segs));
    CK(put(c, sl, b->segl, 2 * n * sizeof *b->segl));
    ARG(K_RASTER_B, 0, sg);
    ARG(K_RASTER_B, 1, sl);
    ARG(K_RASTER_B, 2, tb);
    ARG(K_RASTER_B, 3, nl);
    ARG(K_RASTER_B, 4, x0);
    ARG(K_RASTER_B, 5, y0);
    ARG(K_RASTER_B, 6, inv);
    ARG(K_RASTER_B, 7, nx);
    ARG(K_RASTER_B, 8, ny);
    ARG(K_RASTER_B, 9, dl);
    ARG(K_RASTER_B, 10, rw);
    ARG(K_RASTER_B, 11, b->mem);
    CK(run_local(c, b, K_RASTER_B, n, 1)); /* a group a layer: the runtime spreads them over its threads */
    b->rbusy = 1;
    err = PF_E_OK; /* the masks are left to the device: the next call that returns the memory waits */
done:
    if (err) b->failed = 1;
    unlock(c);
    return err;
}

/* EDT of n masks (src: the batch memory or the seed buffer; t: n pairs of source and field offsets, already
 * in tb on the queue). Caller holds the lock and has given the memory to the device. */
static cl_int edt_enqueue(cl_ctx *c, cl_batch *b, const pf_grid *g, uint32_t cap, cl_mem src, cl_mem tb,
                          size_t n, cl_mem need)
{
    cl_uint nl = (cl_uint)n, nx = g->nx, ny = g->ny;
    cl_float cell = g->cell, lim = edt_lim(cap);
    size_t ncell = (size_t)g->nx * g->ny;
    /* envelope scratch for the exact row pass only: the capped one (kernels/estimate.cl) needs none */
    int exact = !cap || cap > EDT_WINDOW_MAX;
    cl_mem v = exact ? grow(c, &b->buf[X_V], &b->size[X_V], n * ncell * sizeof(cl_int)) : b->mem,
           f = exact ? grow(c, &b->buf[X_F], &b->size[X_F], n * ncell * sizeof(cl_int)) : b->mem;
    /* rows an item: about ROW_ITEM_CELLS cells (fused: FUSED_ITEM_CELLS), but enough items to keep the
     * device's threads busy */
    cl_uint most = (cl_uint)(n * ny / ROW_ITEMS_MIN);
    if (most < 1) most = 1;
    cl_uint rpi = (ROW_ITEM_CELLS + nx - 1) / nx, rpf = (FUSED_ITEM_CELLS + nx - 1) / nx;
    if (rpf < FUSED_ROWS_MIN(cap)) rpf = FUSED_ROWS_MIN(cap);
    /* capped: one fused pass (kernels/estimate.cl edt_fused_b, edt_fused_u8 from FUSED_U8_CAP on rows of at
     * least 16 cells) in items of at least FUSED_ROWS_MIN rows; else the column pass, then the rows */
    int fused = !exact && (cap < FUSED_U8_CAP || nx >= 16) &&
                row_floats(g, cap, 1) * sizeof(cl_float) <= c->local_mem; /* else the two passes fit */
    if (rpi > most) rpi = most;
    if (fused) { /* about FUSED_ITEM_CELLS cells, fewer rows to keep ROW_ITEMS_MIN items, not under the least
                  */
        rpi = rpf < most ? rpf : most;
        if (rpi < FUSED_ROWS_MIN(cap)) rpi = FUSED_ROWS_MIN(cap);
    }
    int kr_id = !fused ? K_EDTR_B : cap >= FUSED_U8_CAP ? K_EDTF8_B : K_EDTF_B;
    cl_kernel kc = c->k[K_EDTC_B], kr = c->k[kr_id];
    cl_mem nd =
        need ? need : b->mem; /* any buffer when unused: PoCL's NULL buffer arguments are unreliable */
    cl_uint use = need != NULL;
    cl_int st;
    if (!v || !f) return CL_MEM_OBJECT_ALLOCATION_FAILURE;
    if (!fused &&
        ((st = clSetKernelArg(kc, 0, sizeof src, &src)) || (st = clSetKernelArg(kc, 1, sizeof tb, &tb)) ||
         (st = clSetKernelArg(kc, 2, sizeof nl, &nl)) || (st = clSetKernelArg(kc, 3, sizeof nx, &nx)) ||
         (st = clSetKernelArg(kc, 4, sizeof ny, &ny)) ||
         (st = clSetKernelArg(kc, 5, sizeof b->mem, &b->mem)) ||
         (st = clSetKernelArg(kc, 6, sizeof nd, &nd)) || (st = clSetKernelArg(kc, 7, sizeof use, &use)) ||
         (st = run_b(c, b, K_EDTC_B, n * ((nx + KBLK - 1) / KBLK)))))
        return st;
    if ((st = clSetKernelArg(kr, 0, sizeof src, &src)) || (st = clSetKernelArg(kr, 1, sizeof tb, &tb)) ||
        (st = clSetKernelArg(kr, 2, sizeof nl, &nl)) || (st = clSetKernelArg(kr, 3, sizeof nx, &nx)) ||
        (st = clSetKernelArg(kr, 4, sizeof ny, &ny)) || (st = clSetKernelArg(kr, 5, sizeof cell, &cell)) ||
        (st = clSetKernelArg(kr, 6, sizeof lim, &lim)) ||
        (st = clSetKernelArg(kr, 7, sizeof b->mem, &b->mem)) || (st = clSetKernelArg(kr, 8, sizeof v, &v)) ||
        (st = clSetKernelArg(kr, 9, sizeof f, &f)) || (st = clSetKernelArg(kr, 10, sizeof nd, &nd)) ||
        (st = clSetKernelArg(kr, 11, sizeof use, &use)))
        return st;
    size_t local = row_scratch(c, kr, 12, g, cap, fused, &st);
    cl_uint ng = (ny + rpi - 1) / rpi;
    if (!local) return st;
    if ((st = clSetKernelArg(kr, 14, sizeof rpi, &rpi))) return st;
    return run_local(c, b, kr_id, n * ng, local);
}

static pf_err cl_edt_batch(void *ctx, void *batch, const pf_grid *g, uint32_t cap, size_t n,
                           const uint8_t *const *masks, float *const *dists)
{
    cl_ctx *c = ctx;
    cl_batch *b = batch;
    if (!n) return PF_E_OK;
    pf_err err = PF_E_DEVICE;
    size_t ncell = (size_t)g->nx * g->ny;
    pf_err own = b->ebusy ? host_owns(c, b) : PF_E_OK; /* an earlier edt_batch may still read etab */
    if (own) return own;                               /* (err stays PF_E_DEVICE for the failures below) */
    cl_ulong *t = table(&b->etab, &b->netab, 2 * n);
    if (!t) return PF_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!in_mem(b, masks[i], ncell) || !in_mem(b, dists[i], ncell * sizeof(float))) return PF_E_INVAL;
        t[2 * i] = off_of(b, masks[i]);
        t[2 * i + 1] = off_of(b, dists[i]);
    }
    cl_mem tb;
    lock(c);
    BNEED(tb, X_TAB, 2 * n * sizeof *t);
    CK(to_device(c, b));
    CK(put_table(c, tb, t, 2 * n));
    CK(edt_enqueue(c, b, g, cap, b->mem, tb, n, NULL));
    b->ebusy = 1;
    err = PF_E_OK; /* the fields are left to the device: the next call waits for them (engine/backend.h) */
done:
    if (err) b->failed = 1;
    unlock(c);
    return err;
}

/* Offset of window field k of layer i, NONE_OFF when absent; 0 when it is not in the memory (checked). */
static int win_offsets(const cl_batch *b, const float *const *win, size_t i, size_t ncell, cl_ulong off[7])
{
    for (int k = 0; k < 7; k++) {
        const float *w = win[7 * i + k];
        if (w && !in_mem(b, w, ncell * sizeof(float))) return 0;
        off[k] = w ? off_of(b, w) : NONE_OFF;
    }
    return win[7 * i + 3] != NULL;
}

/* Entries per layer of the margin kernels' table (kernels/estimate.cl, margin_flags_b). */
#define MARGIN_TAB 9

static pf_err cl_margin_batch(void *ctx, void *batch, const pf_grid *g, const pf_classify_params *p,
                              size_t nlayers, size_t n, const uint32_t *layers, const float *const *win,
                              const uint8_t *const *masks, float *const *mtop, float *const *mbot,
                              uint8_t *ht, uint8_t *hb, int defer)
{
    (void)nlayers;
    cl_ctx *c = ctx;
    cl_batch *b = batch;
    pf_err err;
    if (b->pn && (err = host_owns(c, b))) return err; /* the last deferred call's flags first */
    if (!n) return defer ? PF_E_OK : host_owns(c, b);
    err = PF_E_DEVICE;
    size_t ncell = (size_t)g->nx * g->ny;
    cl_ulong *t = defer ? table(&b->mtab, &b->nmtab, MARGIN_TAB * n)
                        : table(&b->tab, &b->ntab, MARGIN_TAB * n),
             *t2 = defer ? table(&b->mtab2, &b->nmtab2, 4 * n) : table(&b->tab2, &b->ntab2, 4 * n);
    if (defer && b->npflags < 2 * n) { /* no read into it is pending (b->pn is 0) */
        cl_int *m = realloc(b->pflags, 2 * n * sizeof *m);
        if (!m) return PF_E_NOMEM;
        b->pflags = m;
        b->npflags = 2 * n;
    }
    cl_int *flags = defer ? b->pflags : malloc(2 * n * sizeof *flags);
    if (!t || !t2 || !flags) {
        if (!defer) free(flags);
        return PF_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        cl_ulong off[7], *ti = t + MARGIN_TAB * i;
        int ok = win_offsets(b, win, i, ncell, off) && in_mem(b, mtop[i], ncell * sizeof(float)) &&
                 in_mem(b, mbot[i], ncell * sizeof(float));
        for (int k = 0; k < 3 && ok; k++) { /* each field's mask, there exactly when the field is */
            const uint8_t *m = masks[3 * i + (size_t)k];
            ok = (m != NULL) == (off[2 + k] != NONE_OFF) && (!m || in_mem(b, m, ncell));
            ti[6 + k] = m ? off_of(b, m) : NONE_OFF;
        }
        if (!ok) {
            if (!defer) free(flags);
            return PF_E_INVAL;
        }
        ti[0] = off[2];
        ti[1] = off[3];
        ti[2] = off[4];
        ti[3] = layers[i];
        ti[4] = 2 * i * ncell;
        ti[5] = (2 * i + 1) * ncell;
        t2[4 * i] = ti[4];
        t2[4 * i + 1] = off_of(b, mtop[i]);
        t2[4 * i + 2] = ti[5];
        t2[4 * i + 3] = off_of(b, mbot[i]);
    }
    cl_uint nl = (cl_uint)n, nn = (cl_uint)ncell;
    cl_float fill_lo = p->fill_lo;
    cl_mem tb, tb2, sd, fl;
    lock(c);
    BNEED(tb, X_TAB, MARGIN_TAB * n * sizeof *t);
    BNEED(sd, X_SEEDS, 2 * n * ncell);
    BNEED(fl, X_FLAGS, 2 * n * sizeof *flags);
    CK(to_device(c, b));
    CK(put_table(c, tb, t, MARGIN_TAB * n));
    CK(zero(c, fl, 2 * n * sizeof *flags));
    ARG(K_FLAGS_B, 0, b->mem); /* which layers have seeds, then those layers' seed masks */
    ARG(K_FLAGS_B, 1, tb);
    ARG(K_FLAGS_B, 2, nl);
    ARG(K_FLAGS_B, 3, nn);
    ARG(K_FLAGS_B, 4, fill_lo);
    ARG(K_FLAGS_B, 5, fl);
    CK(run_b(c, b, K_FLAGS_B, n * ((ncell + KSBLK - 1) / KSBLK)));
    ARG(K_SEEDS_B, 0, b->mem);
    ARG(K_SEEDS_B, 1, tb);
    ARG(K_SEEDS_B, 2, nl);
    ARG(K_SEEDS_B, 3, nn);
    ARG(K_SEEDS_B, 4, fill_lo);
    ARG(K_SEEDS_B, 5, sd);
    ARG(K_SEEDS_B, 6, fl);
    CK(run_b(c, b, K_SEEDS_B, n * ((ncell + KSBLK - 1) / KSBLK)));

    /* the distance fields of all 2n seed masks, each skipped on the device when its flag says no seed: no
     * round trip for the flags in between */
    BNEED(tb2, X_TAB2, 4 * n * sizeof *t2);
    CK(put_table(c, tb2, t2, 4 * n));
    CK(edt_enqueue(c, b, g, pf_edt_cap_margin(p, g->cell), sd, tb2, 2 * n, fl));
    CK(clEnqueueReadBuffer(pf_cl_queue(c->cl), fl, CL_FALSE, 0, 2 * n * sizeof *flags, flags, 0, NULL, NULL));
    b->mn = n;
    if (defer) { /* the next wait gives the flags to ht / hb (to_host) */
        b->pht = ht;
        b->phb = hb;
        b->pn = n;
    } else {
        CK(to_host(c, b));               /* waits for the read too (in-order queue) */
        for (size_t i = 0; i < n; i++) { /* out-params on success only */
            ht[i] = flags[2 * i] != 0;
            hb[i] = flags[2 * i + 1] != 0;
        }
    }
    err = PF_E_OK;
done:
    if (err) b->failed = 1;
    unlock(c);
    if (!defer) free(flags);
    return err;
}

/* Entries per layer of the classify kernels' table (kernels/estimate.cl, classify_b). */
#define CLASSIFY_TAB 16
#define NONE32 ((cl_ulong)0xFFFFFFFFu)

static pf_err cl_classify_batch(void *ctx, void *batch, const pf_grid *g, const pf_classify_params *p,
                                size_t nlayers, size_t n, const uint32_t *layers, const float *const *win,
                                const float *const *mt, const float *const *mb, const int32_t *pend,
                                const uint8_t *const *masks, const uint8_t *const *below, uint8_t *const *out)
{
    cl_ctx *c = ctx;
    cl_batch *b = batch;
    if (!n) return host_owns(c, b);
    pf_err err = PF_E_DEVICE;
    size_t ncell = (size_t)g->nx * g->ny;
    cl_ulong *t = table(&b->tab, &b->ntab, CLASSIFY_TAB * n);
    if (!t) return PF_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        cl_ulong *e = t + CLASSIFY_TAB * i;
        int from = pend && pend[i] >= 0; /* margins as the deferred margin_batch finds them */
        if (!win_offsets(b, win, i, ncell, e) || (mt[i] && !in_mem(b, mt[i], ncell * sizeof(float))) ||
            (mb[i] && !in_mem(b, mb[i], ncell * sizeof(float))) ||
            (below[i] && !in_mem(b, below[i], ncell)) || !in_mem(b, out[i], ncell) ||
            (masks[i] && !in_mem(b, masks[i], ncell)) ||
            (from && ((size_t)pend[i] >= b->mn || !mt[i] || !mb[i])))
            return PF_E_INVAL;
        e[7] = mt[i] ? off_of(b, mt[i]) : 0;
        e[8] = mb[i] ? off_of(b, mb[i]) : 0;
        e[9] = below[i] ? off_of(b, below[i]) : 0;
        e[10] = off_of(b, out[i]);
        e[11] = layers[i];
        e[12] = below[i] ? 4u : 0u;
        e[13] = from ? (cl_ulong)pend[i] : NONE32;
        e[14] = 0;
        e[15] = masks[i] ? off_of(b, masks[i]) : NONE_OFF;
        /* the deep class for each outcome of the margins (have: bit 0 top seeds, bit 1 bottom) */
        for (unsigned h = from ? 0 : (mt[i] ? 1u : 0u) | (mb[i] ? 2u : 0u); h < 4; h++) {
            int deep = 0;
            uint8_t dc = pf_classify_deep(g, p, layers[i], nlayers, win + 7 * i, h & 1, h >> 1 & 1, &deep);
            if (!from) { /* have, the class and whether it is deep as they are */
                e[12] |= h | (cl_ulong)deep << 8 | (cl_ulong)dc << 16;
                break;
            }
            e[14] |= ((cl_ulong)deep << 8 | dc) << (16 * h);
        }
    }
    cl_float cap = pf_edt_cap_dist(p, g->cell);
    cl_uint nl = (cl_uint)n, nn = (cl_uint)ncell;
    cl_params cp = kparams(p, g);
    cl_mem tb, fl = b->buf[X_FLAGS]; /* the deferred margin_batch's flags (not grown: that would lose them) */
    lock(c);
    BNEED(tb, X_TAB, CLASSIFY_TAB * n * sizeof *t);
    if (!fl) BNEED(fl, X_FLAGS, 2 * sizeof(cl_int)); /* an argument, never read */
    CK(to_device(c, b));
    CK(put_table(c, tb, t, CLASSIFY_TAB * n));
    ARG(K_CLASSIFY_B, 0, b->mem);
    ARG(K_CLASSIFY_B, 1, tb);
    ARG(K_CLASSIFY_B, 2, nl);
    ARG(K_CLASSIFY_B, 3, nn);
    ARG(K_CLASSIFY_B, 4, cp);
    ARG(K_CLASSIFY_B, 5, cap);
    ARG(K_CLASSIFY_B, 6, fl);
    CK(run_b(c, b, K_CLASSIFY_B, n * ((ncell + KCBLK - 1) / KCBLK)));
    ARG(K_CLASSIFY_FIX_B, 0, b->mem);
    ARG(K_CLASSIFY_FIX_B, 1, tb);
    ARG(K_CLASSIFY_FIX_B, 2, nl);
    ARG(K_CLASSIFY_FIX_B, 3, nn);
    CK(run_b(c, b, K_CLASSIFY_FIX_B, (ncell + KCBLK - 1) / KCBLK));
    CK(to_host(c, b));
    err = PF_E_OK;
done:
    if (err) b->failed = 1;
    unlock(c);
    return err;
}

static pf_err cl_reduce_batch(void *ctx, void *batch, const pf_grid *g, const pf_classify_params *p, size_t n,
                              const uint32_t *layers, const float *const *dist, const uint8_t *const *cls,
                              pf_layer_cells *const *out)
{
    cl_ctx *c = ctx;
    cl_batch *b = batch;
    if (!n) return host_owns(c, b);
    pf_err err = PF_E_DEVICE;
    size_t ncell = (size_t)g->nx * g->ny, nsum = area_groups(g) * AREA_SUMS;
    cl_ulong *t = table(&b->tab, &b->ntab, 4 * n);
    cl_uint *acc = malloc(n * ACC_N * sizeof *acc);
    float *sums = malloc(n * nsum * sizeof *sums);
    if (!t || !acc || !sums) {
        err = PF_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!in_mem(b, cls[i], ncell) || !in_mem(b, dist[i], ncell * sizeof(float))) {
            err = PF_E_INVAL;
            goto out;
        }
        t[4 * i] = off_of(b, cls[i]);
        t[4 * i + 1] = off_of(b, dist[i]);
        t[4 * i + 2] = layers[i];
        t[4 * i + 3] = layers[i] & 1;
    }
    cl_uint nl = (cl_uint)n, nx = g->nx, ny = g->ny;
    cl_params cp = kparams(p, g);
    cl_int first[PF_HIST_BINS];
    pf_hist_firsts(g->cell * 1.41421356f, first);
    cl_mem tb, ab, eb, sb;
    lock(c);
    BNEED(tb, X_TAB, 4 * n * sizeof *t);
    BNEED(ab, X_ACC, n * ACC_N * sizeof *acc);
    BNEED(eb, X_EDGE, sizeof first);
    BNEED(sb, X_SUMS, n * nsum * sizeof *sums);
    CK(to_device(c, b));
    CK(put_table(c, tb, t, 4 * n));
    CK(put(c, eb, first, sizeof first));
    {
        size_t nd = (size_t)nx + ny + 8;
        cl_mem lb, xb;
        BNEED(lb, X_LEN, n * nd * PF_RUN_N * sizeof(cl_uint));
        BNEED(xb, X_ACT, n * nd);
        /* Fewer layers than FEW_ITEMS: the runs (an item a layer, each as long as some 40 area items) and the
         * areas in one call (reduce_b, each layer's run item before its area items): one command less, and
         * the device's threads share the long items with the short ones. OpenCL / SIMD (medians of 5
         * interleaved processes of 9 rounds): plate150 (9 layers a call) 2.18 → 1.86, cube20 2.14 → 1.97,
         * thinwall (21) 1.79 → 1.56, box_lid 1.60 → 1.46, gear 1.51 → 1.36. Torus's reduce (80 layers) took
         * 5 % longer in one call (kernel times, 20 estimates): the separate calls balance there. */
        int one = n < FEW_ITEMS, kr = one ? K_REDUCE_B : K_REDUCE_ROWS_B;
        ARG(kr, 0, b->mem);
        ARG(kr, 1, tb);
        ARG(kr, 2, nl);
        ARG(kr, 3, nx);
        ARG(kr, 4, ny);
        ARG(kr, 5, eb);
        ARG(kr, 6, ab);
        ARG(kr, 7, lb);
        ARG(kr, 8, xb);
        if (one) {
            ARG(kr, 9, cp);
            ARG(kr, 10, sb);
            CK(run_local(c, b, kr, n * (1 + area_groups(g)), BATCH_LOCAL));
        } else {
            CK(run_local(c, b, kr, n, 1));
            ARG(K_AREAS_B, 0, b->mem);
            ARG(K_AREAS_B, 1, tb);
            ARG(K_AREAS_B, 2, nl);
            ARG(K_AREAS_B, 3, nx);
            ARG(K_AREAS_B, 4, ny);
            ARG(K_AREAS_B, 5, cp);
            ARG(K_AREAS_B, 6, sb);
            CK(run_b(c, b, K_AREAS_B, n * area_groups(g)));
        }
    }
    CK(clEnqueueReadBuffer(pf_cl_queue(c->cl), ab, CL_FALSE, 0, n * ACC_N * sizeof *acc, acc, 0, NULL, NULL));
    CK(clEnqueueReadBuffer(pf_cl_queue(c->cl), sb, CL_FALSE, 0, n * nsum * sizeof *sums, sums, 0, NULL,
                           NULL));
    CK(to_host(c, b)); /* waits for the reads too (in-order queue) */
    for (size_t i = 0; i < n; i++)
        reduce_finish(g, acc + i * ACC_N, sums + i * nsum, out[i]);
    err = PF_E_OK;
done:
    if (err) b->failed = 1;
    unlock(c);
out:
    free(acc);
    free(sums);
    return err;
}

/* ---- lifecycle ---- */

static void cl_destroy(void *p)
{
    cl_ctx *c = p;
    if (!c) return;
    batch_free(c->spare);
    counted_drop(&c->counted);
    for (int b = 0; b < B_N; b++)
        if (c->buf[b]) clReleaseMemObject(c->buf[b]);
    for (int k = 0; k < K_N; k++)
        if (c->k[k]) clReleaseKernel(c->k[k]);
    pf_cl_close(c->cl);
    free(c);
}

/* The driver's threads: with batch stages the device gets each phase from one thread, and the other host
 * work of an estimate (slicing calls, the contour pass) runs on the team, so one per online CPU as SIMD;
 * without them every stage is a device call serialised on the queue, so 1. */
static unsigned host_threads(int batched)
{
    long n = batched ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    return n < 1 ? 1u : n > 256 ? 256u : (unsigned)n;
}

pf_err pf_backend_opencl_create(const pf_cl_opts *o, pf_backend **out, pf_errbuf *eb)
{
    pf_err err = PF_E_NOMEM;
    pf_backend *be = calloc(1, sizeof *be);
    cl_ctx *c = calloc(1, sizeof *c);
    if (!be || !c) goto fail;
    if ((err = pf_cl_open(o, &c->cl, eb))) goto fail;
    /* One option set per device: exact division and square root when the device offers them (the results then
     * match the scalar backend bit for bit). */
    cl_device_fp_config fp = 0;
    clGetDeviceInfo(pf_cl_device(c->cl), CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL);
    const char *opts =
        (fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) ? "-cl-fp32-correctly-rounded-divide-sqrt" : "";
    cl_bool unified = CL_FALSE;
    clGetDeviceInfo(pf_cl_device(c->cl), CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof unified, &unified, NULL);
    c->unified = unified == CL_TRUE;
    clGetDeviceInfo(pf_cl_device(c->cl), CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof c->max_alloc, &c->max_alloc,
                    NULL);
    clGetDeviceInfo(pf_cl_device(c->cl), CL_DEVICE_LOCAL_MEM_SIZE, sizeof c->local_mem, &c->local_mem, NULL);
    cl_program prog;
    if ((err = pf_cl_program_get(c->cl, "estimate.cl", opts, &prog, eb))) goto fail;
    for (int k = 0; k < K_N; k++) {
        cl_int st;
        const char *name = kernel_names[k];
        if (!(c->k[k] = clCreateKernel(prog, name, &st))) {
            err = pf_errf(eb, PF_E_DEVICE, "clCreateKernel(%s): %s", name, pf_cl_strerror(st));
            goto fail;
        }
    }
    *be = (pf_backend){.name = "opencl",
                       .device = pf_cl_device_name(c->cl),
                       .threads = host_threads(c->unified),
                       .ctx = c,
                       .slice_count = cl_slice_count,
                       .slice_emit = cl_slice_emit,
                       .raster = cl_raster,
                       .edt = cl_edt,
                       .classify = cl_classify,
                       .margin_seeds = cl_margin_seeds,
                       .reduce = cl_reduce,
                       .batch_open = c->unified ? cl_batch_open : NULL,
                       .batch_close = c->unified ? cl_batch_close : NULL,
                       .raster_batch = c->unified ? cl_raster_batch : NULL,
                       .edt_batch = c->unified ? cl_edt_batch : NULL,
                       .margin_batch = c->unified ? cl_margin_batch : NULL,
                       .classify_batch = c->unified ? cl_classify_batch : NULL,
                       .reduce_batch = c->unified ? cl_reduce_batch : NULL,
                       .destroy = cl_destroy};
    *out = be;
    return PF_E_OK;
fail:
    cl_destroy(c);
    free(be);
    return err;
}
