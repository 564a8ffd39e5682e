/* OBJ reader: v and f (v, v/vt, v//vn, v/vt/vn; negative indices), fan-triangulated polygons, o/g parts. */
#include "engine/intake_internal.h"
#include "engine/intake_text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Everything gathered in one pass. Vertices and triangles go straight into the builder's indexed arrays (so
 * only the vertices are welded, not every corner, and faces may name vertices defined later: indices are
 * checked once the file is read). Builder room is reserved in runs and committed one item at a time. */
typedef struct obj_state {
    const unsigned char *buf;        /* start of the file, for line numbers */
    pf_errbuf *eb;                   /* where errors are described */
    pf_mesh_builder *b;              /* receives vertices and triangles */
    size_t vbase;                    /* builder index of this file's first vertex */
    size_t nv;                       /* vertices read */
    size_t nt;                       /* triangles read */
    float *vdst;                     /* reserved room for vroom more vertices */
    size_t vroom;                    /* vertices left in the reservation */
    uint32_t *tdst;                  /* reserved room for troom more triangles */
    size_t troom;                    /* triangles left in the reservation */
    size_t max_triangles;            /* what the builder may still take */
    uint64_t max_ref;                /* largest positive index not yet defined where it was used (0: none) */
    const unsigned char *max_ref_at; /* where that index was written */
} obj_state;

#define OBJ_RUN 4096 /* vertices or triangles reserved at a time */

static size_t line_at(const obj_state *s, const unsigned char *p)
{
    return pf__line_of(s->buf, p);
}

/* "v x y z [w | r g b]": three finite coordinates; anything after them is ignored. Returns the line's end. */
static pf_err vertex(obj_state *s, const unsigned char *p, const unsigned char *end,
                     const unsigned char **next)
{
    if (!s->vroom) {
        pf_err err = PF_E_OK;
        if (s->vbase + s->nv >= UINT32_MAX ||
            !(s->vdst = pf_mesh_builder_reserve_verts(s->b, OBJ_RUN, &err, s->eb)))
            return pf_errf(s->eb, PF_E_NOMEM, "no memory for vertex %zu at line %zu", s->nv + 1,
                           line_at(s, p));
        s->vroom = OBJ_RUN;
    }
    float *v = s->vdst;
    for (int k = 0; k < 3; k++) {
        while (p < end && pf__is_hspace(*p))
            p++;
        if (p == end || *p == '\n' || *p == '#')
            return pf_errf(s->eb, PF_E_PARSE, "vertex with %d coordinates at line %zu (needs 3)", k,
                           line_at(s, p));
        const unsigned char *q = pf__parse_float(p, end, &v[k]);
        if (!q || (q < end && !pf__is_space(*q)) || !isfinite(v[k])) {
            int shown = 0;
            while (shown < 32 && p + shown < end && p[shown] > 32 && p[shown] < 127)
                shown++;
            return pf_errf(s->eb, PF_E_BAD_NUMBER, "bad coordinate '%.*s' at line %zu", shown,
                           (const char *)p, line_at(s, p));
        }
        p = q;
    }
    s->vdst += 3;
    s->vroom--;
    s->nv++;
    pf_mesh_builder_commit_verts(s->b, 1);
    if (p < end && *p == '\n') {
        *next = p + 1;
    } else {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        *next = nl ? nl + 1 : end;
    }
    return PF_E_OK;
}

static pf_err add_tri(obj_state *s, uint32_t a, uint32_t b, uint32_t c, const unsigned char *at)
{
    if (s->nt >= s->max_triangles)
        return pf_errf(s->eb, PF_E_TOO_MANY_TRIANGLES, "more than %zu triangles at line %zu",
                       s->b->max_triangles, line_at(s, at));
    if (!s->troom) {
        pf_err err = PF_E_OK;
        size_t n = s->max_triangles - s->nt < OBJ_RUN ? s->max_triangles - s->nt : OBJ_RUN;
        if (!(s->tdst = pf_mesh_builder_reserve_indexed(s->b, n, &err, s->eb)))
            return pf_errf(s->eb, err, "no room for triangle %zu at line %zu", s->nt + 1, line_at(s, at));
        s->troom = n;
    }
    uint32_t base = (uint32_t)s->vbase;
    s->tdst[0] = base + a;
    s->tdst[1] = base + b;
    s->tdst[2] = base + c;
    s->tdst += 3;
    s->troom--;
    s->nt++;
    pf_mesh_builder_commit_indexed(s->b, 1);
    return PF_E_OK;
}

/* "f a b c …" with each corner "v", "v/vt", "v//vn" or "v/vt/vn"; only v is used. A polygon of k corners
 * becomes the fan of k − 2 triangles around its first corner. */
