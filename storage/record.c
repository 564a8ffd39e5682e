/* The generic record layer: msgpack encode/decode driven by pf_field tables, and put/get/del/list/find that
 * keep every secondary index and blob reference in step with the record inside one transaction. */
#include <stdlib.h>
#include <string.h>

#include "storage/store_internal.h"

/* ---- codec ---- */

static int pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    return msgpack_pack_str(pk, n) | msgpack_pack_str_body(pk, s, n);
}

static bool sha_zero(const pf_sha256 *s)
{
    static const pf_sha256 zero = {{0}};
    return !memcmp(s, &zero, sizeof zero);
}

pf_err pf__rec_encode(const pf_field *f, size_t nf, unsigned version, const void *rec, msgpack_sbuffer *sb)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    int bad = msgpack_pack_map(&pk, (uint32_t)nf + 1);
    bad |= pack_str(&pk, "_v", 2) | msgpack_pack_unsigned_int(&pk, version);
    for (size_t i = 0; i < nf; i++) {
        const char *p = (const char *)rec + f[i].off;
        bad |= pack_str(&pk, f[i].key, strlen(f[i].key));
        switch (f[i].type) {
        case PF_F_U64:
            bad |= msgpack_pack_uint64(&pk, *(const uint64_t *)p);
            break;
        case PF_F_I64:
            bad |= msgpack_pack_int64(&pk, *(const int64_t *)p);
            break;
        case PF_F_F64:
            bad |= msgpack_pack_double(&pk, *(const double *)p);
            break;
        case PF_F_BOOL:
            bad |= *(const bool *)p ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
            break;
        case PF_F_STR: {
            const char *s = *(char *const *)p;
            bad |= s ? pack_str(&pk, s, strlen(s)) : msgpack_pack_nil(&pk);
            break;
        }
        case PF_F_STRV: {
            const pf_strv *v = (const pf_strv *)p;
            bad |= msgpack_pack_array(&pk, (uint32_t)v->n);
            for (size_t j = 0; j < v->n; j++)
                bad |= pack_str(&pk, v->v[j] ? v->v[j] : "", v->v[j] ? strlen(v->v[j]) : 0);
            break;
        }
        case PF_F_SHA:
        case PF_F_BLOB: {
            const pf_sha256 *s = (const pf_sha256 *)p;
            if (sha_zero(s))
                bad |= msgpack_pack_nil(&pk);
            else
                bad |= msgpack_pack_bin(&pk, 32) | msgpack_pack_bin_body(&pk, s->b, 32);
            break;
        }
        }
    }
    return bad ? PF_E_NOMEM : PF_E_OK;
}

void pf__rec_clear(const pf_field *f, size_t nf, void *rec)
{
    for (size_t i = 0; i < nf; i++) {
        char *p = (char *)rec + f[i].off;
        if (f[i].type == PF_F_STR) {
            free(*(char **)p);
            *(char **)p = NULL;
        } else if (f[i].type == PF_F_STRV) {
            pf_strv *v = (pf_strv *)p;
            for (size_t j = 0; j < v->n; j++)
                free(v->v[j]);
            free(v->v);
            *v = (pf_strv){0};
        }
    }
}

static char *dup_str(const msgpack_object_str *s)
{
    char *r = malloc(s->size + 1);
    if (r) {
        memcpy(r, s->ptr, s->size);
        r[s->size] = 0;
    }
    return r;
}

