/* The LMDB environment: open/close, named DBs, transactions with map growth, migration, counters, settings,
 * likes and backup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "storage/store_internal.h"

#define DEFAULT_MAP_SIZE ((size_t)64 << 20)
#define MAX_ATTEMPTS 16

pf_err pf__mdb_err(pf_errbuf *eb, int rc, const char *what)
{
    if (rc == MDB_NOTFOUND) return pf_errf(eb, PF_E_NOT_FOUND, "%s: not found", what);
    if (rc == ENOMEM) return pf_errf(eb, PF_E_NOMEM, "%s: out of memory", what);
    return pf_errf(eb, PF_E_STORAGE, "%s: %s", what, mdb_strerror(rc));
}

/* Both helpers note MDB_MAP_FULL on the transaction so pf_store_write can grow the map and re-run it,
 * whatever the callback did with the error afterwards. */
int pf__put(pf_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags)
{
    int rc = mdb_put(t->txn, dbi, k, v, flags);
    if (rc == MDB_MAP_FULL) t->map_full = true;
    return rc;
}

int pf__del(pf_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
    int rc = mdb_del(t->txn, dbi, k, v);
    if (rc == MDB_MAP_FULL) t->map_full = true;
    return rc;
}

size_t pf_store_map_size(pf_store *st)
{
    pthread_rwlock_rdlock(&st->lock);
    size_t s = st->map_size;
    pthread_rwlock_unlock(&st->lock);
    return s;
}

unsigned pf_store_map_grows(pf_store *st)
{
    pthread_rwlock_rdlock(&st->lock);
    unsigned g = st->grows;
    pthread_rwlock_unlock(&st->lock);
    return g;
}

/* Grows the map to at least twice `seen` unless another thread already did. mdb_env_set_mapsize needs no
 * transaction active in this process, hence the exclusive lock, which waits for every running transaction. */
static pf_err grow(pf_store *st, size_t seen, pf_errbuf *eb)
{
    pf_err err = PF_E_OK;
    pthread_rwlock_wrlock(&st->lock);
    if (st->map_size == seen) {
        size_t want = seen * 2;
        int rc = mdb_env_set_mapsize(st->env, want);
        if (rc) {
            err = pf__mdb_err(eb, rc, "growing the map");
        } else {
            st->map_size = want;
            st->grows++;
        }
    }
    pthread_rwlock_unlock(&st->lock);
    return err;
}

/* Another process grew the map: adopt its size (mdb_env_set_mapsize(0) reads it from the environment). */
static pf_err adopt_resize(pf_store *st, pf_errbuf *eb)
{
    pthread_rwlock_wrlock(&st->lock);
    int rc = mdb_env_set_mapsize(st->env, 0);
    MDB_envinfo info;
    if (!rc) rc = mdb_env_info(st->env, &info);
    if (!rc) st->map_size = info.me_mapsize;
    pthread_rwlock_unlock(&st->lock);
    return rc ? pf__mdb_err(eb, rc, "adopting the map size") : PF_E_OK;
}

/* Grows before the map is nearly full, so most writers never meet MDB_MAP_FULL. */
static pf_err grow_early(pf_store *st, pf_errbuf *eb)
{
    MDB_envinfo info;
    MDB_stat stat;
    pthread_rwlock_rdlock(&st->lock);
    size_t seen = st->map_size;
    int rc = mdb_env_info(st->env, &info);
    if (!rc) rc = mdb_env_stat(st->env, &stat);
    pthread_rwlock_unlock(&st->lock);
    if (rc) return PF_E_OK;
    size_t used = (size_t)(info.me_last_pgno + 1) * stat.ms_psize;
    return used > seen / 10 * 8 ? grow(st, seen, eb) : PF_E_OK;
}

