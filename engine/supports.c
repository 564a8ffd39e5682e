/* Support material under a part (supports.h). */
#include "engine/supports.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"

/* The support grid's cell (mm): coarse beside the estimator's (the regions are a base pattern of 2.3 mm line
 * pitch grown by about a millimetre), finer than the margins and gaps it models; at most SUP_CELLS cells a
 * layer and SUP_CELL_LAYERS over all layers (a part filling the bed 200 mm high: 2.1e8 at 0.5 mm), so the
 * sweep's time is bounded whatever the part. */
#define SUP_CELL 0.5
#define SUP_CELLS 250000.0
#define SUP_CELL_LAYERS 256e6
/* Footprint cells the faces may visit, per grid cell and per face, before the rest mark their centroid's
 * cell only (many large faces over one another: a hostile mesh). */
#define SUP_VISITS 64

/* One footprint cell under a downward face: the support layer just under the face's contact, and the cell. */
typedef struct contact {
    uint32_t layer, cell;
} contact;

typedef struct contacts {
    contact *v;
    size_t n, cap;
} contacts;

static int push(contacts *c, uint32_t layer, uint32_t cell)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1024;
        contact *v = realloc(c->v, cap * sizeof *v);
        if (!v) return 0;
        c->v = v, c->cap = cap;
    }
    c->v[c->n++] = (contact){layer, cell};
    return 1;
}

/* The highest support layer whose top lies at least `contact` under z (layer l's top: h0 + l·h), −1 when none
 * does. */
static long top_layer(const pf_support_src *s, double z, double contact)
{
    double t = (z - contact - s->h0) / s->h + 1e-6;
    if (!(t >= 0)) return -1; /* (NaN too) */
    return t < (double)s->nl - 1 ? (long)floor(t) : (long)s->nl - 1;
}

/* The footprint cells of every supported face (cells whose centre its projection covers; a face covering no
 * centre, its centroid's cell), each with the top support layer under the face there. */
static int footprints(const pf_support_src *s, const pf_support_params *p, const pf_grid *g, contacts *out)
{
    double cth = cos(p->threshold_deg * M_PI / 180), inv = 1.0 / g->cell;
    double visits = SUP_VISITS * ((double)g->nx * g->ny + (double)s->ntris);
    for (size_t t = 0; t < s->ntris; t++) {
        const float *a = s->verts + 3 * (size_t)s->tris[3 * t],
                    *b = s->verts + 3 * (size_t)s->tris[3 * t + 1],
                    *c = s->verts + 3 * (size_t)s->tris[3 * t + 2];
        double ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2], wx = c[0] - a[0], wy = c[1] - a[1],
               wz = c[2] - a[2];
        double nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
        double nn = sqrt(nx * nx + ny * ny + nz * nz);
        if (!(nn > 0) || nz >= 0 || -nz / nn < cth) continue;
        double zc = (a[2] + b[2] + c[2]) / 3;
        if (zc < s->h0 / 2) continue; /* on the bed */
        /* in cell units, cell centres at integers */
        double px[3] = {(a[0] - g->x0) * inv - 0.5, (b[0] - g->x0) * inv - 0.5, (c[0] - g->x0) * inv - 0.5},
               py[3] = {(a[1] - g->y0) * inv - 0.5, (b[1] - g->y0) * inv - 0.5, (c[1] - g->y0) * inv - 0.5};
        double x0 = fmin(px[0], fmin(px[1], px[2])), x1 = fmax(px[0], fmax(px[1], px[2])),
               y0 = fmin(py[0], fmin(py[1], py[2])), y1 = fmax(py[0], fmax(py[1], py[2]));
        if (!(isfinite(x0) && isfinite(x1) && isfinite(y0) && isfinite(y1))) continue;
        /* the cells whose centres its box holds, in the grid (clamped before any conversion) */
        long i0 = (long)ceil(fmax(x0, 0)), i1 = (long)floor(fmin(x1, (double)g->nx - 1)),
             j0 = (long)ceil(fmax(y0, 0)), j1 = (long)floor(fmin(y1, (double)g->ny - 1));
        double box = i1 >= i0 && j1 >= j0 ? (double)(i1 - i0 + 1) * (double)(j1 - j0 + 1) : 0;
        if (box > visits) i1 = i0 - 1; /* past the budget: the centroid alone */
        visits -= box;
        /* the projection's orientation: nz < 0, so the corners run clockwise seen from above */
        double area2 = (px[1] - px[0]) * (py[2] - py[0]) - (px[2] - px[0]) * (py[1] - py[0]);
        int hit = 0;
        for (long j = j0; j <= j1; j++)
            for (long i = i0; i <= i1; i++) {
                double e[3];
                for (int k = 0; k < 3; k++) {
                    int m = (k + 1) % 3;
                    e[k] = ((px[m] - px[k]) * ((double)j - py[k]) - (py[m] - py[k]) * ((double)i - px[k])) *
                           (area2 < 0 ? -1 : 1);
                }
                if (e[0] < 0 || e[1] < 0 || e[2] < 0) continue;
                double x = g->x0 + ((double)i + 0.5) * g->cell, y = g->y0 + ((double)j + 0.5) * g->cell;
                double z = a[2] - (nx * (x - a[0]) + ny * (y - a[1])) / nz;
                long l = top_layer(s, z, p->contact);
                hit = 1;
                if (l >= 0 && !push(out, (uint32_t)l, (uint32_t)(j * (long)g->nx + i))) return 0;
            }
        double cx = floor((px[0] + px[1] + px[2]) / 3 + 0.5), cy = floor((py[0] + py[1] + py[2]) / 3 + 0.5);
        if (!hit && cx >= 0 && cy >= 0 && cx < g->nx && cy < g->ny) {
            long l = top_layer(s, zc, p->contact);
            if (l >= 0 && !push(out, (uint32_t)l, (uint32_t)cy * g->nx + (uint32_t)cx)) return 0;
        }
    }
    return 1;
}