/* Decodes one value into the member at p. Returns 0, -1 for a type mismatch, -2 for out of memory. */
static int decode_value(const pf_field *f, const msgpack_object *o, char *p)
{
    bool nil = o->type == MSGPACK_OBJECT_NIL;
    switch (f->type) {
    case PF_F_U64:
        if (nil)
            *(uint64_t *)p = 0;
        else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            *(uint64_t *)p = o->via.u64;
        else
            return -1;
        return 0;
    case PF_F_I64:
        if (nil)
            *(int64_t *)p = 0;
        else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
            *(int64_t *)p = (int64_t)o->via.u64;
        else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            *(int64_t *)p = o->via.i64;
        else
            return -1;
        return 0;
    case PF_F_F64:
        if (nil)
            *(double *)p = 0;
        else if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32)
            *(double *)p = o->via.f64;
        else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            *(double *)p = (double)o->via.u64;
        else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            *(double *)p = (double)o->via.i64;
        else
            return -1;
        return 0;
    case PF_F_BOOL:
        if (nil)
            *(bool *)p = false;
        else if (o->type == MSGPACK_OBJECT_BOOLEAN)
            *(bool *)p = o->via.boolean;
        else
            return -1;
        return 0;
    case PF_F_STR: {
        char **s = (char **)p;
        free(*s);
        *s = NULL;
        if (nil) return 0;
        if (o->type != MSGPACK_OBJECT_STR) return -1;
        return (*s = dup_str(&o->via.str)) ? 0 : -2;
    }
    case PF_F_STRV: {
        pf_strv *v = (pf_strv *)p;
        for (size_t j = 0; j < v->n; j++)
            free(v->v[j]);
        free(v->v);
        *v = (pf_strv){0};
        if (nil) return 0;
        if (o->type != MSGPACK_OBJECT_ARRAY) return -1;
        const msgpack_object_array *a = &o->via.array;
        for (uint32_t j = 0; j < a->size; j++)
            if (a->ptr[j].type != MSGPACK_OBJECT_STR) return -1;
        if (!a->size) return 0;
        if (!(v->v = calloc(a->size, sizeof *v->v))) return -2;
        for (uint32_t j = 0; j < a->size; j++, v->n++)
            if (!(v->v[j] = dup_str(&a->ptr[j].via.str))) return -2;
        return 0;
    }
    case PF_F_SHA:
    case PF_F_BLOB:
        if (nil)
            memset(p, 0, sizeof(pf_sha256));
        else if ((o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == 32))
            memcpy(p, o->via.bin.ptr, 32);
        else
            return -1;
        return 0;
    }
    return -1;
}

pf_err pf__rec_decode(const pf_field *f, size_t nf, const void *data, size_t len, void *rec, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    if (msgpack_unpack_next(&u, data, len, &off) != MSGPACK_UNPACK_SUCCESS ||
        u.data.type != MSGPACK_OBJECT_MAP) {
        err = pf_errf(eb, PF_E_STORAGE, "malformed record (%zu bytes)", len);
        goto done;
    }
    const msgpack_object_map *m = &u.data.via.map;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        if (k->type != MSGPACK_OBJECT_STR) continue;
        /* Unknown keys (written by a newer schema) are skipped, so newer records stay readable. */
        for (size_t j = 0; j < nf; j++) {
            if (strlen(f[j].key) != k->via.str.size || memcmp(f[j].key, k->via.str.ptr, k->via.str.size))
                continue;
            int rc = decode_value(&f[j], &m->ptr[i].val, (char *)rec + f[j].off);
            if (rc == -2)
                err = pf_errf(eb, PF_E_NOMEM, "decoding %s", f[j].key);
            else if (rc)
                err = pf_errf(eb, PF_E_STORAGE, "record field %s has the wrong type", f[j].key);
            if (err) goto done;
            break;
        }
    }
done:
    if (err) pf__rec_clear(f, nf, rec);
    msgpack_unpacked_destroy(&u);
    return err;
}

unsigned pf__rec_version(const void *data, size_t len)
{
    unsigned v = 0;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    if (msgpack_unpack_next(&u, data, len, &off) == MSGPACK_UNPACK_SUCCESS &&
        u.data.type == MSGPACK_OBJECT_MAP) {
        const msgpack_object_map *m = &u.data.via.map;
        for (uint32_t i = 0; i < m->size; i++) {
            const msgpack_object *k = &m->ptr[i].key, *val = &m->ptr[i].val;
            if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == 2 && !memcmp(k->via.str.ptr, "_v", 2) &&
                val->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                v = (unsigned)val->via.u64;
        }
    }
    msgpack_unpacked_destroy(&u);
    return v;
}

