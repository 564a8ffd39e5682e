/* STL reader: binary (84 + 50·n bytes) and ASCII ("solid … facet … endsolid", several solids per file). */
#include "engine/intake_internal.h"
#include "engine/intake_text.h"

#include <math.h>
#include <string.h>

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Binary STL: 80-byte header, uint32 count, then 50-byte records (normal, 3 vertices, attribute word). The
 * size must match the count exactly; normals and attributes are ignored. Positions are byte offsets. */
static pf_err read_binary(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    if (len < 84)
        return pf_errf(eb, PF_E_TRUNCATED, "binary STL ends at byte %zu, inside its 84-byte header", len);
    uint32_t n = le32(buf + 80);
    uint64_t need = (uint64_t)84 + (uint64_t)50 * n;
    if (need > len)
        return pf_errf(
            eb, PF_E_TRUNCATED,
            "binary STL declares %u triangles (%llu bytes) but ends at byte %zu, inside triangle %zu", n,
            (unsigned long long)need, len, (len - 84) / 50);
    if (need < len)
        return pf_errf(eb, PF_E_PARSE,
                       "binary STL declares %u triangles but has %zu trailing bytes at byte %llu", n,
                       (size_t)(len - need), (unsigned long long)need);
    if (n == 0) return pf_errf(eb, PF_E_EMPTY_MESH, "binary STL declares 0 triangles (byte 80)");
    if (n > b->max_triangles || b->ntris > b->max_triangles - n)
        return pf_errf(eb, PF_E_TOO_MANY_TRIANGLES,
                       "binary STL declares %u triangles, over the limit of %zu (byte 80)", n,
                       b->max_triangles);
    b->format = PF_FORMAT_STL_BINARY;
    pf_err err = PF_E_OK;
    if (pf_mesh_builder_part(b, "", 1) != PF_E_OK) return pf_errf(eb, PF_E_NOMEM, "no memory for a part");
    float *dst = pf_mesh_builder_reserve(b, n, &err, eb);
    if (!dst) return err;
    const unsigned char *p = buf + 84;
    for (uint32_t i = 0; i < n; i++, p += 50, dst += 9) {
        memcpy(dst, p + 12, 36); /* little-endian IEEE floats, like every platform PrintForge runs on */
        for (int k = 0; k < 9; k++)
            if (!isfinite(dst[k]))
                return pf_errf(eb, PF_E_BAD_NUMBER, "non-finite coordinate in triangle %u at byte %zu", i,
                               (size_t)(p - buf) + 12 + 4 * (size_t)k);
    }
    pf_mesh_builder_commit(b, n);
    return PF_E_OK;
}

/* ---- ASCII ---- */

/* Cursor over an ASCII STL. Only the position moves: lines are counted from buf when an error is reported. */
typedef struct stl_text {
    const unsigned char *buf; /* start of the file, for line numbers */
    const unsigned char *p;   /* next unread byte */
    const unsigned char *end; /* one past the last byte */
    pf_errbuf *eb;            /* where errors are described */
} stl_text;

/* Skips whitespace and returns the length of the token at t->p (0 at end of file). */
static inline size_t next_token(stl_text *t)
{
    const unsigned char *p = t->p, *end = t->end;
    while (p < end && pf__is_space(*p))
        p++;
    t->p = p;
    const unsigned char *q = p;
    while (q < end && !pf__is_space(*q))
        q++;
    return (size_t)(q - p);
}

/* Case-insensitive match of the n-byte token at p with a lower-case keyword (admesh writes upper case). */
static inline int token_is(const unsigned char *p, size_t n, const char *kw, size_t kwlen)
{
    if (n != kwlen) return 0;
    if (memcmp(p, kw, n) == 0) return 1;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != (unsigned char)kw[i]) return 0;
    return 1;
}

/* Reports what was found where keyword kw was expected: TRUNCATED at end of file, PARSE otherwise. */
static pf_err unexpected(stl_text *t, size_t n, const char *kw)
{
    size_t line = n ? pf__line_of(t->buf, t->p) : pf__line_of_end(t->buf, t->end);
    if (n == 0)
        return pf_errf(t->eb, PF_E_TRUNCATED, "ASCII STL ends at line %zu where '%s' was expected", line, kw);
    int shown = n > 32 ? 32 : (int)n;
    for (int i = 0; i < shown; i++)
        if (t->p[i] < 32 || t->p[i] > 126) shown = i; /* keep the message printable */
    return pf_errf(t->eb, PF_E_PARSE, "expected '%s' at line %zu, found '%.*s'", kw, line, shown,
                   (const char *)t->p);
}

static inline pf_err expect(stl_text *t, const char *kw, size_t kwlen)
{
    size_t n = next_token(t);
    if (!token_is(t->p, n, kw, kwlen)) return unexpected(t, n, kw);
    t->p += n;
    return PF_E_OK;
}

#define EXPECT(t, kw) expect((t), kw, sizeof kw - 1)

