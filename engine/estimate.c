/* The estimator: drives the backend stages over every layer (prepare), keeps compact per-layer statistics,
 * and turns them into volumes, grams and a cooling-aware, acceleration-aware print time for any density
 * (eval). */
#include "engine/estimate.h"
#include "engine/motion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Wall loops are timed exactly (planner passes over the slice contour) at these speeds; other speeds
 * interpolate. */
#define NSPD 9
static const double spd_grid[NSPD] = {5, 10, 15, 20, 25, 30, 35, 45, 60};

#define MAX_LAYERS 100000
#define MAX_CELLS_PER_LAYER ((size_t)1500000)
/* Cell-layers per estimate: bounds prepare time. Fractional cell coverage keeps areas accurate on coarse
 * grids. */
#define CELL_BUDGET 8e6
#define CELL_MIN 0.05

typedef struct layer_stat {
    pf_layer_cells cells; /* areas and fill-run histograms from the backend */
    float h;              /* layer thickness */
    float contour_len;    /* total slice contour length */
    float small_len;      /* length of contours no longer than the small-perimeter limit */
    uint32_t nloops;      /* closed contours (islands + holes) */
    uint32_t nislands;    /* counter-clockwise contours */
    float excess[NSPD];   /* Σ over contours of planner time − length/v, at spd_grid speeds */
    double fixed[2][3]
                [2]; /* [100 % infill?][solid, top, bridge] → {path length, planner time} at nominal speed */
} layer_stat;

struct pf_estimate_cache {
    pf_profile p;          /* profile the cache was made with */
    size_t nlayers;        /* layer count */
    layer_stat *layers;    /* nlayers entries */
    double cell;           /* raster cell size, mm */
    double overhang_area;  /* mm², downward faces needing support */
    double support_column; /* mm³, Σ overhang projected area × height above the bed */
    double max_area;       /* largest layer area */
};

const char *pf_estimate_bucket_name(int bucket)
{
    static const char *names[PF_TIME_N] = {
        "external_perimeter", "perimeter", "solid", "infill", "support", "travel", "other"};
    return bucket >= 0 && bucket < PF_TIME_N ? names[bucket] : "?";
}

static double spacing(double w, double h)
{
    return w - h * (1 - M_PI / 4);
}

static pf_classify_params classify_params(const pf_profile *p)
{
    pf_classify_params c;
    double h = p->layer_height, se = spacing(p->w_ext, h), sp = spacing(p->w_perim, h),
           ss = spacing(p->w_solid, h);
    double sf = spacing(p->w_first, p->first_layer_height);
    c.ext_lo = (float)((p->w_ext - se) / 2);
    c.ext_hi = p->perimeters > 0 ? (float)(c.ext_lo + se) : c.ext_lo;
    c.int_hi = p->perimeters > 1 ? (float)(c.ext_hi + (p->perimeters - 1) * sp) : c.ext_hi;
    c.fill_lo = (float)(c.int_hi - (p->perimeters > 0 ? p->infill_overlap * sp : 0));
    c.fill_print_lo = (float)(c.fill_lo + 0.05 * ss);
    c.l0_shift = (float)p->elephant_foot;
    c.l0_ext_hi = p->perimeters > 0 ? (float)(c.ext_lo + sf) : c.ext_lo;
    c.l0_int_hi = (float)(c.ext_lo + p->perimeters * sf);
    c.l0_fill_lo = (float)(c.l0_int_hi - (p->perimeters > 0 ? p->infill_overlap * sf : 0) + 0.05 * sf);
    c.margin = 3.0f;
    c.shell_min_width = (float)(1.05 * ss);
    c.sparse_min_width = (float)(1.5 * ss);
    return c;
}

/* ---- contour chaining: segments → closed loops, timed by the planner model ---- */

typedef struct key_idx {
    uint64_t key;
    uint32_t idx;
} key_idx;