/* ---- indexes ---- */

bool pf__index_key(const pf_index *ix, const void *rec, uint8_t *buf, MDB_val *key)
{
    const char *p = (const char *)rec + ix->field->off;
    switch (ix->field->type) {
    case PF_F_U64: {
        uint64_t v = *(const uint64_t *)p;
        if (!v) return false;
        pf__be64(buf, v);
        *key = (MDB_val){8, buf};
        return true;
    }
    case PF_F_BOOL:
        buf[0] = *(const bool *)p;
        *key = (MDB_val){1, buf};
        return true;
    case PF_F_STR: {
        const char *s = *(char *const *)p;
        if (!s || !*s) return false;
        *key = (MDB_val){strlen(s), (void *)s};
        return true;
    }
    case PF_F_SHA:
    case PF_F_BLOB:
        if (sha_zero((const pf_sha256 *)p)) return false;
        *key = (MDB_val){32, (void *)p};
        return true;
    default:
        return false;
    }
}

static bool val_eq(const MDB_val *a, const MDB_val *b)
{
    return a->mv_size == b->mv_size && !memcmp(a->mv_data, b->mv_data, a->mv_size);
}

static pf_err get_raw(pf_txn *t, pf_kind_id k, uint64_t id, MDB_val *v, pf_errbuf *eb)
{
    uint8_t kb[8];
    pf__be64(kb, id);
    MDB_val key = {8, kb};
    int rc = mdb_get(t->txn, t->st->prim[k], &key, v);
    if (rc == MDB_NOTFOUND)
        return pf_errf(eb, PF_E_NOT_FOUND, "%s %llu not found", pf__kinds[k].name, (unsigned long long)id);
    return rc ? pf__mdb_err(eb, rc, pf__kinds[k].name) : PF_E_OK;
}

pf_err pf__rec_get(pf_txn *t, pf_kind_id k, uint64_t id, void *rec, pf_errbuf *eb)
{
    const pf_kind *kd = &pf__kinds[k];
    MDB_val v;
    pf_err err = get_raw(t, k, id, &v, eb);
    if (err) return err;
    memset(rec, 0, kd->size);
    return pf__rec_decode(kd->fields, kd->nfields, v.mv_data, v.mv_size, rec, eb);
}

/* Adjusts references for every BLOB field that differs between old (may be NULL) and new (may be NULL). New
 * references are taken first so that a record re-put with the same blob never drops it to zero on the way. */
static pf_err update_blob_refs(pf_txn *t, const pf_kind *kd, const void *old, const void *new, pf_errbuf *eb)
{
    pf_err err;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < kd->nfields; i++) {
            if (kd->fields[i].type != PF_F_BLOB) continue;
            const pf_sha256 *o = old ? (const pf_sha256 *)((const char *)old + kd->fields[i].off) : NULL;
            const pf_sha256 *n = new ? (const pf_sha256 *)((const char *)new + kd->fields[i].off) : NULL;
            if (o && n && !memcmp(o, n, sizeof *o)) continue;
            const pf_sha256 *s = pass == 0 ? n : o;
            if (!s || sha_zero(s)) continue;
            if ((err = pf__blob_ref(t, s, pass == 0 ? 1 : -1, eb))) return err;
        }
    return PF_E_OK;
}

/* Whether id of kind k was handed out by an aborted earlier attempt of t's write (see pf__given_ids). */
static bool given_before(const pf_txn *t, pf_kind_id k, uint64_t id)
{
    for (size_t i = 0; t->given && i < t->stale; i++)
        if (t->given->v[i].kind == (int)k && t->given->v[i].id == id) return true;
    return false;
}

