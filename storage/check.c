/* Integrity check (records <-> indexes, blobs <-> chunks <-> references) and compacted backup. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/store_internal.h"

typedef struct check_ctx {
    FILE *report;        /* problem lines, may be NULL */
    uint64_t problems;   /* count */
    pf_sha256 *refs;     /* every BLOB field value seen, sorted after the record pass */
    size_t nrefs, cap;   /* entries / capacity of refs */
    uint64_t *blob_nos;  /* chunk namespaces in use (published or pending), sorted */
    size_t nblobs, bcap; /* entries / capacity of blob_nos */
} check_ctx;

static void problem(check_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(check_ctx *c, const char *fmt, ...)
{
    c->problems++;
    if (!c->report) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->report, fmt, ap);
    va_end(ap);
    fputc('\n', c->report);
}

static int cmp_sha(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(pf_sha256));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool push(void **arr, size_t *n, size_t *cap, const void *item, size_t size)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        void *p = realloc(*arr, nc * size);
        if (!p) return false;
        *arr = p;
        *cap = nc;
    }
    memcpy((char *)*arr + *n * size, item, size);
    (*n)++;
    return true;
}

/* Records of kind k: decodable, keyed by their own id, present in every index, counter ahead of ids. */
static pf_err check_records(pf_txn *t, check_ctx *c, pf_kind_id k, pf_errbuf *eb)
{
    const pf_kind *kd = &pf__kinds[k];
    pf_err err = PF_E_OK;
    MDB_cursor *cur = NULL;
    void *rec = calloc(1, kd->size);
    uint64_t max_id = 0, counter = 0;
    if (!rec) return pf_errf(eb, PF_E_NOMEM, "check");
    int rc = mdb_cursor_open(t->txn, t->st->prim[k], &cur);
    MDB_val key, val;
    for (rc = rc ? rc : mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (key.mv_size != 8) {
            problem(c, "%s: key of %zu bytes", kd->name, key.mv_size);
            continue;
        }
        uint64_t id = pf__rd64(key.mv_data);
        memset(rec, 0, kd->size);
        pf_errbuf deb = {{0}};
        if (pf__rec_decode(kd->fields, kd->nfields, val.mv_data, val.mv_size, rec, &deb)) {
            problem(c, "%s %llu: %s", kd->name, (unsigned long long)id, deb.msg);
            continue;
        }
        if (*(uint64_t *)rec != id)
            problem(c, "%s %llu: record says id %llu", kd->name, (unsigned long long)id,
                    (unsigned long long)*(uint64_t *)rec);
        if (id > max_id) max_id = id;
        uint8_t idb[8];
        pf__be64(idb, id);
        for (size_t i = 0; i < kd->nindexes; i++) {
            const pf_index *ix = &kd->indexes[i];
            uint8_t kb[64];
            MDB_val ik, iv = {8, idb};
            if (!pf__index_key(ix, rec, kb, &ik)) continue;
            MDB_cursor *ic;
            if ((rc = mdb_cursor_open(t->txn, t->st->idx[k][i], &ic))) break;
            if (ix->flags & PF_IDX_UNIQUE) {
                MDB_val got;
                rc = mdb_cursor_get(ic, &ik, &got, MDB_SET_KEY);
                if (rc == 0 && (got.mv_size != 8 || memcmp(got.mv_data, idb, 8))) rc = MDB_NOTFOUND;
            } else {
                rc = mdb_cursor_get(ic, &ik, &iv, MDB_GET_BOTH);
            }
            mdb_cursor_close(ic);
            if (rc == MDB_NOTFOUND)
                problem(c, "%s %llu: missing from %s", kd->name, (unsigned long long)id, ix->db);
            else if (rc)
                break;
            rc = 0;
        }
        if (rc) break;
        for (size_t f = 0; f < kd->nfields; f++) {
            const pf_sha256 *s = (const pf_sha256 *)((char *)rec + kd->fields[f].off);
            static const pf_sha256 zero = {{0}};
            if (kd->fields[f].type != PF_F_BLOB || !memcmp(s, &zero, sizeof zero)) continue;
            if (!push((void **)&c->refs, &c->nrefs, &c->cap, s, sizeof *s)) {
                err = pf_errf(eb, PF_E_NOMEM, "check");
                goto done;
            }
        }
        pf__rec_clear(kd->fields, kd->nfields, rec);
    }
    if (rc && rc != MDB_NOTFOUND) {
        err = pf__mdb_err(eb, rc, kd->name);
        goto done;
    }
    MDB_val ck = {strlen(kd->name), (void *)kd->name}, cv;
    if (mdb_get(t->txn, t->st->counters, &ck, &cv) == 0 && cv.mv_size == 8) counter = pf__rd64(cv.mv_data);
    if (counter < max_id)
        problem(c, "%s: id counter %llu behind the largest id %llu", kd->name, (unsigned long long)counter,
                (unsigned long long)max_id);
done:
    mdb_cursor_close(cur);
    pf__rec_clear(kd->fields, kd->nfields, rec);
    free(rec);
    return err;
}

