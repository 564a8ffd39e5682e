/* STL reader: binary (84 + 50·n bytes) and ASCII ("solid … facet … endsolid", several solids per file). */
#include "engine/intake_internal.h"

#include <math.h>
#include <string.h>

static pf_err read_binary(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    if (len < 84)
        return pf_errf(eb, PF_E_TRUNCATED, "binary STL shorter than its 84-byte header (%zu bytes)", len);
    uint32_t n =
        (uint32_t)buf[80] | (uint32_t)buf[81] << 8 | (uint32_t)buf[82] << 16 | (uint32_t)buf[83] << 24;
    uint64_t need = (uint64_t)84 + (uint64_t)50 * n;
    if (need > len)
        return pf_errf(eb, PF_E_TRUNCATED, "binary STL declares %u triangles (%llu bytes) but has %zu bytes",
                       n, (unsigned long long)need, len);
    if (need < len)
        return pf_errf(eb, PF_E_PARSE,
                       "binary STL declares %u triangles but has %zu trailing bytes at byte %llu", n,
                       (size_t)(len - need), (unsigned long long)need);
    b->format = PF_FORMAT_STL_BINARY;
    pf_err err = PF_E_OK;
    if (pf_mesh_builder_part(b, "", 1) != PF_E_OK) return PF_E_NOMEM;
    float *dst = pf_mesh_builder_reserve(b, n, &err, eb);
    if (!dst) return err;
    const unsigned char *p = buf + 84;
    for (uint32_t i = 0; i < n; i++, p += 50, dst += 9) {
        memcpy(dst, p + 12, 36);
        for (int k = 0; k < 9; k++)
            if (!isfinite(dst[k]))
                return pf_errf(eb, PF_E_BAD_NUMBER, "non-finite coordinate in triangle %u (byte %zu)", i,
                               (size_t)(p - buf) + 12 + 4 * (size_t)k);
    }
    pf_mesh_builder_commit(b, n);
    return PF_E_OK;
}

static pf_err read_ascii(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    (void)buf;
    (void)len;
    (void)b;
    return pf_errf(eb, PF_E_UNSUPPORTED, "ASCII STL is not read yet");
}

pf_err pf__stl_read(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    return pf_mesh_detect(buf, len) == PF_FORMAT_STL_ASCII ? read_ascii(buf, len, b, eb)
                                                           : read_binary(buf, len, b, eb);
}