static int cmp_key(const void *a, const void *b)
{
    const key_idx *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* Chains one layer's segments by shared mesh edges and fills the contour fields of *ls. Open chains
 * (non-manifold meshes) are timed as open polylines. Errors: NOMEM. */
static pf_err contour_stats(const float *segs, const uint64_t *keys, size_t n, const pf_profile *p, int first,
                            layer_stat *ls)
{
    pf_err err = PF_E_NOMEM;
    key_idx *ki = malloc((n ? n : 1) * sizeof *ki);
    uint8_t *used = calloc(n ? n : 1, 1);
    float *pts = malloc((2 * n + 2) * sizeof *pts);
    if (!ki || !used || !pts) goto done;
    for (size_t i = 0; i < n; i++)
        ki[i] = (key_idx){keys[2 * i], (uint32_t)i};
    qsort(ki, n, sizeof *ki, cmp_key);
    double a = fmin(first ? p->accel_first_layer : p->accel_perimeter, p->accel_max);
    double small_limit = 2 * M_PI * 6.5;
    for (size_t s0 = 0; s0 < n; s0++) {
        if (used[s0] || keys[2 * s0] == UINT64_MAX) continue;
        size_t np = 0, cur = s0;
        int closed = 0;
        double len = 0, area2 = 0;
        for (;;) {
            used[cur] = 1;
            const float *s = segs + PF_SEG_FLOATS * cur;
            if (np == 0 || hypotf(s[0] - pts[2 * np - 2], s[1] - pts[2 * np - 1]) > 1e-4f) {
                pts[2 * np] = s[0], pts[2 * np + 1] = s[1];
                np++;
            }
            len += hypotf(s[2] - s[0], s[3] - s[1]);
            area2 += (double)s[0] * s[3] - (double)s[2] * s[1];
            /* next segment: one whose start edge is this end edge */
            key_idx probe = {keys[2 * cur + 1], 0};
            key_idx *hit = bsearch(&probe, ki, n, sizeof *ki, cmp_key);
            if (!hit) break;
            while (hit > ki && hit[-1].key == probe.key)
                hit--;
            size_t next = SIZE_MAX;
            for (; hit < ki + n && hit->key == probe.key; hit++) {
                if (hit->idx == s0) closed = 1;
                if (!used[hit->idx]) {
                    next = hit->idx;
                    break;
                }
            }
            if (next == SIZE_MAX) break;
            cur = next;
        }
        if (len <= 0) continue;
        ls->contour_len += (float)len;
        ls->nloops++;
        if (area2 > 0) ls->nislands++;
        if (len <= small_limit) ls->small_len += (float)len;
        for (int k = 0; k < NSPD; k++)
            ls->excess[k] += (float)(pf_motion_polyline_time(pts, np, closed, spd_grid[k], a, p->jerk_xy) -
                                     len / spd_grid[k]);
    }
    err = PF_E_OK;
done:
    free(ki);
    free(used);
    free(pts);
    return err;
}

/* ---- prepare ---- */

static void measure_fixed_groups(pf_estimate_cache *c);

pf_err pf_estimate_prepare(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be,
                           pf_estimate_cache **out, pf_errbuf *eb)
{
    pf_err err;
    if ((err = pf_profile_validate(p, eb))) return err;
    pf_estimate_cache *c = NULL;
    uint32_t *tris = NULL, *counts = NULL, *offs = NULL;
    float *zs = NULL, *segs = NULL, *verts = NULL, *ring = NULL, *mtop = NULL, *mbot = NULL;
    uint64_t *keys = NULL;
    uint8_t *mask = NULL, *cls = NULL, *below = NULL, *stop = NULL, *sbot = NULL;
    size_t ntris = 0;

    /* Printed triangles only, dropped onto the bed (z from 0). */
    tris = malloc((mesh->ntris ? mesh->ntris : 1) * 3 * sizeof *tris);
    verts = malloc((mesh->nverts ? mesh->nverts : 1) * 3 * sizeof *verts);
    if (!tris || !verts) goto nomem;
    for (size_t k = 0; k < mesh->nparts; k++) {
        const pf_part *pt = &mesh->parts[k];
        if (!pt->printed) continue;
        memcpy(tris + 3 * ntris, mesh->tris + 3 * (size_t)pt->first_tri,
               3 * (size_t)pt->tri_count * sizeof *tris);
        ntris += pt->tri_count;
    }
    if (!ntris) {
        err = pf_errf(eb, PF_E_EMPTY_MESH, "no printed triangles");
        goto fail;
    }
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < 3 * ntris; i++) {
        const float *v = mesh->verts + 3 * (size_t)tris[i];
        for (int a = 0; a < 3; a++)
            lo[a] = fmin(lo[a], v[a]), hi[a] = fmax(hi[a], v[a]);
    }
    for (size_t i = 0; i < mesh->nverts; i++) {
        verts[3 * i] = mesh->verts[3 * i];
        verts[3 * i + 1] = mesh->verts[3 * i + 1];
        verts[3 * i + 2] = (float)(mesh->verts[3 * i + 2] - lo[2]);
    }
    double H = hi[2] - lo[2];
    /* Layers: first 0..first_layer_height, then layer_height each; one exists while its mid-plane < H. */
    size_t nl = 0;
    double h0 = p->first_layer_height, h = p->layer_height;
    if (H > h0 / 2) nl = 1 + (H > h0 + h / 2 ? (size_t)ceil((H - h0 - h / 2) / h - 1e-9) : 0);
    if (!nl) {
        err = pf_errf(eb, PF_E_EMPTY_MESH, "part is %.3f mm high, less than half a first layer", H);
        goto fail;
    }
    if (nl > MAX_LAYERS) {
        err = pf_errf(eb, PF_E_TOO_LARGE, "%zu layers (limit %d)", nl, MAX_LAYERS);
        goto fail;
    }
    zs = malloc(nl * sizeof *zs);
    counts = malloc(nl * sizeof *counts);
    offs = malloc((nl + 1) * sizeof *offs);
    c = calloc(1, sizeof *c);
    if (!zs || !counts || !offs || !c) goto nomem;
    c->layers = calloc(nl, sizeof *c->layers);
    if (!c->layers) goto nomem;
    c->p = *p;
    c->nlayers = nl;
    for (size_t l = 0; l < nl; l++) {
        zs[l] = (float)(l == 0 ? h0 / 2 : h0 + (l - 1) * h + h / 2);
        c->layers[l].h = (float)(l == 0 ? h0 : h);
    }

    /* Stages 1–2: slice. */
    if ((err = be->slice_count(be->ctx, verts, tris, ntris, zs, nl, counts))) goto fail;
    offs[0] = 0;
    for (size_t l = 0; l < nl; l++) {
        if ((uint64_t)offs[l] + counts[l] > UINT32_MAX) {
            err = pf_errf(eb, PF_E_TOO_LARGE, "more than 4 G slice segments");
            goto fail;
        }
        offs[l + 1] = offs[l] + counts[l];
    }
    size_t nseg = offs[nl];
    segs = malloc((nseg ? nseg : 1) * PF_SEG_FLOATS * sizeof *segs);
    keys = malloc((nseg ? nseg : 1) * 2 * sizeof *keys);
    if (!segs || !keys) goto nomem;
    if ((err = be->slice_emit(be->ctx, verts, tris, ntris, zs, nl, offs, segs, keys))) goto fail;
    for (size_t l = 0; l < nl; l++)
        if ((err = contour_stats(segs + (size_t)PF_SEG_FLOATS * offs[l], keys + 2 * (size_t)offs[l],
                                 counts[l], p, l == 0, &c->layers[l])))
            goto fail;

    /* Grid: bounded per layer and in total, never finer than CELL_MIN. */
    double W = hi[0] - lo[0], D = hi[1] - lo[1];
    double cell = fmax(CELL_MIN, sqrt(W * D * (double)nl / CELL_BUDGET));
    cell = fmax(cell, sqrt(W * D / (double)MAX_CELLS_PER_LAYER));
    for (;;) { /* padding can push a thin part over the cap; grow until it fits */
        double nxd = ceil(W / cell) + 6, nyd = ceil(D / cell) + 6;
        if (nxd * nyd <= (double)MAX_CELLS_PER_LAYER * 1.1) break;
        cell *= 1.05;
    }
    pf_grid g = {.cell = (float)cell};
    g.nx = (uint32_t)(ceil(W / cell) + 6);
    g.ny = (uint32_t)(ceil(D / cell) + 6);
    g.x0 = (float)(lo[0] - 3 * cell);
    g.y0 = (float)(lo[1] - 3 * cell);
    c->cell = cell;
    size_t ncell = (size_t)g.nx * g.ny;
    ring = malloc(7 * ncell * sizeof *ring);
    mtop = malloc(ncell * sizeof *mtop);
    mbot = malloc(ncell * sizeof *mbot);
    mask = malloc(ncell);
    cls = malloc(ncell);
    below = malloc(ncell);
    stop = malloc(ncell);
    sbot = malloc(ncell);
    if (!ring || !mtop || !mbot || !mask || !cls || !below || !stop || !sbot) goto nomem;

    /* Stages 3–6 per layer, with distance fields of layers l−3..l+3 in a ring of 7. */
    pf_classify_params cp = classify_params(p);
    size_t ready = 0; /* layers [0, ready) have distance fields in the ring */
    for (size_t l = 0; l < nl; l++) {
        while (ready < nl && ready <= l + 3) {
            size_t k = ready;
            if ((err = be->raster(be->ctx, segs + (size_t)PF_SEG_FLOATS * offs[k], counts[k], &g, mask)))
                goto fail;
            if ((err = be->edt(be->ctx, mask, &g, ring + (k % 7) * ncell))) goto fail;
            ready++;
        }
        const float *win[7];
        for (int k = 0; k < 7; k++) {
            long j = (long)l - 3 + k;
            win[k] = (j >= 0 && (size_t)j < nl) ? ring + ((size_t)j % 7) * ncell : NULL;
        }
        int ht = 0, hb = 0;
        if ((err = be->margin_seeds(be->ctx, &g, &cp, l, nl, win, stop, sbot, &ht, &hb))) goto fail;
        if (ht && (err = be->edt(be->ctx, stop, &g, mtop))) goto fail;
        if (hb && (err = be->edt(be->ctx, sbot, &g, mbot))) goto fail;
        if ((err = be->classify(be->ctx, &g, &cp, l, nl, win, ht ? mtop : NULL, hb ? mbot : NULL,
                                l ? below : NULL, cls)))
            goto fail;
        if ((err = be->reduce(be->ctx, &g, &cp, l, win[3], cls, (int)(l & 1), &c->layers[l].cells)))
            goto fail;
        if (c->layers[l].cells.area > c->max_area) c->max_area = c->layers[l].cells.area;
        uint8_t *t = below;
        below = cls;
        cls = t;
    }

    /* Overhangs: downward faces flatter than the support threshold, not on the bed. */
    double cth = cos(p->support_threshold * M_PI / 180);
    for (size_t t = 0; t < ntris; t++) {
        const float *a = verts + 3 * (size_t)tris[3 * t], *b = verts + 3 * (size_t)tris[3 * t + 1],
                    *d = verts + 3 * (size_t)tris[3 * t + 2];
        double ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2], wx = d[0] - a[0], wy = d[1] - a[1],
               wz = d[2] - a[2];
        double nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
        double nn = sqrt(nx * nx + ny * ny + nz * nz);
        double zc = (a[2] + b[2] + d[2]) / 3;
        if (nn <= 0 || nz >= 0 || -nz / nn < cth || zc < h0 / 2) continue;
        c->overhang_area += nn / 2;
        c->support_column += (-nz / 2) * zc;
    }
    measure_fixed_groups(c);
    err = PF_E_OK;
    *out = c;
    c = NULL;
    goto fail;