pf_err pf_store_write(pf_store *st, pf_store_txn_fn fn, void *ctx, pf_errbuf *eb)
{
    if (st->readonly) return pf_errf(eb, PF_E_INVAL, "store opened read-only");
    pf_err err = PF_E_STORAGE;
    pf__given_ids given = {0};
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if ((err = grow_early(st, eb))) goto done;
        pthread_rwlock_rdlock(&st->lock);
        size_t seen = st->map_size;
        pf_txn t = {.st = st, .write = true, .given = &given, .stale = given.n};
        int rc = mdb_txn_begin(st->env, NULL, 0, &t.txn);
        if (rc == MDB_MAP_RESIZED) {
            pthread_rwlock_unlock(&st->lock);
            if ((err = adopt_resize(st, eb))) goto done;
            continue;
        }
        if (rc) {
            pthread_rwlock_unlock(&st->lock);
            err = pf__mdb_err(eb, rc, "starting a write transaction");
            goto done;
        }
        err = fn(&t, ctx, eb);
        if (err || t.map_full) {
            mdb_txn_abort(t.txn);
            pthread_rwlock_unlock(&st->lock);
            if (!t.map_full) goto done;
        } else {
            rc = mdb_txn_commit(t.txn);
            pthread_rwlock_unlock(&st->lock);
            if (!rc) {
                err = PF_E_OK;
                goto done;
            }
            if (rc != MDB_MAP_FULL) {
                err = pf__mdb_err(eb, rc, "committing");
                goto done;
            }
        }
        if ((err = grow(st, seen, eb))) goto done;
        err = pf_errf(eb, PF_E_STORAGE, "map still full after growing");
    }
done:
    free(given.v);
    return err;
}

pf_err pf_store_read(pf_store *st, pf_store_txn_fn fn, void *ctx, pf_errbuf *eb)
{
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        pthread_rwlock_rdlock(&st->lock);
        pf_txn t = {.st = st, .write = false};
        int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t.txn);
        if (rc == MDB_MAP_RESIZED) {
            pthread_rwlock_unlock(&st->lock);
            pf_err err = adopt_resize(st, eb);
            if (err) return err;
            continue;
        }
        if (rc) {
            pthread_rwlock_unlock(&st->lock);
            return pf__mdb_err(eb, rc, "starting a read transaction");
        }
        pf_err err = fn(&t, ctx, eb);
        mdb_txn_abort(t.txn);
        pthread_rwlock_unlock(&st->lock);
        return err;
    }
    return pf_errf(eb, PF_E_STORAGE, "map keeps being resized");
}

uint64_t pf_store_txn_id(const pf_txn *t)
{
    return (uint64_t)mdb_txn_id(t->txn);
}

uint64_t pf_store_last_txn_id(pf_store *st)
{
    MDB_envinfo info;
    pthread_rwlock_rdlock(&st->lock); /* the map is not being resized meanwhile */
    int rc = mdb_env_info(st->env, &info);
    pthread_rwlock_unlock(&st->lock);
    return rc ? 0 : (uint64_t)info.me_last_txnid;
}

pf_err pf__with_txn(pf_store *st, pf_txn *t, bool write, pf_store_txn_fn fn, void *ctx, pf_errbuf *eb)
{
    if (t) {
        if (write && !t->write) return pf_errf(eb, PF_E_INVAL, "change inside a read transaction");
        return fn(t, ctx, eb);
    }
    return write ? pf_store_write(st, fn, ctx, eb) : pf_store_read(st, fn, ctx, eb);
}

/* ---- DBs, migration ---- */

static int open_dbs(pf_store *st, MDB_txn *txn)
{
    unsigned c = st->readonly ? 0 : MDB_CREATE;
    unsigned dup = MDB_DUPSORT | MDB_DUPFIXED;
    int rc;
    if ((rc = mdb_dbi_open(txn, "meta", c, &st->meta)) ||
        (rc = mdb_dbi_open(txn, "counters", c, &st->counters)) ||
        (rc = mdb_dbi_open(txn, "settings", c, &st->settings)) ||
        (rc = mdb_dbi_open(txn, "likes", c | dup, &st->likes)) ||
        (rc = mdb_dbi_open(txn, "blobs", c, &st->blobs)) ||
        (rc = mdb_dbi_open(txn, "blob_chunks", c, &st->chunks)) ||
        (rc = mdb_dbi_open(txn, "blob_pending", c, &st->pending)))
        return rc;
    for (int k = 0; k < PF_KIND__COUNT; k++) {
        const pf_kind *kd = &pf__kinds[k];
        if ((rc = mdb_dbi_open(txn, kd->name, c, &st->prim[k]))) return rc;
        for (size_t i = 0; i < kd->nindexes; i++) {
            unsigned f = c | (kd->indexes[i].flags & PF_IDX_UNIQUE ? 0 : dup);
            if ((rc = mdb_dbi_open(txn, kd->indexes[i].db, f, &st->idx[k][i]))) return rc;
        }
    }
    return 0;
}

