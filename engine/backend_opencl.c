/* The OpenCL estimator backend: every stage of engine/backend.h runs as a kernel of kernels/estimate.cl on
 * the device pf_cl_open picks (PoCL's CPU device on CI). There is no CPU fallback: a device error is
 * PF_E_DEVICE. Inputs and outputs are host arrays (the stage interface), so each stage uploads its inputs and
 * reads back its outputs; everything in between (delta grid, column distances, envelope scratch, counters)
 * stays on the device in buffers the backend keeps and grows across calls. */
#include "engine/backends.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    B_N
};

enum { K_COUNT, K_EMIT, K_HOLES, K_ROWS, K_EDTC, K_EDTR, K_SEEDS, K_CLASSIFY, K_REDUCE, K_AREAS, K_N };
static const char *kernel_names[K_N] = {"slice_count", "slice_emit",  "slice_holes",  "raster_rows",
                                        "edt_columns", "edt_rows",    "margin_seeds", "classify",
                                        "reduce",      "reduce_areas"};

#define ACC_N (2 * PF_RUN_N * PF_HIST_BINS) /* reduce counters, see kernels/estimate.cl */

typedef struct cl_ctx {
    pf_cl *cl;
    cl_kernel k[K_N];
    cl_mem buf[B_N];
    size_t size[B_N];
} cl_ctx;

/* Kernel parameters: pf_classify_params field by field plus the cell size (the kernel's `params`). */
typedef struct cl_params {
    cl_float ext_lo, ext_hi, int_hi, fill_lo, fill_print_lo, l0_shift, l0_ext_hi, l0_int_hi, l0_fill_lo,
        margin, shell_min_width, cell, need;
    cl_int wk, wkd;
    cl_uint nx, ny;
} cl_params;

static cl_params kparams(const pf_classify_params *p, const pf_grid *g)
{
    /* the sparse-width probe, with the scalar backend's expressions (wide_enough) evaluated here once */
    float r = 0.5f * p->sparse_min_width, need = p->fill_lo + r;
    r += g->cell;
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
                       (cl_int)ceilf(r / g->cell),
                       (cl_int)ceilf(r / g->cell * 0.70710678f),
                       g->nx,
                       g->ny};
}

