/* ZIP reading through the central directory (with ZIP64), streaming raw inflate with bomb caps. */
#include "engine/zip.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "engine/dynlib.h"

/* zlib, opened when the first deflated entry is read (engine/dynlib.h): STL and OBJ intake never need it. */
typedef struct zlib_api {
    __typeof__(inflateInit2_) *init2;
    __typeof__(inflate) *run;
    __typeof__(inflateEnd) *end;
} zlib_api;
static zlib_api zl;
static const pf_dynsym zlib_syms[] = {
    PF_DYNSYM(zlib_api, init2, "inflateInit2_"),
    PF_DYNSYM(zlib_api, run, "inflate"),
    PF_DYNSYM(zlib_api, end, "inflateEnd"),
};
static pf_dynlib zlib_lib = PF_DYNLIB("libz.so.1", zlib_syms, &zl);
#define inflateInit2_ (zl.init2) /* what zlib.h's inflateInit2 calls */
#define inflate (zl.run)
#define inflateEnd (zl.end)

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define CHUNK ((size_t)64 * 1024)

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* True when [off, off+n) lies inside a buffer of len bytes, without overflowing. */
static int in_range(uint64_t off, uint64_t n, uint64_t len)
{
    return off <= len && n <= len - off;
}

static int fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Orders names by case-folded bytes; equal when they name the same OPC part. */
static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        int d = fold((unsigned char)a[i]) - fold((unsigned char)b[i]);
        if (d) return d;
    }
    return an < bn ? -1 : an > bn;
}

static int entry_cmp(const void *pa, const void *pb)
{
    const pf_zip_entry *a = pa, *b = pb;
    return name_cmp(a->name, a->name_len, b->name, b->name_len);
}

void pf_zip_entry_label(const pf_zip_entry *e, char *out, size_t cap)
{
    size_t n = e->name_len < cap - 1 ? e->name_len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)e->name[i];
        out[i] = c >= 32 && c < 127 ? (char)c : '?';
    }
    out[n] = 0;
}

/* Finds the end-of-central-directory record: the last signature whose comment fits the buffer. */
static pf_err find_eocd(const unsigned char *buf, size_t len, size_t *pos, pf_errbuf *eb)
{
    if (len < 22)
        return pf_errf(eb, PF_E_TRUNCATED, "zip byte %zu: too short for an end-of-directory record", len);
    size_t lo = len - 22 > 65535 ? len - 22 - 65535 : 0;
    for (size_t i = len - 22 + 1; i-- > lo;) {
        if (rd32(buf + i) == SIG_EOCD && (size_t)rd16(buf + i + 20) <= len - 22 - i) {
            *pos = i;
            return PF_E_OK;
        }
    }
    return pf_errf(eb, PF_E_TRUNCATED, "zip byte %zu: no end-of-central-directory record (truncated upload?)",
                   len);
}

/* Applies a ZIP64 extended-information extra field (id 1) to the fields that were saturated in the record. */
static pf_err zip64_extra(const unsigned char *ex, size_t exlen, uint64_t off, pf_zip_entry *e,
                          uint64_t *local, int need_size, int need_comp, int need_off, pf_errbuf *eb)
{
    size_t i = 0;
    while (i + 4 <= exlen) {
        uint16_t id = rd16(ex + i), sz = rd16(ex + i + 2);
        if (sz > exlen - i - 4) break;
        if (id == 1) {
            const unsigned char *p = ex + i + 4;
            size_t need = 8 * (size_t)(need_size + need_comp + need_off);
            if (sz < need)
                return pf_errf(eb, PF_E_ZIP, "zip byte %llu: ZIP64 extra field holds %u bytes, needs %zu",
                               (unsigned long long)off, sz, need);
            if (need_size) e->size = rd64(p), p += 8;
            if (need_comp) e->comp_size = rd64(p), p += 8;
            if (need_off) *local = rd64(p);
            return PF_E_OK;
        }
        i += 4 + (size_t)sz;
    }
    if (need_size || need_comp || need_off)
        return pf_errf(eb, PF_E_ZIP, "zip byte %llu: sizes saturated but no ZIP64 extra field",
                       (unsigned long long)off);
    return PF_E_OK;
}