/* Reads one coordinate: a number followed by whitespace or the end, finite. */
static inline pf_err coord(stl_text *t, float *out)
{
    size_t n = next_token(t);
    const unsigned char *q = n ? pf__parse_float(t->p, t->end, out) : NULL;
    if (!n) return unexpected(t, 0, "vertex coordinate");
    if (!q || q != t->p + n || !isfinite(*out)) {
        int shown = n > 32 ? 32 : (int)n;
        for (int i = 0; i < shown; i++)
            if (t->p[i] < 32 || t->p[i] > 126) shown = i;
        return pf_errf(t->eb, PF_E_BAD_NUMBER, "bad coordinate '%.*s' at line %zu", shown, (const char *)t->p,
                       pf__line_of(t->buf, t->p));
    }
    t->p = q;
    return PF_E_OK;
}

/* Copies the rest of the current line (trimmed, printable bytes only, at most 63) into name and moves past
 * it. */
static void rest_of_line(stl_text *t, char name[64])
{
    const unsigned char *p = t->p, *end = t->end;
    while (p < end && pf__is_hspace(*p))
        p++;
    const unsigned char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    const unsigned char *eol = nl ? nl : end;
    t->p = nl ? nl + 1 : end;
    while (eol > p && pf__is_space(eol[-1]))
        eol--;
    size_t k = 0;
    for (; p < eol && k < 63; p++)
        if (*p >= 32) name[k++] = (char)*p;
    name[k] = 0;
}

/* One facet after its "facet" keyword: optional normal (skipped: exporters write "nan" normals for degenerate
 * facets, and PrintForge recomputes normals anyway), the loop of exactly three vertices, endloop, endfacet.
 */
static pf_err facet(stl_text *t, pf_mesh_builder *b)
{
    pf_err err;
    size_t n = next_token(t);
    if (token_is(t->p, n, "normal", 6)) {
        t->p += n;
        for (int i = 0; i < 3; i++) {
            n = next_token(t);
            if (!n) return unexpected(t, 0, "normal component");
            t->p += n;
        }
    }
    if ((err = EXPECT(t, "outer")) != PF_E_OK || (err = EXPECT(t, "loop")) != PF_E_OK) return err;
    float v[9];
    for (int i = 0; i < 3; i++) {
        if ((err = EXPECT(t, "vertex")) != PF_E_OK) return err;
        for (int k = 0; k < 3; k++)
            if ((err = coord(t, &v[i * 3 + k])) != PF_E_OK) return err;
    }
    if ((err = EXPECT(t, "endloop")) != PF_E_OK || (err = EXPECT(t, "endfacet")) != PF_E_OK) return err;
    if ((err = pf_mesh_builder_tri(b, v, t->eb)) != PF_E_OK) {
        if (err == PF_E_TOO_MANY_TRIANGLES)
            return pf_errf(t->eb, err, "more than %zu triangles at line %zu", b->max_triangles,
                           pf__line_of(t->buf, t->p));
        return err;
    }
    return PF_E_OK;
}

/* ASCII STL: one or more "solid NAME … endsolid" blocks, each becoming a part named NAME. Keywords are
 * matched case-insensitively; any whitespace separates tokens. Positions are line numbers. */
static pf_err read_ascii(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    stl_text t = {buf, buf, buf + len, eb};
    size_t first = b->ntris;
    pf_err err = PF_E_OK;
    b->format = PF_FORMAT_STL_ASCII;
    /* Room for a typical file up front (about 250 bytes of text per facet) so the soup rarely moves; only
     * capacity is taken, pages are touched as they fill. */
    size_t guess = len / 250 + 16, room = b->max_triangles > b->ntris ? b->max_triangles - b->ntris : 0;
    if (guess > room) guess = room;
    if (guess && !pf_mesh_builder_reserve(b, guess, &err, eb)) return err;
    for (int solids = 0;; solids++) {
        size_t n = next_token(&t);
        if (n == 0 && solids > 0) break;
        if (!token_is(t.p, n, "solid", 5)) return unexpected(&t, n, "solid");
        t.p += n;
        char name[64];
        rest_of_line(&t, name);
        if (pf_mesh_builder_part(b, name, 1) != PF_E_OK)
            return pf_errf(eb, PF_E_NOMEM, "no memory for a part");
        for (;;) {
            n = next_token(&t);
            if (token_is(t.p, n, "facet", 5)) {
                t.p += n;
                if ((err = facet(&t, b)) != PF_E_OK) return err;
            } else if (token_is(t.p, n, "endsolid", 8)) {
                t.p += n;
                rest_of_line(&t, name); /* the repeated name is not checked: exporters disagree on it */
                break;
            } else {
                return unexpected(&t, n, n ? "facet' or 'endsolid" : "endsolid");
            }
        }
    }
    if (b->ntris == first)
        return pf_errf(eb, PF_E_EMPTY_MESH, "ASCII STL has no facets (end of file at line %zu)",
                       pf__line_of_end(buf, buf + len));
    return PF_E_OK;
}

pf_err pf__stl_read(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    /* Structure decides: a size of exactly 84 + 50·n is binary even when the header starts with "solid". */
    return pf_mesh_detect(buf, len) == PF_FORMAT_STL_ASCII ? read_ascii(buf, len, b, eb)
                                                           : read_binary(buf, len, b, eb);
}