nomem:
    err = pf_errf(eb, PF_E_NOMEM, "estimator: out of memory");
fail:
    pf_estimate_cache_free(c);
    free(tris);
    free(verts);
    free(zs);
    free(counts);
    free(offs);
    free(segs);
    free(keys);
    free(ring);
    free(mtop);
    free(mbot);
    free(mask);
    free(cls);
    free(below);
    free(stop);
    free(sbot);
    return err;
}

void pf_estimate_cache_free(pf_estimate_cache *c)
{
    if (!c) return;
    free(c->layers);
    free(c);
}

double pf_estimate_cache_cell(const pf_estimate_cache *c)
{
    return c->cell;
}

size_t pf_estimate_cache_layers(const pf_estimate_cache *c)
{
    return c->nlayers;
}

const pf_layer_cells *pf_estimate_cache_layer(const pf_estimate_cache *c, size_t l)
{
    return l < c->nlayers ? &c->layers[l].cells : NULL;
}

/* ---- eval ---- */

/* Calibration constants of the model (fitted on shared/models/reference.csv, never per mesh). */
#define LINK_FACTOR                                                                                          \
    1.41421356        /* zig-zag link length per line, in line spacings (45° lines, axis-ish walls) */
#define LINE_TRIM 0.9 /* line length lost per connected line end pair, in spacings·√2 */
#define LINE_END_JERK 1.41421356 /* fill line ends: junction speed in units of jerk */
#define SOLID_TRIM 0.3           /* solid line length lost per line, in spacings */
#define SHORT_RUN 1.5     /* fill runs shorter than this (mm) print along the strip: no per-line cost */
#define TRAVEL_FACTOR 0.5 /* mean retracted travel ≈ this × √(layer area / islands) */