/* Index entries of kind k: each points at a record whose current key is the entry's key. */
static pf_err check_index(pf_txn *t, check_ctx *c, pf_kind_id k, size_t i, pf_errbuf *eb)
{
    const pf_kind *kd = &pf__kinds[k];
    const pf_index *ix = &kd->indexes[i];
    void *rec = calloc(1, kd->size);
    if (!rec) return pf_errf(eb, PF_E_NOMEM, "check");
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(t->txn, t->st->idx[k][i], &cur);
    MDB_val key, val;
    for (rc = rc ? rc : mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if (val.mv_size != 8) {
            problem(c, "%s: value of %zu bytes", ix->db, val.mv_size);
            continue;
        }
        uint64_t id = pf__rd64(val.mv_data);
        pf_errbuf deb;
        pf_err e = pf__rec_get(t, k, id, rec, &deb);
        if (e == PF_E_NOT_FOUND) {
            problem(c, "%s: entry points at missing %s %llu", ix->db, kd->name, (unsigned long long)id);
            continue;
        }
        if (e) continue; /* undecodable: reported by the record pass */
        uint8_t kb[64];
        MDB_val rk;
        if (!pf__index_key(ix, rec, kb, &rk) || rk.mv_size != key.mv_size ||
            memcmp(rk.mv_data, key.mv_data, rk.mv_size))
            problem(c, "%s: stale entry for %s %llu", ix->db, kd->name, (unsigned long long)id);
        pf__rec_clear(kd->fields, kd->nfields, rec);
    }
    mdb_cursor_close(cur);
    free(rec);
    return rc && rc != MDB_NOTFOUND ? pf__mdb_err(eb, rc, ix->db) : PF_E_OK;
}

typedef struct blob_meta_view {
    uint64_t blob_no, size, csize, nchunks, refs; /* as in blob.c */
} blob_meta_view;

static const pf_field meta_fields[] = {
    {"blob_no", PF_F_U64, offsetof(blob_meta_view, blob_no)},
    {"size", PF_F_U64, offsetof(blob_meta_view, size)},
    {"csize", PF_F_U64, offsetof(blob_meta_view, csize)},
    {"nchunks", PF_F_U64, offsetof(blob_meta_view, nchunks)},
    {"refs", PF_F_U64, offsetof(blob_meta_view, refs)},
};

/* Blobs: chunks complete and sized as recorded, reference counts equal to the BLOB fields that name them, no
 * orphan chunks, no dangling references. */