static pf_err face(obj_state *s, const unsigned char *p, const unsigned char *end, const unsigned char **next)
{
    const unsigned char *line = p;
    uint32_t first = 0, prev = 0;
    int k = 0;
    for (;; k++) {
        while (p < end && pf__is_hspace(*p))
            p++;
        if (p == end || *p == '\n' || *p == '#') break;
        const unsigned char *at = p;
        int neg = 0;
        if (*p == '-' || *p == '+') neg = *p++ == '-';
        if (p == end || !pf__is_digit(*p)) goto bad_corner;
        uint64_t idx = 0;
        int digits = 0;
        while (p < end && pf__is_digit(*p)) {
            idx = idx * 10 + (unsigned)(*p++ - '0');
            if (++digits > 10)
                return pf_errf(s->eb, PF_E_BAD_INDEX, "vertex index with more than 10 digits at line %zu",
                               line_at(s, at));
        }
        if (p < end && *p == '/') /* texture and normal indices: ignored, but must be index-shaped */
            while (p < end && (pf__is_digit(*p) || *p == '/' || *p == '-' || *p == '+'))
                p++;
        if (p < end && !pf__is_space(*p) && *p != '#') goto bad_corner;
        uint32_t v;
        if (idx == 0)
            return pf_errf(s->eb, PF_E_BAD_INDEX, "vertex index 0 at line %zu (OBJ indices start at 1)",
                           line_at(s, at));
        if (neg) {
            if (idx > s->nv)
                return pf_errf(s->eb, PF_E_BAD_INDEX,
                               "relative index -%llu at line %zu but only %zu vertices precede it",
                               (unsigned long long)idx, line_at(s, at), s->nv);
            v = (uint32_t)(s->nv - idx);
        } else {
            if (idx > UINT32_MAX - s->vbase)
                return pf_errf(s->eb, PF_E_BAD_INDEX, "vertex index %llu at line %zu is out of range",
                               (unsigned long long)idx, line_at(s, at));
            if (idx > s->nv && idx > s->max_ref) { /* maybe defined later: checked once the file is read */
                s->max_ref = idx;
                s->max_ref_at = at;
            }
            v = (uint32_t)(idx - 1);
        }
        if (k == 0) {
            first = v;
        } else if (k >= 2) {
            pf_err err = add_tri(s, first, prev, v, at);
            if (err != PF_E_OK) return err;
        }
        prev = v;
        continue;
    bad_corner : {
        int shown = 0;
        while (shown < 32 && at + shown < end && at[shown] > 32 && at[shown] < 127)
            shown++;
        return pf_errf(s->eb, PF_E_PARSE, "bad face corner '%.*s' at line %zu", shown, (const char *)at,
                       line_at(s, at));
    }
    }
    if (k < 3)
        return pf_errf(s->eb, PF_E_PARSE, "face with %d corners at line %zu (needs at least 3)", k,
                       line_at(s, line));
    const unsigned char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    *next = nl ? nl + 1 : end;
    return PF_E_OK;
}

/* "o NAME" / "g NAME…": starts a new part; a part left without triangles is replaced rather than kept. */
static pf_err group(obj_state *s, const unsigned char *p, const unsigned char *end,
                    const unsigned char **next)
{
    while (p < end && pf__is_hspace(*p))
        p++;
    const unsigned char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    const unsigned char *eol = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    while (eol > p && pf__is_space(eol[-1]))
        eol--;
    char name[64];
    size_t k = 0;
    for (; p < eol && k < sizeof name - 1; p++)
        if (*p >= 32) name[k++] = (char)*p;
    name[k] = 0;
    if (pf_mesh_builder_part(s->b, name, 1) != PF_E_OK)
        return pf_errf(s->eb, PF_E_NOMEM, "no memory for a part at line %zu", line_at(s, eol));
    return PF_E_OK;
}

/* One pass over the whole file. */
static pf_err parse(obj_state *s, const unsigned char *p, const unsigned char *end)
{
    pf_err err = PF_E_OK;
    while (p < end) {
        while (p < end && pf__is_hspace(*p))
            p++;
        if (p == end) break;
        unsigned char c = *p, c1 = p + 1 < end ? p[1] : '\n';
        if (c == 'v' && pf__is_hspace(c1)) {
            err = vertex(s, p + 1, end, &p);
        } else if (c == 'f' && pf__is_hspace(c1)) {
            err = face(s, p + 1, end, &p);
        } else if ((c == 'o' || c == 'g') && (pf__is_hspace(c1) || c1 == '\n')) {
            err = group(s, p + 1, end, &p);
        } else { /* vt, vn, usemtl, mtllib, s, l, comments, blank lines and anything else: ignored */
            const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
        }
        if (err != PF_E_OK) return err;
    }
    if (s->max_ref > s->nv)
        return pf_errf(s->eb, PF_E_BAD_INDEX, "vertex index %llu at line %zu but the file has %zu vertices",
                       (unsigned long long)s->max_ref, line_at(s, s->max_ref_at), s->nv);
    if (s->nt == 0)
        return pf_errf(s->eb, PF_E_EMPTY_MESH, "OBJ has no faces (end of file at line %zu)",
                       pf__line_of_end(s->buf, end));
    return PF_E_OK;
}

pf_err pf__obj_read(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    obj_state s = {.buf = buf, .eb = eb, .b = b, .vbase = b->niverts};
    b->format = PF_FORMAT_OBJ;
    s.max_triangles = b->max_triangles > b->ntris ? b->max_triangles - b->ntris : 0;
    if (b->ntris || b->indexed) s.vbase = b->niverts; /* after any earlier input */
    pf_err err = pf_mesh_builder_part(b, "", 1);
    if (err != PF_E_OK) return pf_errf(eb, PF_E_NOMEM, "no memory for a %zu-byte OBJ", len);
    /* Room for typical files up front (about 30 bytes of text per vertex, 24 per triangle) so growth rarely
     * moves the arrays; only address space is taken, pages are touched as they fill. */
    size_t vguess = len / 30 + 16, tguess = len / 24 + 16;
    if (tguess > s.max_triangles) tguess = s.max_triangles;
    if (!pf_mesh_builder_reserve_verts(b, vguess, &err, eb) ||
        (tguess && !pf_mesh_builder_reserve_indexed(b, tguess, &err, eb)))
        return pf_errf(eb, PF_E_NOMEM, "no memory for a %zu-byte OBJ", len);
    s.vbase = b->niverts;
    return parse(&s, buf, buf + len);
}
