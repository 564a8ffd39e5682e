/* Content-addressed model blobs: streamed zstd compression into LMDB chunks, SHA-256 addressing, dedup and
 * reference counting. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "storage/store_internal.h"

/* Compressed bytes per LMDB value; each full chunk is committed on its own while the upload streams in. */
#define CHUNK ((size_t)1 << 20)
#define ZSTD_LEVEL 3

/* The value of "blobs" (sha256 -> meta). */
typedef struct blob_meta {
    uint64_t blob_no; /* chunk namespace in blob_chunks */
    uint64_t size;    /* original bytes */
    uint64_t csize;   /* compressed bytes */
    uint64_t nchunks; /* chunks 0..nchunks-1 */
    uint64_t refs;    /* references held by records */
} blob_meta;

static const pf_field meta_fields[] = {
    {"blob_no", PF_F_U64, offsetof(blob_meta, blob_no)}, {"size", PF_F_U64, offsetof(blob_meta, size)},
    {"csize", PF_F_U64, offsetof(blob_meta, csize)},     {"nchunks", PF_F_U64, offsetof(blob_meta, nchunks)},
    {"refs", PF_F_U64, offsetof(blob_meta, refs)},
};
#define NMETA (sizeof meta_fields / sizeof meta_fields[0])

struct pf_blob_writer {
    pf_store *st;                 /* owner */
    ZSTD_CCtx *cctx;              /* streaming compressor */
    crypto_hash_sha256_state sha; /* digest of the original bytes */
    uint8_t *out;                 /* compressed chunk being filled (CHUNK bytes) */
    size_t out_len;               /* bytes used in out */
    uint64_t blob_no;             /* chunk namespace, also the pending marker */
    uint64_t nchunks;             /* full chunks committed */
    uint64_t size;                /* original bytes seen */
    uint64_t csize;               /* compressed bytes committed */
    bool ended;                   /* compression finished; out holds the last chunk */
    bool published;               /* finish committed in a transaction of its own */
    pf_sha256 digest;             /* valid once ended */
};

static void chunk_key(uint8_t *k, uint64_t blob_no, uint64_t i)
{
    pf__be64(k, blob_no);
    for (int j = 0; j < 4; j++)
        k[8 + j] = (uint8_t)(i >> (24 - 8 * j));
}

static pf_err meta_get(pf_txn *t, const pf_sha256 *sha, blob_meta *m, pf_errbuf *eb)
{
    MDB_val k = {32, (void *)sha->b}, v;
    int rc = mdb_get(t->txn, t->st->blobs, &k, &v);
    if (rc == MDB_NOTFOUND) return pf_errf(eb, PF_E_NOT_FOUND, "blob not found");
    if (rc) return pf__mdb_err(eb, rc, "blobs");
    *m = (blob_meta){0};
    return pf__rec_decode(meta_fields, NMETA, v.mv_data, v.mv_size, m, eb);
}

static pf_err meta_put(pf_txn *t, const pf_sha256 *sha, const blob_meta *m, pf_errbuf *eb)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    pf_err err = pf__rec_encode(meta_fields, NMETA, 1, m, &sb);
    if (!err) {
        MDB_val k = {32, (void *)sha->b}, v = {sb.size, sb.data};
        int rc = pf__put(t, t->st->blobs, &k, &v, 0);
        if (rc) err = pf__mdb_err(eb, rc, "blobs");
    } else {
        pf_errf(eb, err, "encoding blob meta");
    }
    msgpack_sbuffer_destroy(&sb);
    return err;
}

/* Deletes every chunk of blob_no. */
static pf_err drop_chunks(pf_txn *t, uint64_t blob_no, pf_errbuf *eb)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->st->chunks, &c);
    if (rc) return pf__mdb_err(eb, rc, "blob_chunks");
    uint8_t kb[12];
    chunk_key(kb, blob_no, 0);
    for (;;) {
        MDB_val k = {12, kb}, v;
        if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE))) break;
        if (k.mv_size != 12 || pf__rd64(k.mv_data) != blob_no) break;
        if ((rc = mdb_cursor_del(c, 0))) break;
    }
    if (rc == MDB_MAP_FULL) t->map_full = true;
    mdb_cursor_close(c);
    return rc && rc != MDB_NOTFOUND ? pf__mdb_err(eb, rc, "dropping chunks") : PF_E_OK;
}