static double excess_at(const layer_stat *ls, double v)
{
    if (v <= spd_grid[0]) return ls->excess[0];
    for (int k = 1; k < NSPD; k++)
        if (v <= spd_grid[k]) {
            double t = (v - spd_grid[k - 1]) / (spd_grid[k] - spd_grid[k - 1]);
            return ls->excess[k - 1] + t * (ls->excess[k] - ls->excess[k - 1]);
        }
    return ls->excess[NSPD - 1];
}

/* A group of fill lines from one run histogram at line spacing S: path length (with links) and planner time
 * at speed v. */
typedef struct fill_group {
    const float *runs, *area; /* histogram, NULL for none */
    double S;                 /* line spacing */
    double link;              /* link length per line */
    double trim;              /* length lost per line */
    double v, a;              /* cruise speed, acceleration */
    int adjustable;           /* cooling may slow it */
    int bucket;               /* time bucket */
} fill_group;

static void fill_measure(const fill_group *fg, double v, double vj, double *len, double *time)
{
    double L = 0, T = 0;
    if (fg->runs && fg->S > 0) {
        for (int b = 0; b < PF_HIST_BINS; b++) {
            if (fg->runs[b] <= 0) continue;
            double n = fg->runs[b] / fg->S, l = fg->area[b] / fg->runs[b] - fg->trim;
            if (l < 0.05) l = 0.05;
            if (l + fg->trim < SHORT_RUN) { /* a narrow strip: filled along its length */
                L += n * l;
                T += n * l / v;
                continue;
            }
            L += n * (l + fg->link);
            T += n *
                 (pf_motion_move_time(l, v, fg->a, vj, vj) + pf_motion_move_time(fg->link, v, fg->a, vj, vj));
        }
    }
    *len = L;
    *time = T;
}

