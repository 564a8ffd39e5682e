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

/* Everything gathered in one pass. Almost every file defines vertices before faces use them, so triangles go
 * straight into the builder ("direct" mode). Faces may also name vertices that come later in the file: on the
 * first such face the pass is abandoned and the file read again with triangles kept as indices ("deferred"
 * mode), turned into coordinates only at the end, when every vertex is known. */
typedef struct obj_state {
    const unsigned char *buf; /* start of the file, for line numbers */
    pf_errbuf *eb;            /* where errors are described */
    pf_mesh_builder *b;       /* receives the triangles */
    int direct;               /* 1: triangles go to b as they are read; 0: kept in tris until the end */
    int restart;              /* set in direct mode when a face names a later vertex */
    float *verts;             /* 3·nv coordinates */
    size_t nv, vcap;          /* vertex count and capacity (in vertices) */
    uint32_t *tris;           /* deferred mode: 3·nt zero-based vertex indices */
    size_t nt, tcap;          /* triangle count and capacity (in triangles) */
    obj_part *parts;          /* deferred mode: np parts, the first one implicit */
    size_t np, pcap;          /* part count and capacity */
    size_t max_triangles;     /* limit from the builder */
    uint64_t max_ref;         /* largest positive index not yet defined where it was used (0: none) */
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
    if (s->direct) {
        pf_err err = PF_E_OK;
        float *dst = pf_mesh_builder_reserve(s->b, 1, &err, s->eb);
        if (!dst) return err;
        memcpy(dst, s->verts + (size_t)a * 3, 12);
        memcpy(dst + 3, s->verts + (size_t)b * 3, 12);
        memcpy(dst + 6, s->verts + (size_t)c * 3, 12);
        pf_mesh_builder_commit(s->b, 1);
    } else {
        if (s->nt == s->tcap && !grow((void **)&s->tris, &s->tcap, s->nt + 1, 12))
            return pf_errf(s->eb, PF_E_NOMEM, "no memory for triangle %zu at line %zu", s->nt + 1,
                           line_at(s, at));
        uint32_t *t = s->tris + s->nt * 3;
        t[0] = a;
        t[1] = b;
        t[2] = c;
    }
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
            if (idx > s->nv && s->direct) {
                s->restart = 1; /* a forward reference: read again in deferred mode */
                return PF_E_BAD_INDEX;
            }
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
    if (s->direct) {
        if (pf_mesh_builder_part(s->b, name, 1) != PF_E_OK)
            return pf_errf(s->eb, PF_E_NOMEM, "no memory for a part at line %zu", line_at(s, eol));
        return PF_E_OK;
    }
    if (s->parts[s->np - 1].first_tri != s->nt) {
        if (!grow((void **)&s->parts, &s->pcap, s->np + 1, sizeof *s->parts))
            return pf_errf(s->eb, PF_E_NOMEM, "no memory for a part at line %zu", line_at(s, eol));
        s->np++;
    }
    obj_part *pt = &s->parts[s->np - 1];
    memcpy(pt->name, name, sizeof name);
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

/* One pass over the whole file in the mode s->direct says. */
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
    return s->direct ? PF_E_OK : emit(s, s->b);
}

pf_err pf__obj_read(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    obj_state s = {.buf = buf, .eb = eb, .b = b, .direct = 1, .max_triangles = b->max_triangles};
    size_t ntris0 = b->ntris, nparts0 = b->nparts;
    pf_err err = PF_E_OK;
    b->format = PF_FORMAT_OBJ;
    if (ntris0 <= s.max_triangles) s.max_triangles -= ntris0;
    /* Room for typical files up front (about 30 bytes of text per vertex, 24 per triangle), so growth rarely
     * copies; only capacity is taken, pages are touched as they fill. */
    size_t vguess = len / 30 + 16, tguess = len / 24 + 16;
    if (tguess > s.max_triangles) tguess = s.max_triangles;
    if (!grow((void **)&s.verts, &s.vcap, vguess, 12) ||
        (tguess && !pf_mesh_builder_reserve(b, tguess, &err, eb)) ||
        (err = pf_mesh_builder_part(b, "", 1)) != PF_E_OK) {
        err = pf_errf(eb, PF_E_NOMEM, "no memory for a %zu-byte OBJ", len);
        goto done;
    }
    err = parse(&s, buf, buf + len);
    if (err != PF_E_OK && s.restart) {
        /* Forget the direct pass: the builder goes back to how it came, the vertices are read again. */
        b->ntris = ntris0;
        b->nparts = nparts0;
        s.direct = 0;
        s.restart = 0;
        s.nv = s.nt = 0;
        if (!grow((void **)&s.parts, &s.pcap, 1, sizeof *s.parts)) {
            err = pf_errf(eb, PF_E_NOMEM, "no memory for a part");
            goto done;
        }
        s.np = 1;
        memset(&s.parts[0], 0, sizeof s.parts[0]);
        err = parse(&s, buf, buf + len);
    }
done:
    free(s.parts);
    free(s.tris);
    free(s.verts);
    return err;
}