/* dst = src grown by k cells (a square; nonzero bytes set), over nx·ny bytes; tmp: nx·ny bytes. A step of
 * one cell k times: byte ORs the compiler makes vector code of. */
static void grow_square(const uint8_t *src, uint8_t *dst, uint8_t *tmp, long nx, long ny, long k)
{
    memcpy(dst, src, (size_t)(nx * ny));
    for (long step = 0; step < k; step++) {
        for (long y = 0; y < ny; y++) { /* rows: a cell or its neighbour either side */
            const uint8_t *r = dst + y * nx;
            uint8_t *o = tmp + y * nx;
            o[0] = r[0] | (nx > 1 ? r[1] : 0);
            for (long x = 1; x + 1 < nx; x++)
                o[x] = r[x - 1] | r[x] | r[x + 1];
            if (nx > 1) o[nx - 1] = r[nx - 2] | r[nx - 1];
        }
        for (long y = 0; y < ny; y++) { /* then columns */
            const uint8_t *u = y > 0 ? tmp + (y - 1) * nx : tmp + y * nx, *m = tmp + y * nx,
                          *d = y + 1 < ny ? tmp + (y + 1) * nx : m;
            uint8_t *o = dst + y * nx;
            for (long x = 0; x < nx; x++)
                o[x] = u[x] | m[x] | d[x];
        }
    }
}

/* The cell offsets (dx, dy) within r cells of a cell (a disc), into off (room for (2r + 1)² pairs). */
static int disc(double r, int *off)
{
    int k = (int)floor(r), n = 0;
    for (int dy = -k; dy <= k; dy++)
        for (int dx = -k; dx <= k; dx++)
            if (dx * dx + dy * dy <= r * r + 1e-9) off[2 * n] = dx, off[2 * n + 1] = dy, n++;
    return n;
}

/* Outline length of the nonzero cells of m (nx·ny bytes, none on the border): the cells' edges to unset
 * cells, less (2 − √2)/2 of a cell at each corner of that staircase, so that a diagonal's steps count as the
 * diagonal (√2 a step, not 2) and a straight edge along the grid as itself. A 2 × 2 window with one or three
 * set cells holds a corner, one with two set cells on a diagonal two. */
static double outline(const uint8_t *m, long nx, long ny, double cell, long y0, long y1)
{
    size_t edges = 0, corners = 0;
    for (long y = y0 > 0 ? y0 - 1 : 0; y + 1 < ny && y <= y1; y++) { /* (rows y0 … y1 hold the set cells) */
        const uint8_t *a = m + y * nx, *b = a + nx;
        for (long x = 0; x + 1 < nx; x++) {
            int p = a[x] != 0, q = a[x + 1] != 0, r = b[x] != 0, t = b[x + 1] != 0, n = p + q + r + t;
            corners += n == 1 || n == 3 ? 1 : n == 2 && p == t ? 2 : 0;
            edges += (p != q) + (p != r);
        }
    }
    return ((double)edges - (double)corners * (1 - M_SQRT1_2)) * cell;
}

void pf_support_geom_free(pf_support_geom *g)
{
    if (!g) return;
    free(g->base);
    free(g->iface);
    free(g->perim);
    free(g->contact);
    memset(g, 0, sizeof *g);
}