/* Migration steps: steps[v] moves an environment from schema v to v + 1. Version 0 is an empty environment,
 * so step 0 seeds the defaults. Later steps rewrite records whose layout changed. */
typedef pf_err (*migrate_fn)(pf_txn *t, pf__open_state *os, pf_errbuf *eb);
static const migrate_fn steps[PF_STORE_SCHEMA_VERSION] = {pf__seed_defaults};

static pf_err open_and_migrate(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    pf__open_state *os = vctx;
    pf_store *st = t->st;
    os->generated_password[0] = 0;
    int rc = open_dbs(st, t->txn);
    if (rc) return pf__mdb_err(eb, rc, "opening DBs");
    MDB_val k = {sizeof "schema_version" - 1, "schema_version"}, v;
    uint32_t version = 0;
    rc = mdb_get(t->txn, st->meta, &k, &v);
    if (rc == 0 && v.mv_size == 4)
        memcpy(&version, v.mv_data, 4);
    else if (rc != MDB_NOTFOUND)
        return pf__mdb_err(eb, rc ? rc : MDB_CORRUPTED, "reading schema version");
    pf_err err;
    for (uint32_t s = version; s < PF_STORE_SCHEMA_VERSION; s++)
        if ((err = steps[s](t, os, eb))) return err;
    if (version < PF_STORE_SCHEMA_VERSION) {
        uint32_t nv = PF_STORE_SCHEMA_VERSION;
        v = (MDB_val){4, &nv};
        if ((rc = pf__put(t, st->meta, &k, &v, 0))) return pf__mdb_err(eb, rc, "writing schema version");
    }
    return pf__blob_drop_pending(t, eb);
}

static pf_err open_readonly(pf_store *st, pf_errbuf *eb)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc) return pf__mdb_err(eb, rc, "starting a read transaction");
    rc = open_dbs(st, txn);
    if (rc) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? pf_errf(eb, PF_E_NOT_FOUND, "not a PrintForge data directory")
                                  : pf__mdb_err(eb, rc, "opening DBs");
    }
    rc = mdb_txn_commit(txn);
    return rc ? pf__mdb_err(eb, rc, "opening DBs") : PF_E_OK;
}

pf_err pf_store_open(const pf_store_options *opt, pf_store **out, pf_errbuf *eb)
{
    static const pf_store_options defaults = {0};
    if (!opt) opt = &defaults;
    const char *dir = opt->dir ? opt->dir : "./data";
    pf_err err = PF_E_OK;
    pf_store *st = calloc(1, sizeof *st);
    if (!st) return pf_errf(eb, PF_E_NOMEM, "store");
    st->readonly = opt->readonly;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* Writer preference: a pending growth must not starve behind a stream of new transactions. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&st->lock, &attr);
    pthread_rwlockattr_destroy(&attr);

    if (!opt->readonly && mkdir(dir, 0750) && errno != EEXIST) {
        err = pf_errf(eb, PF_E_IO, "%s: %s", dir, strerror(errno));
        goto fail;
    }
    int rc = mdb_env_create(&st->env);
    if (!rc) rc = mdb_env_set_maxdbs(st->env, 64);
    if (!rc) rc = mdb_env_set_mapsize(st->env, opt->map_size ? opt->map_size : DEFAULT_MAP_SIZE);
    if (!rc) rc = mdb_env_open(st->env, dir, MDB_NOTLS | (opt->readonly ? MDB_RDONLY : 0), 0640);
    if (rc) {
        if (rc == ENOENT)
            err = pf_errf(eb, PF_E_NOT_FOUND, "%s: no data directory", dir);
        else
            err = pf_errf(eb, PF_E_STORAGE, "%s: %s", dir, mdb_strerror(rc));
        goto fail;
    }
    MDB_envinfo info;
    mdb_env_info(st->env, &info);
    st->map_size = info.me_mapsize;
    if (opt->readonly) {
        err = open_readonly(st, eb);
    } else {
        pf__open_state os = {.opt = opt};
        err = pf_store_write(st, open_and_migrate, &os, eb);
        if (!err && os.generated_password[0]) {
            FILE *f = opt->console ? opt->console : stderr;
            fprintf(
                f, "printforge: created admin %s with password %s (shown once; change it after logging in)\n",
                os.admin_email, os.generated_password);
            fflush(f);
        }
        sodium_memzero(os.generated_password, sizeof os.generated_password);
    }
    if (err) goto fail;
    *out = st;
    return PF_E_OK;