static pf_err check_blobs(pf_txn *t, check_ctx *c, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    if (c->nrefs) qsort(c->refs, c->nrefs, sizeof *c->refs, cmp_sha);
    MDB_cursor *cur = NULL;
    size_t r = 0; /* walk of the sorted references alongside the sorted blob keys */
    int rc = mdb_cursor_open(t->txn, t->st->blobs, &cur);
    MDB_val key, val;
    for (rc = rc ? rc : mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        blob_meta_view m = {0};
        if (key.mv_size != 32 || pf__rec_decode(meta_fields, 5, val.mv_data, val.mv_size, &m, NULL)) {
            problem(c, "blobs: malformed entry");
            continue;
        }
        for (; r < c->nrefs && memcmp(&c->refs[r], key.mv_data, 32) < 0; r++)
            problem(c, "a record refers to a missing blob");
        uint64_t seen = 0;
        for (; r < c->nrefs && !memcmp(&c->refs[r], key.mv_data, 32); r++)
            seen++;
        if (seen != m.refs)
            problem(c, "blob %llu: %llu references recorded, %llu found", (unsigned long long)m.blob_no,
                    (unsigned long long)m.refs, (unsigned long long)seen);
        if (!seen) problem(c, "blob %llu: unreferenced", (unsigned long long)m.blob_no);
        uint64_t csize = 0;
        for (uint64_t i = 0; i < m.nchunks; i++) {
            uint8_t kb[12];
            pf__be64(kb, m.blob_no);
            for (int j = 0; j < 4; j++)
                kb[8 + j] = (uint8_t)(i >> (24 - 8 * j));
            MDB_val ck = {12, kb}, cv;
            if (mdb_get(t->txn, t->st->chunks, &ck, &cv)) {
                problem(c, "blob %llu: chunk %llu missing", (unsigned long long)m.blob_no,
                        (unsigned long long)i);
                break;
            }
            csize += cv.mv_size;
        }
        if (csize != m.csize)
            problem(c, "blob %llu: %llu compressed bytes recorded, %llu stored",
                    (unsigned long long)m.blob_no, (unsigned long long)m.csize, (unsigned long long)csize);
        if (!push((void **)&c->blob_nos, &c->nblobs, &c->bcap, &m.blob_no, 8)) {
            err = pf_errf(eb, PF_E_NOMEM, "check");
            goto done;
        }
    }
    for (; r < c->nrefs; r++)
        problem(c, "a record refers to a missing blob");
    if (rc && rc != MDB_NOTFOUND) {
        err = pf__mdb_err(eb, rc, "blobs");
        goto done;
    }
    mdb_cursor_close(cur);
    cur = NULL;
    /* Pending uploads own their chunks too. */
    rc = mdb_cursor_open(t->txn, t->st->pending, &cur);
    for (rc = rc ? rc : mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        uint64_t no = key.mv_size == 8 ? pf__rd64(key.mv_data) : 0;
        if (!push((void **)&c->blob_nos, &c->nblobs, &c->bcap, &no, 8)) {
            err = pf_errf(eb, PF_E_NOMEM, "check");
            goto done;
        }
    }
    mdb_cursor_close(cur);
    cur = NULL;
    if (c->nblobs) qsort(c->blob_nos, c->nblobs, 8, cmp_u64);
    rc = mdb_cursor_open(t->txn, t->st->chunks, &cur);
    uint64_t last_orphan = UINT64_MAX;
    for (rc = rc ? rc : mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        uint64_t no = key.mv_size == 12 ? pf__rd64(key.mv_data) : 0;
        if ((!c->nblobs || !bsearch(&no, c->blob_nos, c->nblobs, 8, cmp_u64)) && no != last_orphan) {
            problem(c, "blob_chunks: orphan chunks of blob %llu", (unsigned long long)no);
            last_orphan = no;
        }
    }
    if (rc && rc != MDB_NOTFOUND) err = pf__mdb_err(eb, rc, "blob_chunks");
done:
    mdb_cursor_close(cur);
    return err;
}

/* Likes name existing models. */
static pf_err check_likes(pf_txn *t, check_ctx *c, pf_errbuf *eb)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->st->likes, &cur);
    if (rc) return pf__mdb_err(eb, rc, "likes");
    MDB_val key, val;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT_NODUP)) {
        MDB_val pv;
        if (key.mv_size != 8 || mdb_get(t->txn, t->st->prim[PF_KIND_MODEL], &key, &pv))
            problem(c, "likes: entry for a missing model");
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? pf__mdb_err(eb, rc, "likes") : PF_E_OK;
}

static pf_err check_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    check_ctx *c = vctx;
    pf_err err = PF_E_OK;
    for (int k = 0; k < PF_KIND__COUNT && !err; k++) {
        err = check_records(t, c, (pf_kind_id)k, eb);
        for (size_t i = 0; i < pf__kinds[k].nindexes && !err; i++)
            err = check_index(t, c, (pf_kind_id)k, i, eb);
    }
    if (!err) err = check_blobs(t, c, eb);
    if (!err) err = check_likes(t, c, eb);
    return err;
}

pf_err pf_store_check(pf_store *st, FILE *report, uint64_t *problems, pf_errbuf *eb)
{
    check_ctx c = {.report = report};
    pf_err err = pf_store_read(st, check_fn, &c, eb);
    free(c.refs);
    free(c.blob_nos);
    if (!err) *problems = c.problems;
    return err;
}

pf_err pf_store_backup(pf_store *st, const char *dest, pf_errbuf *eb)
{
    if (mkdir(dest, 0750) && errno != EEXIST) return pf_errf(eb, PF_E_IO, "%s: %s", dest, strerror(errno));
    char path[4096];
    snprintf(path, sizeof path, "%s/data.mdb", dest);
    if (access(path, F_OK) == 0) return pf_errf(eb, PF_E_CONFLICT, "%s already holds an environment", dest);
    /* The copy runs in its own read transaction: a consistent snapshot while writers go on. The shared lock
     * keeps this process from resizing the map underneath it. */
    pthread_rwlock_rdlock(&st->lock);
    int rc = mdb_env_copy2(st->env, dest, MDB_CP_COMPACT);
    pthread_rwlock_unlock(&st->lock);
    return rc ? pf_errf(eb, PF_E_IO, "backup to %s: %s", dest, mdb_strerror(rc)) : PF_E_OK;
}