/* Buffer slot b with at least n bytes (contents undefined after growth). Caller holds the queue lock. */
static cl_mem need(cl_ctx *c, int b, size_t n)
{
    if (n == 0) n = 16;
    if (c->buf[b] && c->size[b] >= n) return c->buf[b];
    if (c->buf[b]) clReleaseMemObject(c->buf[b]);
    cl_int st;
    size_t grow = n + n / 4;
    c->buf[b] = clCreateBuffer(pf_cl_context(c->cl), CL_MEM_READ_WRITE, grow, NULL, &st);
    c->size[b] = c->buf[b] ? grow : 0;
    return c->buf[b];
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

static pf_err cl_slice_count(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                             const float *zs, size_t nlayers, uint32_t *counts)
{
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    pf_cl_lock(c->cl);
    cl_mem cnt;
    cl_uint nt = (cl_uint)ntris, nl = (cl_uint)nlayers;
    if (ntris > UINT32_MAX / 3 || nlayers > UINT32_MAX) goto done;
    if (!put_mesh(c, verts, tris, ntris, zs, nlayers)) goto done;
    NEED(cnt, B_COUNTS, nlayers * sizeof *counts);
    CK(zero(c, cnt, nlayers * sizeof *counts));
    ARG(K_COUNT, 0, c->buf[B_VERTS]);
    ARG(K_COUNT, 1, c->buf[B_TRIS]);
    ARG(K_COUNT, 2, nt);
    ARG(K_COUNT, 3, c->buf[B_ZS]);
    ARG(K_COUNT, 4, nl);
    ARG(K_COUNT, 5, cnt);
    CK(run(c, K_COUNT, ntris));
    CK(get(c, cnt, counts, nlayers * sizeof *counts));
    err = PF_E_OK;
done:
    pf_cl_unlock(c->cl);
    return err;
}

static pf_err cl_slice_emit(void *ctx, const float *verts, const uint32_t *tris, size_t ntris,
                            const float *zs, size_t nlayers, const uint32_t *offsets, float *segs,
                            uint64_t *keys)
{
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    pf_cl_lock(c->cl);
    cl_mem fill, offs, sg, ky;
    cl_uint nt = (cl_uint)ntris, nl = (cl_uint)nlayers;
    size_t nseg = offsets[nlayers];
    if (ntris > UINT32_MAX / 3 || nlayers > UINT32_MAX) goto done;
    if (!put_mesh(c, verts, tris, ntris, zs, nlayers)) goto done;
    NEED(fill, B_COUNTS, nlayers * sizeof *offsets);
    NEED(offs, B_OFFS, (nlayers + 1) * sizeof *offsets);
    NEED(sg, B_SEGS, nseg * PF_SEG_FLOATS * sizeof *segs);
    NEED(ky, B_KEYS, nseg * 2 * sizeof *keys);
    CK(put(c, fill, offsets, nlayers * sizeof *offsets));
    CK(put(c, offs, offsets, (nlayers + 1) * sizeof *offsets));
    ARG(K_EMIT, 0, c->buf[B_VERTS]);
    ARG(K_EMIT, 1, c->buf[B_TRIS]);
    ARG(K_EMIT, 2, nt);
    ARG(K_EMIT, 3, c->buf[B_ZS]);
    ARG(K_EMIT, 4, nl);
    ARG(K_EMIT, 5, fill);
    ARG(K_EMIT, 6, sg);
    ARG(K_EMIT, 7, ky);
    CK(run(c, K_EMIT, ntris));
    ARG(K_HOLES, 0, fill);
    ARG(K_HOLES, 1, offs);
    ARG(K_HOLES, 2, nl);
    ARG(K_HOLES, 3, sg);
    ARG(K_HOLES, 4, ky);
    CK(run(c, K_HOLES, nlayers));
    CK(get(c, sg, segs, nseg * PF_SEG_FLOATS * sizeof *segs));
    CK(get(c, ky, keys, nseg * 2 * sizeof *keys));
    err = PF_E_OK;
done:
    pf_cl_unlock(c->cl);
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
    pf_cl_lock(c->cl);
    if (nsegs > UINT32_MAX) goto done;
    CK(raster_dev(c, segs, nsegs, g));
    CK(get(c, c->buf[B_MASK], mask, (size_t)g->nx * g->ny));
    err = PF_E_OK;
done:
    pf_cl_unlock(c->cl);
    return err;
}

/* ---- stage 4 ---- */

static pf_err cl_edt(void *ctx, const uint8_t *mask, const pf_grid *g, float *dist)
{
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    pf_cl_lock(c->cl);
    size_t n = (size_t)g->nx * g->ny;
    cl_mem mk, d, v, f;
    cl_uint nx = g->nx, ny = g->ny;
    cl_float cell = g->cell;
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
    ARG(K_EDTR, 4, d);
    ARG(K_EDTR, 5, v);
    ARG(K_EDTR, 6, f);
    CK(run(c, K_EDTR, ny));
    CK(get(c, d, dist, n * sizeof(float)));
    err = PF_E_OK;
done:
    pf_cl_unlock(c->cl);
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
    pf_cl_lock(c->cl);
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
    pf_cl_unlock(c->cl);
    return err;
}

static pf_err cl_classify(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                          size_t nlayers, const float *const dist[7], const float *margin_top,
                          const float *margin_bot, const uint8_t *below, uint8_t *out)
{
    (void)nlayers;
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    pf_cl_lock(c->cl);
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
    pf_cl_unlock(c->cl);
    return err;
}

/* ---- stage 6 ---- */

static pf_err cl_reduce(void *ctx, const pf_grid *g, const pf_classify_params *p, size_t layer,
                        const float *dist, const uint8_t *cls, int parity, pf_layer_cells *out)
{
    cl_ctx *c = ctx;
    pf_err err = PF_E_DEVICE;
    pf_cl_lock(c->cl);
    size_t n = (size_t)g->nx * g->ny;
    cl_uint acc[ACC_N];
    float *sums = malloc((size_t)g->ny * 10 * sizeof *sums);
    cl_mem cb, db, ab, eb, sb;
    cl_uint nx = g->nx, ny = g->ny, ly = (cl_uint)layer;
    cl_int par = parity;
    cl_params cp = kparams(p, g);
    cl_float step = g->cell * 1.41421356f, edge[PF_HIST_BINS + 1];
    for (int b = 0; b <= PF_HIST_BINS; b++)
        edge[b] = pf_hist_edge(b);
    if (!sums) {
        err = PF_E_NOMEM;
        goto done;
    }
    NEED(cb, B_OUT, n);
    NEED(db, B_DIST, n * sizeof(float));
    NEED(ab, B_ACC, sizeof acc);
    NEED(eb, B_EDGE, sizeof edge);
    NEED(sb, B_SUMS, (size_t)g->ny * 10 * sizeof *sums);
    CK(put(c, cb, cls, n));
    CK(put(c, db, dist, n * sizeof(float)));
    CK(put(c, eb, edge, sizeof edge));
    CK(zero(c, ab, sizeof acc));
    ARG(K_REDUCE, 0, cb);
    ARG(K_REDUCE, 1, nx);
    ARG(K_REDUCE, 2, ny);
    ARG(K_REDUCE, 3, par);
    ARG(K_REDUCE, 4, step);
    ARG(K_REDUCE, 5, eb);
    ARG(K_REDUCE, 6, ab);
    CK(run(c, K_REDUCE, (size_t)nx + ny - 1));
    ARG(K_AREAS, 0, cb);
    ARG(K_AREAS, 1, db);
    ARG(K_AREAS, 2, nx);
    ARG(K_AREAS, 3, ny);
    ARG(K_AREAS, 4, cp);
    ARG(K_AREAS, 5, ly);
    ARG(K_AREAS, 6, sb);
    CK(run(c, K_AREAS, ny));
    CK(get(c, ab, acc, sizeof acc));
    CK(get(c, sb, sums, (size_t)g->ny * 10 * sizeof *sums));
    /* The device leaves per-row partial sums; adding ny × 10 numbers here is the last step of the reduction.
     */
    double s[10] = {0};
    for (size_t r = 0; r < g->ny; r++)
        for (int k = 0; k < 10; k++)
            s[k] += sums[r * 10 + k];
    memset(out, 0, sizeof *out);
    double ca = (double)g->cell * g->cell, perp = (double)(g->cell * 0.70710678f);
    out->area = (float)(s[0] * ca);
    for (int k = 1; k < 3; k++)
        out->wall_area[k] = (float)(s[k] * ca);
    for (int k = 1; k < PF_FILL_N; k++)
        out->fill_area[k] = (float)(s[3 + k] * ca);
    const cl_uint *runs = acc, *cells = acc + PF_RUN_N * PF_HIST_BINS;
    for (int r = 0; r < PF_RUN_N; r++)
        for (int b = 0; b < PF_HIST_BINS; b++) {
            out->runs[r][b] = (float)(runs[r * PF_HIST_BINS + b] * perp);
            out->run_area[r][b] = (float)(cells[r * PF_HIST_BINS + b] * ca);
        }
    err = PF_E_OK;
done:
    free(sums);
    pf_cl_unlock(c->cl);
    return err;
}

/* ---- lifecycle ---- */

static void cl_destroy(void *p)
{
    cl_ctx *c = p;
    if (!c) return;
    for (int b = 0; b < B_N; b++)
        if (c->buf[b]) clReleaseMemObject(c->buf[b]);
    for (int k = 0; k < K_N; k++)
        if (c->k[k]) clReleaseKernel(c->k[k]);
    pf_cl_close(c->cl);
    free(c);
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
                       .threads = 1,
                       .ctx = c,
                       .slice_count = cl_slice_count,
                       .slice_emit = cl_slice_emit,
                       .raster = cl_raster,
                       .edt = cl_edt,
                       .classify = cl_classify,
                       .margin_seeds = cl_margin_seeds,
                       .reduce = cl_reduce,
                       .destroy = cl_destroy};
    *out = be;
    return PF_E_OK;
fail:
    cl_destroy(c);
    free(be);
    return err;
}