/* Notes a freshly handed-out id on t (nothing to note outside pf_store_write's transactions). */
static pf_err note_given(pf_txn *t, pf_kind_id k, uint64_t id, pf_errbuf *eb)
{
    pf__given_ids *g = t->given;
    if (!g) return PF_E_OK;
    if (g->n == g->cap) {
        size_t nc = g->cap ? 2 * g->cap : 16;
        void *nv = realloc(g->v, nc * sizeof *g->v);
        if (!nv) return pf_errf(eb, PF_E_NOMEM, "noting a record id");
        g->v = nv;
        g->cap = nc;
    }
    g->v[g->n].kind = (int)k;
    g->v[g->n].id = id;
    g->n++;
    return PF_E_OK;
}

pf_err pf__rec_put(pf_txn *t, pf_kind_id k, void *rec, pf_errbuf *eb)
{
    const pf_kind *kd = &pf__kinds[k];
    pf_store *st = t->st;
    if (!t->write) return pf_errf(eb, PF_E_INVAL, "put inside a read transaction");
    pf_err err = PF_E_OK;
    uint64_t *idp = (uint64_t *)rec;
    void *old = calloc(1, kd->size);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    bool have_old = false;
    int rc;
    if (!old) return pf_errf(eb, PF_E_NOMEM, "put %s", kd->name);
    if (*idp && given_before(t, k, *idp)) *idp = 0; /* from an aborted attempt of this write: not ours */
    if (!*idp) {
        if ((err = pf__counter_add(t, kd->name, 1, idp, eb)) || (err = note_given(t, k, *idp, eb))) goto done;
    } else {
        if ((err = pf__counter_at_least(t, kd->name, *idp, eb))) goto done;
        err = pf__rec_get(t, k, *idp, old, eb);
        if (err && err != PF_E_NOT_FOUND) goto done;
        have_old = !err;
        err = PF_E_OK;
    }
    uint8_t idb[8];
    pf__be64(idb, *idp);
    MDB_val idv = {8, idb};
    size_t maxkey = (size_t)mdb_env_get_maxkeysize(st->env);
    for (size_t i = 0; i < kd->nindexes; i++) {
        const pf_index *ix = &kd->indexes[i];
        MDB_dbi dbi = st->idx[k][i];
        uint8_t nb[64], ob[64];
        MDB_val nk, ok;
        bool has_new = pf__index_key(ix, rec, nb, &nk);
        bool has_old = have_old && pf__index_key(ix, old, ob, &ok);
        bool same = has_new && has_old && val_eq(&nk, &ok);
        if (has_new && nk.mv_size > maxkey) {
            err = pf_errf(eb, PF_E_INVAL, "%s.%s longer than %zu bytes", kd->name, ix->field->key, maxkey);
            goto done;
        }
        if (has_old && !same) {
            rc = pf__del(t, dbi, &ok, ix->flags & PF_IDX_UNIQUE ? NULL : &idv);
            if (rc && rc != MDB_NOTFOUND) {
                err = pf__mdb_err(eb, rc, ix->db);
                goto done;
            }
        }
        if (!has_new || same) continue;
        if (ix->flags & PF_IDX_UNIQUE) {
            MDB_val cur;
            rc = mdb_get(t->txn, dbi, &nk, &cur);
            if (rc == 0 && !val_eq(&cur, &idv)) {
                err = pf_errf(eb, PF_E_CONFLICT, "%s.%s already in use", kd->name, ix->field->key);
                goto done;
            }
            if (rc && rc != MDB_NOTFOUND) {
                err = pf__mdb_err(eb, rc, ix->db);
                goto done;
            }
            rc = pf__put(t, dbi, &nk, &idv, 0);
        } else {
            rc = pf__put(t, dbi, &nk, &idv, MDB_NODUPDATA);
            if (rc == MDB_KEYEXIST) rc = 0;
        }
        if (rc) {
            err = pf__mdb_err(eb, rc, ix->db);
            goto done;
        }
    }
    if ((err = update_blob_refs(t, kd, have_old ? old : NULL, rec, eb))) goto done;
    if ((err = pf__rec_encode(kd->fields, kd->nfields, kd->version, rec, &sb))) {
        pf_errf(eb, err, "encoding %s", kd->name);
        goto done;
    }
    MDB_val v = {sb.size, sb.data};
    if ((rc = pf__put(t, st->prim[k], &idv, &v, 0))) err = pf__mdb_err(eb, rc, kd->name);
done:
    msgpack_sbuffer_destroy(&sb);
    pf__rec_clear(kd->fields, kd->nfields, old);
    free(old);
    return err;
}

