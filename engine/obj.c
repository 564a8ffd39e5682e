/* OBJ reader: v and f (v, v/vt, v//vn, v/vt/vn; negative indices), fan-triangulated polygons, o/g parts. */
#include "engine/intake_internal.h"
#include "engine/intake_text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A part as the file declares it: a name and the index of its first triangle. */
typedef struct obj_part {
    size_t first_tri; /* first triangle (in obj_state.tris) of the part */
    char name[64];    /* o/g name, trimmed and truncated; "" before the first o/g */
} obj_part;

/* Everything gathered in one pass. Faces may name vertices that come later in the file, so triangles are kept
 * as indices and turned into coordinates only at the end, when every vertex is known. */
typedef struct obj_state {
    const unsigned char *buf;        /* start of the file, for line numbers */
    pf_errbuf *eb;                   /* where errors are described */
    float *verts;                    /* 3·nv coordinates */
    size_t nv, vcap;                 /* vertex count and capacity (in vertices) */
    uint32_t *tris;                  /* 3·nt zero-based vertex indices */
    size_t nt, tcap;                 /* triangle count and capacity (in triangles) */
    obj_part *parts;                 /* np parts, the first one implicit */
    size_t np, pcap;                 /* part count and capacity */
    size_t max_triangles;            /* limit from the builder */
    uint64_t max_ref;                /* largest positive index not yet defined where it was used (0: none) */
    const unsigned char *max_ref_at; /* where that index was written */
} obj_state;

/* Grows *arr (elem-byte items, capacity *cap) to hold need items. Sizes are bounded by the file size (a
 * vertex takes at least 6 bytes of text, a triangle at least 2), so doubling cannot run away. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    if (nc > SIZE_MAX / elem) return 0;
    void *na = realloc(*arr, nc * elem);
    if (!na) return 0;
    *arr = na;
    *cap = nc;
    return 1;
}

static size_t line_at(const obj_state *s, const unsigned char *p)
{
    return pf__line_of(s->buf, p);
}

/* "v x y z [w | r g b]": three finite coordinates; anything after them is ignored. Returns the line's end. */
static pf_err vertex(obj_state *s, const unsigned char *p, const unsigned char *end,
                     const unsigned char **next)
{
    if (s->nv == s->vcap && (s->nv >= UINT32_MAX || !grow((void **)&s->verts, &s->vcap, s->nv + 1, 12)))
        return pf_errf(s->eb, PF_E_NOMEM, "no memory for vertex %zu at line %zu", s->nv + 1, line_at(s, p));
    float *v = s->verts + s->nv * 3;
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
    s->nv++;
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
                       s->max_triangles, line_at(s, at));
    if (s->nt == s->tcap && !grow((void **)&s->tris, &s->tcap, s->nt + 1, 12))
        return pf_errf(s->eb, PF_E_NOMEM, "no memory for triangle %zu at line %zu", s->nt + 1,
                       line_at(s, at));
    uint32_t *t = s->tris + s->nt * 3;
    t[0] = a;
    t[1] = b;
    t[2] = c;
    s->nt++;
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
            if (idx > UINT32_MAX)
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
    const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
    const unsigned char *eol = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    while (eol > p && pf__is_space(eol[-1]))
        eol--;
    if (s->parts[s->np - 1].first_tri != s->nt) {
        if (!grow((void **)&s->parts, &s->pcap, s->np + 1, sizeof *s->parts))
            return pf_errf(s->eb, PF_E_NOMEM, "no memory for a part at line %zu", line_at(s, p));
        s->np++;
    }
    obj_part *pt = &s->parts[s->np - 1];
    size_t k = 0;
    for (; p < eol && k < sizeof pt->name - 1; p++)
        if (*p >= 32) pt->name[k++] = (char)*p;
    pt->name[k] = 0;
    pt->first_tri = s->nt;
    return PF_E_OK;
}

/* Hands the gathered parts to the builder as triangle soup. */
static pf_err emit(obj_state *s, pf_mesh_builder *b)
{
    pf_err err = PF_E_OK;
    for (size_t i = 0; i < s->np; i++) {
        size_t from = s->parts[i].first_tri, to = i + 1 < s->np ? s->parts[i + 1].first_tri : s->nt;
        if (to == from) continue;
        if (pf_mesh_builder_part(b, s->parts[i].name, 1) != PF_E_OK)
            return pf_errf(s->eb, PF_E_NOMEM, "no memory for a part");
        float *dst = pf_mesh_builder_reserve(b, to - from, &err, s->eb);
        if (!dst) return err;
        for (size_t t = from; t < to; t++)
            for (int c = 0; c < 3; c++, dst += 3)
                memcpy(dst, s->verts + (size_t)s->tris[t * 3 + c] * 3, 12);
        pf_mesh_builder_commit(b, to - from);
    }
    return PF_E_OK;
}

pf_err pf__obj_read(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    obj_state s = {.buf = buf, .eb = eb, .max_triangles = b->max_triangles};
    const unsigned char *p = buf, *end = buf + len;
    pf_err err = PF_E_OK;
    b->format = PF_FORMAT_OBJ;
    if (b->ntris <= s.max_triangles) s.max_triangles -= b->ntris;
    if (!grow((void **)&s.parts, &s.pcap, 1, sizeof *s.parts)) {
        err = pf_errf(eb, PF_E_NOMEM, "no memory for a part");
        goto done;
    }
    s.np = 1;
    memset(&s.parts[0], 0, sizeof s.parts[0]);
    while (p < end) {
        while (p < end && pf__is_hspace(*p))
            p++;
        if (p == end) break;
        unsigned char c = *p, c1 = p + 1 < end ? p[1] : '\n';
        if (c == 'v' && pf__is_hspace(c1)) {
            err = vertex(&s, p + 1, end, &p);
        } else if (c == 'f' && pf__is_hspace(c1)) {
            err = face(&s, p + 1, end, &p);
        } else if ((c == 'o' || c == 'g') && (pf__is_hspace(c1) || c1 == '\n')) {
            err = group(&s, p + 1, end, &p);
        } else { /* vt, vn, usemtl, mtllib, s, l, comments, blank lines and anything else: ignored */
            const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
        }
        if (err != PF_E_OK) goto done;
    }
    if (s.max_ref > s.nv) {
        err = pf_errf(eb, PF_E_BAD_INDEX, "vertex index %llu at line %zu but the file has %zu vertices",
                      (unsigned long long)s.max_ref, line_at(&s, s.max_ref_at), s.nv);
        goto done;
    }
    if (s.nt == 0) {
        err = pf_errf(eb, PF_E_EMPTY_MESH, "OBJ has no faces (end of file at line %zu)",
                      pf__line_of_end(buf, end));
        goto done;
    }
    err = emit(&s, b);
done:
    free(s.parts);
    free(s.tris);
    free(s.verts);
    return err;
}