static pf_err put_chunk(pf_txn *t, uint64_t blob_no, uint64_t i, const void *data, size_t len, pf_errbuf *eb)
{
    uint8_t kb[12];
    chunk_key(kb, blob_no, i);
    MDB_val k = {12, kb}, v = {len, (void *)data};
    int rc = pf__put(t, t->st->chunks, &k, &v, 0);
    return rc ? pf__mdb_err(eb, rc, "blob_chunks") : PF_E_OK;
}

pf_err pf__blob_ref(pf_txn *t, const pf_sha256 *sha, int delta, pf_errbuf *eb)
{
    blob_meta m;
    pf_err err = meta_get(t, sha, &m, eb);
    if (err) return err;
    if (delta < 0 && m.refs < (uint64_t)-delta)
        return pf_errf(eb, PF_E_STORAGE, "blob reference count underflow");
    m.refs += (uint64_t)(int64_t)delta;
    if (m.refs || delta > 0) return meta_put(t, sha, &m, eb);
    if ((err = drop_chunks(t, m.blob_no, eb))) return err;
    MDB_val k = {32, (void *)sha->b};
    int rc = pf__del(t, t->st->blobs, &k, NULL);
    return rc ? pf__mdb_err(eb, rc, "blobs") : PF_E_OK;
}

pf_err pf__blob_drop_pending(pf_txn *t, pf_errbuf *eb)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->st->pending, &c);
    if (rc) return pf__mdb_err(eb, rc, "blob_pending");
    pf_err err = PF_E_OK;
    MDB_val k, v;
    while ((rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0) {
        if (k.mv_size != 8) {
            err = pf_errf(eb, PF_E_STORAGE, "blob_pending: malformed key");
            break;
        }
        if ((err = drop_chunks(t, pf__rd64(k.mv_data), eb))) break;
        if ((rc = mdb_cursor_del(c, 0))) break;
    }
    if (rc == MDB_MAP_FULL) t->map_full = true;
    mdb_cursor_close(c);
    if (!err && rc && rc != MDB_NOTFOUND) err = pf__mdb_err(eb, rc, "blob_pending");
    return err;
}

/* ---- writer ---- */

typedef struct begin_ctx {
    uint64_t blob_no; /* allocated number */
} begin_ctx;

static pf_err begin_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    begin_ctx *c = vctx;
    pf_err err = pf__counter_add(t, "blob_no", 1, &c->blob_no, eb);
    if (err) return err;
    uint8_t kb[8];
    pf__be64(kb, c->blob_no);
    MDB_val k = {8, kb}, v = {0, ""};
    int rc = pf__put(t, t->st->pending, &k, &v, 0);
    return rc ? pf__mdb_err(eb, rc, "blob_pending") : PF_E_OK;
}

pf_err pf_store_blob_begin(pf_store *st, pf_blob_writer **out, pf_errbuf *eb)
{
    pf_blob_writer *w = calloc(1, sizeof *w);
    if (!w) return pf_errf(eb, PF_E_NOMEM, "blob writer");
    w->st = st;
    w->cctx = ZSTD_createCCtx();
    w->out = malloc(CHUNK);
    pf_err err = PF_E_OK;
    if (!w->cctx || !w->out) {
        err = pf_errf(eb, PF_E_NOMEM, "blob writer");
        goto fail;
    }
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL);
    crypto_hash_sha256_init(&w->sha);
    begin_ctx c = {0};
    if ((err = pf_store_write(st, begin_fn, &c, eb))) goto fail;
    w->blob_no = c.blob_no;
    *out = w;
    return PF_E_OK;
fail:
    ZSTD_freeCCtx(w->cctx);
    free(w->out);
    free(w);
    return err;
}

typedef struct chunk_ctx {
    pf_blob_writer *w; /* writer whose full chunk is committed */
} chunk_ctx;

static pf_err chunk_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    pf_blob_writer *w = ((chunk_ctx *)vctx)->w;
    return put_chunk(t, w->blob_no, w->nchunks, w->out, w->out_len, eb);
}

static pf_err flush_full_chunk(pf_blob_writer *w, pf_errbuf *eb)
{
    chunk_ctx c = {w};
    pf_err err = pf_store_write(w->st, chunk_fn, &c, eb);
    if (err) return err;
    w->nchunks++;
    w->csize += w->out_len;
    w->out_len = 0;
    return PF_E_OK;
}