/* The fill groups of one layer (solid, top, bridge, sparse without its density-dependent fields). */
static void layer_groups(const pf_profile *p, const layer_stat *ls, int first, int full, fill_group fg[4])
{
    const pf_layer_cells *lc = &ls->cells;
    double h = ls->h, amax = p->accel_max;
    double ss = spacing(first ? p->w_first : p->w_solid, h), st = spacing(p->w_top, h);
    double sb = p->bridge_flow_ratio * spacing(p->w_solid, h);
    double vfirst = p->speed_first_layer, afirst = fmin(p->accel_first_layer, amax);
    double ai = fmin(p->accel_infill, amax), ab = fmin(p->accel_bridge, amax);
    fill_group g[4] = {
        {full ? lc->runs[PF_RUN_FULL] : lc->runs[PF_RUN_SOLID],
         full ? lc->run_area[PF_RUN_FULL] : lc->run_area[PF_RUN_SOLID], ss, ss * LINK_FACTOR, 0,
         first ? vfirst : p->speed_solid, first ? afirst : ai, 1, PF_FEAT_SOLID},
        {lc->runs[PF_RUN_TOP], lc->run_area[PF_RUN_TOP], st, st * LINK_FACTOR, 0, p->speed_top, ai, 1,
         PF_FEAT_SOLID},
        {lc->runs[PF_RUN_BRIDGE], lc->run_area[PF_RUN_BRIDGE], sb, sb * LINK_FACTOR, 0,
         first ? vfirst : p->speed_bridge, first ? afirst : ab, 0, PF_FEAT_SOLID},
        {NULL, NULL, 0, 0, 0, p->speed_infill, ai, 1, PF_FEAT_INFILL},
    };
    memcpy(fg, g, sizeof g);
}