/* Parses one central directory record at *p (bounded by end) into e and checks its local header. */
static pf_err read_central(const pf_zip *z, size_t *p, size_t end, uint64_t data_end, pf_zip_entry *e,
                           pf_errbuf *eb)
{
    const unsigned char *b = z->buf;
    size_t off = *p;
    if (end - off < 46 || rd32(b + off) != SIG_CENTRAL)
        return pf_errf(eb, PF_E_ZIP, "zip byte %zu: expected a central directory record", off);
    uint16_t flags = rd16(b + off + 8), nlen = rd16(b + off + 28), xlen = rd16(b + off + 30);
    uint16_t clen = rd16(b + off + 32);
    if ((size_t)nlen + xlen + clen > end - off - 46)
        return pf_errf(eb, PF_E_ZIP, "zip byte %zu: central directory record overruns the directory", off);
    memset(e, 0, sizeof *e);
    e->method = rd16(b + off + 10);
    e->comp_size = rd32(b + off + 20);
    e->size = rd32(b + off + 24);
    e->name = (const char *)b + off + 46;
    e->name_len = nlen;
    e->header_off = off;
    uint64_t local = rd32(b + off + 42);
    pf_err err = zip64_extra(b + off + 46 + nlen, xlen, off, e, &local, e->size == UINT32_MAX,
                             e->comp_size == UINT32_MAX, local == UINT32_MAX, eb);
    if (err != PF_E_OK) return err;
    if (flags & 1)
        return pf_errf(eb, PF_E_UNSUPPORTED, "zip byte %zu: encrypted entries are not supported", off);
    if (!in_range(local, 30, data_end) || rd32(b + local) != SIG_LOCAL)
        return pf_errf(eb, PF_E_ZIP, "zip byte %zu: local header offset %llu is not a local header", off,
                       (unsigned long long)local);
    uint16_t lnlen = rd16(b + local + 26), lxlen = rd16(b + local + 28);
    /* The local name must be the central one: a mismatch is how archive-confusion tricks start. */
    if (lnlen != nlen || !in_range(local + 30, (uint64_t)lnlen + lxlen, data_end) ||
        memcmp(b + local + 30, e->name, nlen) != 0)
        return pf_errf(eb, PF_E_ZIP, "zip byte %llu: local header does not match its central record",
                       (unsigned long long)local);
    e->data_off = local + 30 + lnlen + lxlen;
    if (!in_range(e->data_off, e->comp_size, data_end))
        return pf_errf(eb, PF_E_ZIP, "zip byte %llu: entry data of %llu bytes runs past the archive",
                       (unsigned long long)e->data_off, (unsigned long long)e->comp_size);
    *p = off + 46 + nlen + xlen + clen;
    return PF_E_OK;
}