/* Runs the compressor over in with mode, committing each chunk that fills. */
static pf_err compress(pf_blob_writer *w, ZSTD_inBuffer *in, ZSTD_EndDirective mode, pf_errbuf *eb)
{
    for (;;) {
        ZSTD_outBuffer ob = {w->out, CHUNK, w->out_len};
        size_t left = ZSTD_compressStream2(w->cctx, &ob, in, mode);
        if (ZSTD_isError(left)) return pf_errf(eb, PF_E_STORAGE, "zstd: %s", ZSTD_getErrorName(left));
        w->out_len = ob.pos;
        pf_err err;
        if (w->out_len == CHUNK && (err = flush_full_chunk(w, eb))) return err;
        if (mode == ZSTD_e_continue ? in->pos == in->size : left == 0) return PF_E_OK;
    }
}

pf_err pf_store_blob_write(pf_blob_writer *w, const void *data, size_t len, pf_errbuf *eb)
{
    if (w->ended) return pf_errf(eb, PF_E_INVAL, "blob already finished");
    crypto_hash_sha256_update(&w->sha, data, len);
    w->size += len;
    ZSTD_inBuffer in = {data, len, 0};
    return compress(w, &in, ZSTD_e_continue, eb);
}

static pf_err publish_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    pf_blob_writer *w = vctx;
    uint64_t total = w->nchunks + (w->out_len > 0);
    blob_meta m;
    pf_err err = meta_get(t, &w->digest, &m, eb);
    if (err == PF_E_OK) {
        /* Same bytes stored already: keep the old copy, drop ours. */
        if ((err = drop_chunks(t, w->blob_no, eb))) return err;
    } else if (err == PF_E_NOT_FOUND) {
        if (w->out_len && (err = put_chunk(t, w->blob_no, w->nchunks, w->out, w->out_len, eb))) return err;
        m = (blob_meta){w->blob_no, w->size, w->csize + w->out_len, total, 0};
        if ((err = meta_put(t, &w->digest, &m, eb))) return err;
    } else {
        return err;
    }
    uint8_t kb[8];
    pf__be64(kb, w->blob_no);
    MDB_val k = {8, kb};
    int rc = pf__del(t, t->st->pending, &k, NULL);
    return rc ? pf__mdb_err(eb, rc, "blob_pending") : PF_E_OK;
}

pf_err pf_store_blob_finish(pf_blob_writer *w, pf_txn *t, pf_sha256 *sha, pf_blob_info *info, pf_errbuf *eb)
{
    pf_err err;
    if (!w->ended) {
        ZSTD_inBuffer in = {NULL, 0, 0};
        if ((err = compress(w, &in, ZSTD_e_end, eb))) return err;
        crypto_hash_sha256_final(&w->sha, w->digest.b);
        w->ended = true;
    }
    if ((err = pf__with_txn(w->st, t, true, publish_fn, w, eb))) return err;
    w->published = !t;
    *sha = w->digest;
    if (info)
        *info = (pf_blob_info){w->size, w->csize + w->out_len, (uint32_t)(w->nchunks + (w->out_len > 0)), 0};
    return PF_E_OK;
}

static pf_err pending_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    pf_blob_writer *w = vctx;
    uint8_t kb[8];
    pf__be64(kb, w->blob_no);
    MDB_val k = {8, kb}, v;
    int rc = mdb_get(t->txn, t->st->pending, &k, &v);
    return rc == 0 ? PF_E_OK : rc == MDB_NOTFOUND ? PF_E_NOT_FOUND : pf__mdb_err(eb, rc, "blob_pending");
}

static pf_err abandon_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    pf_blob_writer *w = vctx;
    uint8_t kb[8];
    pf__be64(kb, w->blob_no);
    MDB_val k = {8, kb}, v;
    int rc = mdb_get(t->txn, t->st->pending, &k, &v);
    if (rc == MDB_NOTFOUND) return PF_E_OK; /* published */
    if (rc) return pf__mdb_err(eb, rc, "blob_pending");
    pf_err err = drop_chunks(t, w->blob_no, eb);
    if (err) return err;
    rc = pf__del(t, t->st->pending, &k, NULL);
    return rc ? pf__mdb_err(eb, rc, "blob_pending") : PF_E_OK;
}