pf_err pf_supports_make(const pf_support_src *s, const pf_support_params *p, pf_support_geom *out)
{
    memset(out, 0, sizeof *out);
    size_t nl = s->nl;
    double pad = p->margin + p->first_expansion + p->xy_gap + 2 * SUP_CELL;
    double W = s->hi[0] - s->lo[0] + 2 * pad, D = s->hi[1] - s->lo[1] + 2 * pad;
    if (!(W > 0 && D > 0 && isfinite(W * D))) return PF_E_TOO_LARGE;
    double cell = fmax(SUP_CELL, fmax(sqrt(W * D / SUP_CELLS), sqrt(W * D * (double)nl / SUP_CELL_LAYERS)));
    pf_grid g = {.x0 = (float)(s->lo[0] - pad), .y0 = (float)(s->lo[1] - pad), .cell = (float)cell};
    g.nx = (uint32_t)ceil(W / cell), g.ny = (uint32_t)ceil(D / cell);
    long nx = g.nx, ny = g.ny;
    size_t n = (size_t)nx * (size_t)ny;
    int rk = (int)floor(p->margin / cell + 0.5) + 1;
    contacts cs = {0};
    uint8_t *mask = malloc(n), *grown = malloc(n), *tmp = malloc(n), *sup = calloc(n, 1);
    uint32_t *first = calloc(nl + 1, sizeof *first), *seen = calloc(n, sizeof *seen);
    int *off = malloc((size_t)(2 * rk + 1) * (size_t)(2 * rk + 1) * 2 * sizeof *off);
    uint32_t *order = NULL;
    out->base = calloc(nl ? nl : 1, sizeof *out->base);
    out->iface = calloc(nl ? nl : 1, sizeof *out->iface);
    out->perim = calloc(nl ? nl : 1, sizeof *out->perim);
    out->contact = calloc(nl ? nl : 1, sizeof *out->contact);
    pf_err err = PF_E_NOMEM;
    if (!mask || !grown || !tmp || !sup || !first || !seen || !off || !out->base || !out->iface ||
        !out->perim)
        goto done;
    if (!footprints(s, p, &g, &cs)) goto done;
    /* the footprints by layer (a counting sort) */
    if (!(order = malloc((cs.n ? cs.n : 1) * sizeof *order))) goto done;
    for (size_t i = 0; i < cs.n; i++)
        first[cs.v[i].layer + 1]++;
    for (size_t l = 0; l < nl; l++)
        first[l + 1] += first[l];
    for (size_t i = 0; i < cs.n; i++) {
        uint32_t *at = &first[cs.v[i].layer];
        order[(*at)++] = cs.v[i].cell;
    }
    for (size_t l = nl; l > 0; l--) /* back to the starts */
        first[l] = first[l - 1];
    first[0] = 0;
    int noff = disc(p->margin / cell + 0.5, off); /* grows by the margin in whole cells along the grid */
    long gap = (long)floor(p->xy_gap / cell + 0.5);
    const pf_backend *sc = pf_backend_scalar();
    /* sup: 0 outside the region, else 1 + the layers since a footprint last reached the cell (at most 255);
     * live: its nonzero cells (none: a layer with no footprint needs no look at all) */
    size_t live = 0;
    for (size_t l = nl; l-- > 0;) {
        if (!live && first[l] == first[l + 1]) continue; /* no support from here down till a footprint */
        err = sc->raster(NULL, s->segs + (size_t)PF_SEG_FLOATS * s->offs[l], s->counts[l], &g, mask);
        if (err) goto done;
        for (uint32_t i = first[l]; i < first[l + 1]; i++) { /* footprints over air here, grown */
            uint32_t c = order[i];
            if (mask[c] || seen[c] == l + 1) continue;
            seen[c] = (uint32_t)l + 1;
            out->contact[l] = 1;
            long cx = (long)(c % (uint32_t)nx), cy = (long)(c / (uint32_t)nx);
            for (int k = 0; k < noff; k++) {
                long x = cx + off[2 * k], y = cy + off[2 * k + 1];
                if (x >= 0 && y >= 0 && x < nx && y < ny) sup[y * nx + x] = 1;
            }
        }
        grow_square(mask, grown, tmp, nx, ny, gap);
        double base = 0, iface = 0, depth = p->iface_depth / (l == 0 ? s->h0 : s->h);
        long y0 = ny, y1 = -1; /* the rows of live cells */
        live = 0;
        for (size_t c = 0; c < n; c++) {
            if (!sup[c]) continue;
            if (grown[c]) { /* the part: the column stands on it */
                sup[c] = 0;
                continue;
            }
            double w = fmin(1.0, fmax(0.0, depth - (double)(sup[c] - 1))); /* interface share of this layer */
            iface += w, base += 1 - w;
            sup[c] += sup[c] < 255; /* a layer older for the one below */
            live++;
            long y = (long)(c / (size_t)nx);
            y0 = y < y0 ? y : y0, y1 = y;
        }
        double ca = cell * cell;
        out->base[l] = (float)(base * ca);
        out->iface[l] = (float)(iface * ca);
        out->perim[l] = live ? (float)outline(sup, nx, ny, cell, y0, y1) : 0.0f;
        if (l == 0) { /* the first layer's region, grown and kept off the part */
            long e = (long)floor(p->first_expansion / cell + 0.5);
            grow_square(sup, tmp, mask, nx, ny, e);
            size_t cells = 0;
            for (size_t c = 0; c < n; c++) {
                tmp[c] = tmp[c] && !grown[c];
                cells += tmp[c];
            }
            out->first_area = (double)cells * ca;
            out->first_perim = outline(tmp, nx, ny, cell, 0, ny - 1);
        }
    }
    err = PF_E_OK;
done:
    free(cs.v);
    free(order);
    free(mask);
    free(grown);
    free(tmp);
    free(sup);
    free(first);
    free(seen);
    free(off);
    if (err) pf_support_geom_free(out);
    return err;
}