pf_err pf_zip_open(pf_zip *z, const unsigned char *buf, size_t len, const pf_intake_limits *lim,
                   pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    pf_zip_entry *ents = NULL;
    size_t eocd = 0;
    memset(z, 0, sizeof *z);
    if ((err = find_eocd(buf, len, &eocd, eb)) != PF_E_OK) goto done;
    uint64_t count = rd16(buf + eocd + 10), cd_size = rd32(buf + eocd + 12), cd_off = rd32(buf + eocd + 16);
    uint64_t dir_end = eocd; /* where the central directory must end */
    if (rd16(buf + eocd + 4) != 0 || rd16(buf + eocd + 6) != 0) {
        err = pf_errf(eb, PF_E_UNSUPPORTED, "zip byte %zu: multi-disk archives are not supported", eocd);
        goto done;
    }
    if (eocd >= 20 && rd32(buf + eocd - 20) == SIG_LOC64) {
        uint64_t r = rd64(buf + eocd - 20 + 8);
        if (!in_range(r, 56, eocd - 20) || rd32(buf + r) != SIG_EOCD64) {
            err = pf_errf(eb, PF_E_ZIP, "zip byte %zu: ZIP64 locator points to %llu, not a ZIP64 record",
                          eocd - 20, (unsigned long long)r);
            goto done;
        }
        count = rd64(buf + r + 32);
        cd_size = rd64(buf + r + 40);
        cd_off = rd64(buf + r + 48);
        dir_end = r;
    } else if (count == 0xffff || cd_size == UINT32_MAX || cd_off == UINT32_MAX) {
        err = pf_errf(eb, PF_E_ZIP, "zip byte %zu: saturated end record without a ZIP64 locator", eocd);
        goto done;
    }
    if (!in_range(cd_off, cd_size, dir_end)) {
        err = pf_errf(eb, PF_E_ZIP,
                      "zip byte %zu: central directory at %llu (%llu bytes) lies outside the archive", eocd,
                      (unsigned long long)cd_off, (unsigned long long)cd_size);
        goto done;
    }
    if (count == 0 || count > cd_size / 46) {
        err = pf_errf(eb, PF_E_ZIP, "zip byte %zu: %llu entries cannot fit a %llu-byte central directory",
                      eocd, (unsigned long long)count, (unsigned long long)cd_size);
        goto done;
    }
    if (!(ents = calloc((size_t)count, sizeof *ents))) {
        err = PF_E_NOMEM;
        goto done;
    }
    z->buf = buf;
    z->len = len;
    size_t p = (size_t)cd_off;
    for (uint64_t i = 0; i < count; i++)
        if ((err = read_central(z, &p, (size_t)(cd_off + cd_size), cd_off, &ents[i], eb)) != PF_E_OK)
            goto done;
    qsort(ents, (size_t)count, sizeof *ents, entry_cmp);
    for (uint64_t i = 1; i < count; i++) {
        if (entry_cmp(&ents[i - 1], &ents[i]) == 0) {
            char lab[80];
            pf_zip_entry_label(&ents[i], lab, sizeof lab);
            err = pf_errf(eb, PF_E_ZIP, "zip byte %llu: duplicate entry name %s",
                          (unsigned long long)ents[i].header_off, lab);
            goto done;
        }
    }
    z->entries = ents;
    z->n = (size_t)count;
    z->max_entry = lim->max_entry_inflated;
    z->max_total = lim->max_total_inflated;
    z->max_ratio = lim->max_inflate_ratio;
    ents = NULL;
done:
    free(ents);
    if (err != PF_E_OK) memset(z, 0, sizeof *z);
    return err;
}

void pf_zip_close(pf_zip *z)
{
    if (!z) return;
    free(z->entries);
    memset(z, 0, sizeof *z);
}