void pf_store_blob_free(pf_blob_writer *w)
{
    if (!w) return;
    /* Whether a caller's transaction published the blob is only known from the pending marker. A failure here
     * leaves the chunks to the clean-up at the next open. */
    if (!w->published && pf_store_read(w->st, pending_fn, w, NULL) != PF_E_NOT_FOUND)
        pf_store_write(w->st, abandon_fn, w, NULL);
    ZSTD_freeCCtx(w->cctx);
    free(w->out);
    free(w);
}

/* ---- reading ---- */

typedef struct read_ctx {
    const pf_sha256 *sha; /* blob */
    blob_meta m;          /* its meta, read with chunk 0 */
    uint64_t i;           /* chunk to copy */
    uint8_t *buf;         /* copy of the chunk (CHUNK bytes) */
    size_t len;           /* bytes in buf */
} read_ctx;

static pf_err read_chunk_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    read_ctx *c = vctx;
    blob_meta m;
    pf_err err = meta_get(t, c->sha, &m, eb);
    if (err) return err;
    if (c->i && m.blob_no != c->m.blob_no) return pf_errf(eb, PF_E_NOT_FOUND, "blob deleted while reading");
    c->m = m;
    if (c->i >= m.nchunks) return PF_E_OK;
    uint8_t kb[12];
    chunk_key(kb, m.blob_no, c->i);
    MDB_val k = {12, kb}, v;
    int rc = mdb_get(t->txn, t->st->chunks, &k, &v);
    if (rc == MDB_NOTFOUND)
        return pf_errf(eb, PF_E_STORAGE, "blob chunk %llu missing", (unsigned long long)c->i);
    if (rc) return pf__mdb_err(eb, rc, "blob_chunks");
    if (v.mv_size > CHUNK) return pf_errf(eb, PF_E_STORAGE, "blob chunk of %zu bytes", v.mv_size);
    memcpy(c->buf, v.mv_data, v.mv_size);
    c->len = v.mv_size;
    return PF_E_OK;
}

pf_err pf_store_blob_read(pf_store *st, const pf_sha256 *sha, pf_blob_sink sink, void *ctx, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    size_t osize = ZSTD_DStreamOutSize();
    read_ctx c = {.sha = sha, .buf = malloc(CHUNK)};
    uint8_t *obuf = malloc(osize);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    uint64_t total = 0;
    size_t last = 1;
    if (!c.buf || !obuf || !d) {
        err = pf_errf(eb, PF_E_NOMEM, "blob reader");
        goto done;
    }
    /* One short read transaction per chunk; the sink runs outside any transaction. */
    for (c.i = 0;; c.i++) {
        c.len = 0;
        if ((err = pf_store_read(st, read_chunk_fn, &c, eb))) goto done;
        if (c.i >= c.m.nchunks) break;
        ZSTD_inBuffer in = {c.buf, c.len, 0};
        ZSTD_outBuffer ob;
        do { /* a full output buffer may leave more to flush even when the input is used up */
            ob = (ZSTD_outBuffer){obuf, osize, 0};
            last = ZSTD_decompressStream(d, &ob, &in);
            if (ZSTD_isError(last)) {
                err = pf_errf(eb, PF_E_STORAGE, "zstd: %s", ZSTD_getErrorName(last));
                goto done;
            }
            if (ob.pos) {
                crypto_hash_sha256_update(&hs, obuf, ob.pos);
                total += ob.pos;
                if ((err = sink(ctx, obuf, ob.pos))) goto done;
            }
        } while (in.pos < in.size || ob.pos == osize);
    }
    pf_sha256 got;
    crypto_hash_sha256_final(&hs, got.b);
    if (last != 0 || total != c.m.size || memcmp(&got, sha, sizeof got))
        err = pf_errf(eb, PF_E_STORAGE, "blob content does not match its digest");
done:
    ZSTD_freeDCtx(d);
    free(obuf);
    free(c.buf);
    return err;
}

typedef struct stat_ctx {
    const pf_sha256 *sha; /* blob */
    blob_meta m;          /* result */
} stat_ctx;

static pf_err stat_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    stat_ctx *c = vctx;
    return meta_get(t, c->sha, &c->m, eb);
}

pf_err pf_store_blob_stat(pf_store *st, pf_txn *t, const pf_sha256 *sha, pf_blob_info *info, pf_errbuf *eb)
{
    stat_ctx c = {sha, {0}};
    pf_err err = pf__with_txn(st, t, false, stat_fn, &c, eb);
    if (!err) *info = (pf_blob_info){c.m.size, c.m.csize, (uint32_t)c.m.nchunks, c.m.refs};
    return err;
}