pf_err pf__rec_del(pf_txn *t, pf_kind_id k, uint64_t id, pf_errbuf *eb)
{
    const pf_kind *kd = &pf__kinds[k];
    if (!t->write) return pf_errf(eb, PF_E_INVAL, "delete inside a read transaction");
    void *old = calloc(1, kd->size);
    if (!old) return pf_errf(eb, PF_E_NOMEM, "delete %s", kd->name);
    pf_err err = pf__rec_get(t, k, id, old, eb);
    if (err) goto done;
    uint8_t idb[8];
    pf__be64(idb, id);
    MDB_val idv = {8, idb};
    int rc;
    for (size_t i = 0; i < kd->nindexes; i++) {
        const pf_index *ix = &kd->indexes[i];
        uint8_t ob[64];
        MDB_val ok;
        if (!pf__index_key(ix, old, ob, &ok)) continue;
        rc = pf__del(t, t->st->idx[k][i], &ok, ix->flags & PF_IDX_UNIQUE ? NULL : &idv);
        if (rc && rc != MDB_NOTFOUND) {
            err = pf__mdb_err(eb, rc, ix->db);
            goto done;
        }
    }
    if ((err = update_blob_refs(t, kd, old, NULL, eb))) goto done;
    /* Likes are keyed by model id outside the record layer: they go with the model. */
    if (k == PF_KIND_MODEL && (rc = pf__del(t, t->st->likes, &idv, NULL)) && rc != MDB_NOTFOUND) {
        err = pf__mdb_err(eb, rc, "likes");
        goto done;
    }
    if ((rc = pf__del(t, t->st->prim[k], &idv, NULL))) err = pf__mdb_err(eb, rc, kd->name);
done:
    pf__rec_clear(kd->fields, kd->nfields, old);
    free(old);
    return err;
}

void pf__rec_list_free(pf_kind_id k, void *arr, size_t n)
{
    if (!arr) return;
    const pf_kind *kd = &pf__kinds[k];
    for (size_t i = 0; i < n; i++)
        pf__rec_clear(kd->fields, kd->nfields, (char *)arr + i * kd->size);
    free(arr);
}

#define MAX_LIST 10000