const pf_zip_entry *pf_zip_find(const pf_zip *z, const char *part, size_t part_len)
{
    if (part_len && part[0] == '/') part++, part_len--;
    size_t lo = 0, hi = z->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(z->entries[mid].name, z->entries[mid].name_len, part, part_len);
        if (c == 0) return &z->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Checks the caps after an entry has produced `got` bytes; fills eb with the entry and offset. */
static pf_err check_caps(const pf_zip *z, const pf_zip_entry *e, uint64_t got, pf_errbuf *eb)
{
    char lab[80];
    unsigned long long at = (unsigned long long)e->data_off;
    if (got <= z->max_entry && got <= z->max_total - z->inflated &&
        (e->method == 0 || got / z->max_ratio <= e->comp_size)) /* division: the product could overflow */
        return PF_E_OK;
    pf_zip_entry_label(e, lab, sizeof lab);
    if (got > z->max_entry)
        return pf_errf(eb, PF_E_ZIP_BOMB, "%s (zip byte %llu): inflates past the entry cap of %llu bytes",
                       lab, at, (unsigned long long)z->max_entry);
    if (got > z->max_total - z->inflated)
        return pf_errf(eb, PF_E_ZIP_BOMB, "%s (zip byte %llu): inflates past the total cap of %llu bytes",
                       lab, at, (unsigned long long)z->max_total);
    return pf_errf(eb, PF_E_ZIP_BOMB,
                   "%s (zip byte %llu): inflates past %llu times its %llu compressed bytes", lab, at,
                   (unsigned long long)z->max_ratio, (unsigned long long)e->comp_size);
}

static pf_err stream_stored(pf_zip *z, const pf_zip_entry *e, pf_zip_sink sink, void *ctx, pf_errbuf *eb)
{
    char lab[80];
    if (e->size != e->comp_size) {
        pf_zip_entry_label(e, lab, sizeof lab);
        return pf_errf(eb, PF_E_ZIP, "%s (zip byte %llu): stored entry of %llu bytes claims %llu", lab,
                       (unsigned long long)e->header_off, (unsigned long long)e->comp_size,
                       (unsigned long long)e->size);
    }
    pf_err err = check_caps(z, e, e->size, eb);
    if (err != PF_E_OK) return err;
    const unsigned char *p = z->buf + e->data_off;
    for (uint64_t done = 0; done < e->size;) {
        size_t n = e->size - done < CHUNK ? (size_t)(e->size - done) : CHUNK;
        if ((err = sink(ctx, p + done, n, eb)) != PF_E_OK) return err;
        done += n;
    }
    z->inflated += e->size;
    return PF_E_OK;
}

pf_err pf_zip_stream(pf_zip *z, const pf_zip_entry *e, pf_zip_sink sink, void *ctx, pf_errbuf *eb)
{
    char lab[80];
    pf_zip_entry_label(e, lab, sizeof lab);
    if (e->method == 0) return stream_stored(z, e, sink, ctx, eb);
    if (e->method != 8)
        return pf_errf(eb, PF_E_UNSUPPORTED, "%s (zip byte %llu): compression method %u is not supported",
                       lab, (unsigned long long)e->header_off, e->method);
    /* A lying central directory is answered before any work. */
    pf_err err = check_caps(z, e, e->size, eb);
    if (err != PF_E_OK) return err;
    if ((err = pf_dynlib_load(&zlib_lib, eb))) return err;
    unsigned char *out = malloc(CHUNK);
    if (!out) return PF_E_NOMEM;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK) {
        free(out);
        return PF_E_NOMEM;
    }
    const unsigned char *in = z->buf + e->data_off;
    uint64_t in_left = e->comp_size, got = 0;
    int zr = Z_OK;
    while (zr != Z_STREAM_END) {
        if (zs.avail_in == 0 && in_left) {
            zs.avail_in = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
            zs.next_in = (unsigned char *)in;
            in += zs.avail_in;
            in_left -= zs.avail_in;
        }
        zs.next_out = out;
        zs.avail_out = (uInt)CHUNK;
        zr = inflate(&zs, Z_NO_FLUSH);
        size_t n = CHUNK - zs.avail_out;
        if (zr == Z_NEED_DICT || zr == Z_DATA_ERROR || zr == Z_MEM_ERROR ||
            (zr == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0)) {
            uint64_t at = e->data_off + (e->comp_size - in_left - zs.avail_in);
            err = zr == Z_MEM_ERROR
                      ? PF_E_NOMEM
                      : pf_errf(eb, PF_E_ZIP, "%s (zip byte %llu): %s", lab, (unsigned long long)at,
                                zr == Z_BUF_ERROR ? "deflate data ends early"
                                                  : (zs.msg ? zs.msg : "corrupt deflate data"));
            goto done;
        }
        got += n;
        if (got > e->size) { /* stop at the declared size: it is what the caps were checked against */
            err = pf_errf(eb, PF_E_ZIP, "%s (zip byte %llu): inflates past the %llu bytes the directory says",
                          lab, (unsigned long long)e->header_off, (unsigned long long)e->size);
            goto done;
        }
        if ((err = check_caps(z, e, got, eb)) != PF_E_OK) goto done;
        if (n && (err = sink(ctx, out, n, eb)) != PF_E_OK) goto done;
    }
    if (got != e->size) {
        err =
            pf_errf(eb, PF_E_ZIP, "%s (zip byte %llu): inflates to %llu bytes, the directory says %llu", lab,
                    (unsigned long long)e->header_off, (unsigned long long)got, (unsigned long long)e->size);
        goto done;
    }
    z->inflated += got;
done:
    inflateEnd(&zs);
    free(out);
    return err;
}