fail:
    pf_store_close(st);
    return err;
}

void pf_store_close(pf_store *st)
{
    if (!st) return;
    if (st->env) mdb_env_close(st->env);
    pthread_rwlock_destroy(&st->lock);
    free(st);
}

/* ---- counters ---- */

pf_err pf__counter_add(pf_txn *t, const char *name, int64_t delta, uint64_t *value, pf_errbuf *eb)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    uint64_t cur = 0;
    int rc = mdb_get(t->txn, t->st->counters, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        cur = pf__rd64(v.mv_data);
    else if (rc != MDB_NOTFOUND)
        return pf__mdb_err(eb, rc ? rc : MDB_CORRUPTED, name);
    cur += (uint64_t)delta;
    uint8_t buf[8];
    pf__be64(buf, cur);
    v = (MDB_val){8, buf};
    if ((rc = pf__put(t, t->st->counters, &k, &v, 0))) return pf__mdb_err(eb, rc, name);
    if (value) *value = cur;
    return PF_E_OK;
}

pf_err pf__counter_at_least(pf_txn *t, const char *name, uint64_t want, pf_errbuf *eb)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(t->txn, t->st->counters, &k, &v);
    if (rc == 0 && v.mv_size == 8 && pf__rd64(v.mv_data) >= want) return PF_E_OK;
    if (rc && rc != MDB_NOTFOUND) return pf__mdb_err(eb, rc, name);
    uint8_t buf[8];
    pf__be64(buf, want);
    v = (MDB_val){8, buf};
    return (rc = pf__put(t, t->st->counters, &k, &v, 0)) ? pf__mdb_err(eb, rc, name) : PF_E_OK;
}

typedef struct counter_ctx {
    const char *name; /* counter */
    int64_t delta;    /* change */
    uint64_t value;   /* result */
} counter_ctx;

static pf_err counter_add_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    counter_ctx *c = vctx;
    return pf__counter_add(t, c->name, c->delta, &c->value, eb);
}

pf_err pf_store_counter_add(pf_store *st, pf_txn *t, const char *name, int64_t delta, uint64_t *value,
                            pf_errbuf *eb)
{
    counter_ctx c = {name, delta, 0};
    pf_err err = pf__with_txn(st, t, true, counter_add_fn, &c, eb);
    if (!err && value) *value = c.value;
    return err;
}

static pf_err counter_get_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    counter_ctx *c = vctx;
    MDB_val k = {strlen(c->name), (void *)c->name}, v;
    int rc = mdb_get(t->txn, t->st->counters, &k, &v);
    if (rc == MDB_NOTFOUND) return PF_E_OK;
    if (rc || v.mv_size != 8) return pf__mdb_err(eb, rc ? rc : MDB_CORRUPTED, c->name);
    c->value = pf__rd64(v.mv_data);
    return PF_E_OK;
}

pf_err pf_store_counter_get(pf_store *st, pf_txn *t, const char *name, uint64_t *value, pf_errbuf *eb)
{
    counter_ctx c = {name, 0, 0};
    pf_err err = pf__with_txn(st, t, false, counter_get_fn, &c, eb);
    if (!err) *value = c.value;
    return err;
}