/* Density-independent fill groups of every layer, measured once at nominal speeds (eval re-measures a group
 * only when the cooling slowdown lowers its speed). Internal bridges join the bridge group below 100 %. */
static void measure_fixed_groups(pf_estimate_cache *c)
{
    const pf_profile *p = &c->p;
    double vj = LINE_END_JERK * p->jerk_xy;
    for (size_t l = 0; l < c->nlayers; l++) {
        layer_stat *ls = &c->layers[l];
        for (int full = 0; full < 2; full++) {
            fill_group fg[4];
            layer_groups(p, ls, l == 0, full, fg);
            for (int k = 0; k < 3; k++)
                fill_measure(&fg[k], fg[k].v, vj, &ls->fixed[full][k][0], &ls->fixed[full][k][1]);
            if (!full) {
                fill_group ib = fg[2];
                ib.runs = ls->cells.runs[PF_RUN_IBRIDGE];
                ib.area = ls->cells.run_area[PF_RUN_IBRIDGE];
                double L2, T2;
                fill_measure(&ib, ib.v, vj, &L2, &T2);
                ls->fixed[0][2][0] += L2;
                ls->fixed[0][2][1] += T2;
            }
        }
    }
}

pf_err pf_estimate_eval(const pf_estimate_cache *c, double density, int supports, pf_estimate *out,
                        pf_errbuf *eb)
{
    if (!(density >= 0 && density <= 1))
        return pf_errf(eb, PF_E_INVAL, "infill density %g outside [0, 1]", density);
    const pf_profile *p = &c->p;
    pf_estimate e;
    memset(&e, 0, sizeof e);
    e.infill_density = density;
    e.supports = supports;
    e.layers = c->nlayers;
    e.max_layer_area_mm2 = c->max_area;
    e.overhang_area_mm2 = c->overhang_area;
    int full = density >= 0.9999;
    double amax = p->accel_max, jerk = p->jerk_xy;
    double vj = LINE_END_JERK * jerk;
    /* One retracted travel: wipe, E-only rest, lift, unlift, unretract (planner and naive times). */
    double wipe_len = p->wipe ? p->retract_length / p->retract_speed * 0.8 * p->speed_travel : 0;
    double wipe_e = p->wipe ? 0.95 * p->retract_length : 0, rest_e = p->retract_length - wipe_e;
    double t_retract =
        pf_motion_move_time(wipe_len, 0.8 * p->speed_travel, fmin(p->accel_default, amax), jerk, jerk) +
        rest_e / p->retract_speed + 2 * pf_motion_move_time(p->retract_lift, p->speed_z, 200, 0.4, 0.4) +
        pf_motion_move_time(p->retract_length, p->retract_speed, 1250, 4.5, 4.5);
    double n_retract = (p->wipe ? wipe_len / (0.8 * p->speed_travel) : 0) + rest_e / p->retract_speed +
                       2 * p->retract_lift / p->speed_z + p->retract_length / p->retract_speed;
    double at = fmin(p->accel_default, amax);

    for (size_t l = 0; l < c->nlayers; l++) {
        const layer_stat *ls = &c->layers[l];
        const pf_layer_cells *lc = &ls->cells;
        int first = l == 0;
        double h = ls->h;
        double se = spacing(first ? p->w_first : p->w_ext, h),
               sp = spacing(first ? p->w_first : p->w_perim, h);
        double ss = spacing(first ? p->w_first : p->w_solid, h), si = spacing(p->w_infill, p->layer_height);
        /* Volumes. */
        double v_ext = h * lc->wall_area[PF_CELL_WALL_EXT], v_int = h * lc->wall_area[PF_CELL_WALL_INT];
        double a_solid = lc->fill_area[PF_FILL_SOLID] + lc->fill_area[PF_FILL_FIRST];
        double a_top = lc->fill_area[PF_FILL_TOP];
        double a_bridge = lc->fill_area[PF_FILL_BRIDGE] + (full ? 0 : lc->fill_area[PF_FILL_IBRIDGE]);
        if (full) a_solid += lc->fill_area[PF_FILL_SPARSE] + lc->fill_area[PF_FILL_IBRIDGE];
        e.volume_mm3[PF_FEAT_EXT_PERIMETER] += v_ext;
        e.volume_mm3[PF_FEAT_PERIMETER] += v_int;
        /* Solid volume: h × area, less what short lines lose at their ends. */
        {
            const float(*rs)[PF_HIST_BINS] = lc->runs, (*ra)[PF_HIST_BINS] = lc->run_area;
            int sets[4] = {full ? PF_RUN_FULL : PF_RUN_SOLID, PF_RUN_TOP, PF_RUN_BRIDGE,
                           full ? -1 : PF_RUN_IBRIDGE};
            double asum = a_solid + a_top + a_bridge, hist = 0, trimmed = 0;
            for (int k = 0; k < 4; k++)
                for (int b = 0; sets[k] >= 0 && b < PF_HIST_BINS; b++) {
                    hist += ra[sets[k]][b];
                    trimmed += fmax(0, ra[sets[k]][b] - rs[sets[k]][b] * SOLID_TRIM * ss);
                }
            e.volume_mm3[PF_FEAT_SOLID] += hist > 0 ? h * asum * (trimmed / hist) : h * asum;
        }

        /* Fill groups. */
        double vfirst = p->speed_first_layer;
        fill_group fg[4];
        double flen[4], ftime[4];
        layer_groups(p, ls, first, full, fg);
        for (int k = 0; k < 3; k++)
            flen[k] = ls->fixed[full][k][0], ftime[k] = ls->fixed[full][k][1];
        flen[3] = ftime[3] = 0;
        if (!full && density > 0) {
            double S = si / density;
            fg[3].runs = lc->runs[PF_RUN_SPARSE];
            fg[3].area = lc->run_area[PF_RUN_SPARSE];
            fg[3].S = S;
            fg[3].link = S * LINK_FACTOR;
            fg[3].trim = LINE_TRIM * si * M_SQRT2;
            fill_measure(&fg[3], fg[3].v, vj, &flen[3], &ftime[3]);
        }
        /* Sparse volume: its path at the infill flow. */
        e.volume_mm3[PF_FEAT_INFILL] += flen[3] * si * p->layer_height;

        /* Walls: external and inner loops, small loops slower. */
        double Le = lc->wall_area[PF_CELL_WALL_EXT] / se, Li = lc->wall_area[PF_CELL_WALL_INT] / sp;
        double fs = ls->contour_len > 0 ? fmin(1, ls->small_len / ls->contour_len) : 0;
        double ve = first ? vfirst : p->speed_ext_perimeter, vi = first ? vfirst : p->speed_perimeter;
        double vs = first ? vfirst : p->speed_small_perimeter;
        double wlen[4] = {Le * fs, Le * (1 - fs), Li * fs, Li * (1 - fs)};
        double wv[4] = {fmin(vs, ve), ve, vs, vi};
        double wloops[4];
        double cl = ls->contour_len > 0 ? ls->contour_len : 1;
        wloops[0] = wloops[1] = fmin(1.2, Le / cl);
        wloops[2] = wloops[3] = fmin((double)p->perimeters, Li / cl);

        /* Travel and retractions: one per contour, one per fill kind per island, one layer change. */
        int kinds = (flen[0] > 0) + (flen[1] > 0) + (flen[2] > 0) + (flen[3] > 0);
        double islands = ls->nislands ? ls->nislands : 1;
        double ntr = ls->nloops + islands * kinds + 1;
        double dtr = TRAVEL_FACTOR * sqrt(lc->area / islands);
        double t_trav = ntr * pf_motion_move_time(dtr, p->speed_travel, at, jerk, jerk);
        double t_other = ntr * t_retract;
        double naive_fixed = ntr * (n_retract + dtr / p->speed_travel) + flen[2] / fg[2].v;

        /* Cooling: slow adjustable groups so the naive layer time reaches the minimum. */
        double glen[7], gv[7];
        for (int k = 0; k < 4; k++)
            glen[k] = wlen[k], gv[k] = wv[k];
        glen[4] = flen[0], gv[4] = fg[0].v;
        glen[5] = flen[1], gv[5] = fg[1].v;
        glen[6] = flen[3], gv[6] = fg[3].v;
        double F =
            pf_motion_cooling_speed(glen, gv, 7, naive_fixed, p->min_layer_time * 1.001, p->min_print_speed);
        if (isfinite(F)) e.slowed_layers++;
        /* Planner times at the final speeds. */
        for (int k = 0; k < 4; k++) {
            double v = fmin(wv[k], F);
            if (wlen[k] <= 0) continue;
            double frac = wlen[k] / (k < 2 ? (Le > 0 ? Le : 1) : (Li > 0 ? Li : 1));
            double t = wlen[k] / v + wloops[k] * frac * excess_at(ls, v);
            e.time_s[k < 2 ? PF_FEAT_EXT_PERIMETER : PF_FEAT_PERIMETER] += t;
        }
        for (int k = 0; k < 4; k++) {
            if (flen[k] <= 0) continue;
            if (k == 2 || !isfinite(F) || F >= fg[k].v) {
                e.time_s[fg[k].bucket] += ftime[k];
            } else {
                double L, T;
                fill_measure(&fg[k], F, vj, &L, &T);
                e.time_s[fg[k].bucket] += T;
            }
        }
        e.time_s[PF_TIME_TRAVEL] += t_trav;
        e.time_s[PF_TIME_OTHER] += t_other;
    }
    /* Start (travel from the home corner) and end (the end G-code's move to the front at 60 mm/s). */
    e.time_s[PF_TIME_OTHER] += pf_motion_move_time(160, p->speed_travel, at, jerk, jerk) +
                               pf_motion_move_time(150, 60, at, jerk, jerk);

    if (supports) {
        double sv = c->support_column * p->support_density;
        e.support_volume_mm3 = sv;
        e.volume_mm3[PF_FEAT_SUPPORT] = sv;
        double a_line = p->layer_height * spacing(0.35, p->layer_height);
        e.time_s[PF_FEAT_SUPPORT] = sv / a_line / p->support_speed * 1.25;
    }
    for (int k = 0; k < PF_FEAT_N; k++)
        e.volume_total_mm3 += e.volume_mm3[k];
    double fil_area = M_PI * p->filament_diameter * p->filament_diameter / 4;
    e.filament_m = e.volume_total_mm3 / fil_area / 1000;
    e.weight_g = e.volume_total_mm3 * p->filament_density / 1000;
    for (int k = 0; k < PF_TIME_N; k++)
        e.print_time_s += e.time_s[k];
    e.job_time_s = e.print_time_s + p->preparation_time;
    *out = e;
    return PF_E_OK;
}

pf_err pf_estimate_run(const pf_mesh *mesh, const pf_profile *p, const pf_backend *be, pf_estimate *out,
                       pf_errbuf *eb)
{
    pf_estimate_cache *c = NULL;
    pf_err err = pf_estimate_prepare(mesh, p, be, &c, eb);
    if (!err) err = pf_estimate_eval(c, p->infill_density, p->supports, out, eb);
    pf_estimate_cache_free(c);
    return err;
}