pf_err pf__rec_list(pf_txn *t, pf_kind_id k, int ix, const MDB_val *key, uint64_t before, size_t limit,
                    void **out, size_t *n, uint64_t *next, pf_errbuf *eb)
{
    const pf_kind *kd = &pf__kinds[k];
    if (!limit || limit > MAX_LIST)
        return pf_errf(eb, PF_E_INVAL, "list limit %zu outside 1..%d", limit, MAX_LIST);
    pf_err err = PF_E_OK;
    MDB_cursor *c = NULL;
    size_t count = 0;
    uint64_t nextc = 0;
    char *arr = calloc(limit, kd->size);
    if (!arr) return pf_errf(eb, PF_E_NOMEM, "list %s", kd->name);
    int rc = mdb_cursor_open(t->txn, ix < 0 ? t->st->prim[k] : t->st->idx[k][ix], &c);
    if (rc) {
        err = pf__mdb_err(eb, rc, kd->name);
        goto done;
    }
    uint8_t bb[8];
    pf__be64(bb, before);
    MDB_val kk = {0}, vv = {0};
    MDB_cursor_op step;
    if (ix < 0) {
        step = MDB_PREV;
        if (!before) {
            rc = mdb_cursor_get(c, &kk, &vv, MDB_LAST);
        } else {
            kk = (MDB_val){8, bb};
            rc = mdb_cursor_get(c, &kk, &vv, MDB_SET_RANGE);
            if (rc == 0)
                rc = mdb_cursor_get(c, &kk, &vv, MDB_PREV);
            else if (rc == MDB_NOTFOUND)
                rc = mdb_cursor_get(c, &kk, &vv, MDB_LAST);
        }
    } else {
        step = MDB_PREV_DUP;
        kk = *key;
        if (!before) {
            rc = mdb_cursor_get(c, &kk, &vv, MDB_SET);
            if (rc == 0) rc = mdb_cursor_get(c, &kk, &vv, MDB_LAST_DUP);
        } else {
            vv = (MDB_val){8, bb};
            rc = mdb_cursor_get(c, &kk, &vv, MDB_GET_BOTH_RANGE);
            if (rc == 0) {
                rc = mdb_cursor_get(c, &kk, &vv, MDB_PREV_DUP);
            } else if (rc == MDB_NOTFOUND) {
                kk = *key;
                rc = mdb_cursor_get(c, &kk, &vv, MDB_SET);
                if (rc == 0) rc = mdb_cursor_get(c, &kk, &vv, MDB_LAST_DUP);
            }
        }
    }
    for (; rc == 0; rc = mdb_cursor_get(c, &kk, &vv, step)) {
        const MDB_val *idval = ix < 0 ? &kk : &vv;
        if (idval->mv_size != 8) {
            err = pf_errf(eb, PF_E_STORAGE, "%s: malformed key", kd->name);
            goto done;
        }
        if (count == limit) {
            nextc = *(const uint64_t *)(arr + (count - 1) * kd->size);
            break;
        }
        void *rec = arr + count * kd->size;
        if (ix < 0)
            err = pf__rec_decode(kd->fields, kd->nfields, vv.mv_data, vv.mv_size, rec, eb);
        else
            err = pf__rec_get(t, k, pf__rd64(idval->mv_data), rec, eb);
        if (err == PF_E_NOT_FOUND)
            err = pf_errf(eb, PF_E_STORAGE, "index %s points at a missing record", kd->indexes[ix].db);
        if (err) goto done;
        count++;
    }
    if (rc && rc != MDB_NOTFOUND) err = pf__mdb_err(eb, rc, kd->name);
done:
    mdb_cursor_close(c);
    if (err) {
        pf__rec_list_free(k, arr, count);
        return err;
    }
    if (!count) {
        free(arr);
        arr = NULL;
    }
    *out = arr;
    *n = count;
    *next = nextc;
    return PF_E_OK;
}

pf_err pf__rec_find(pf_txn *t, pf_kind_id k, int ix, const MDB_val *key, void *rec, pf_errbuf *eb)
{
    const pf_kind *kd = &pf__kinds[k];
    MDB_val kk = *key, v;
    if (kk.mv_size == 0 || kk.mv_size > (size_t)mdb_env_get_maxkeysize(t->st->env))
        return pf_errf(eb, PF_E_NOT_FOUND, "%s: no such key", kd->indexes[ix].db);
    int rc = mdb_get(t->txn, t->st->idx[k][ix], &kk, &v);
    if (rc == MDB_NOTFOUND) return pf_errf(eb, PF_E_NOT_FOUND, "%s: no such key", kd->indexes[ix].db);
    if (rc || v.mv_size != 8) return pf__mdb_err(eb, rc ? rc : MDB_CORRUPTED, kd->indexes[ix].db);
    pf_err err = pf__rec_get(t, k, pf__rd64(v.mv_data), rec, eb);
    if (err == PF_E_NOT_FOUND)
        err = pf_errf(eb, PF_E_STORAGE, "index %s points at a missing record", kd->indexes[ix].db);
    return err;
}
