/* Settings (key -> value with a change history) and catalog likes. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/store_internal.h"

/* The value of "settings": a msgpack map like any record, so settings gain fields the same way records do. */
typedef struct setting_val {
    char *value;         /* the setting */
    int64_t updated_at;  /* last change */
    uint64_t updated_by; /* user id, 0 = system */
} setting_val;

static const pf_field setting_fields[] = {
    {"value", PF_F_STR, offsetof(setting_val, value)},
    {"updated_at", PF_F_I64, offsetof(setting_val, updated_at)},
    {"updated_by", PF_F_U64, offsetof(setting_val, updated_by)},
};
#define NSET (sizeof setting_fields / sizeof setting_fields[0])

typedef struct set_ctx {
    const char *key;   /* setting key */
    const char *value; /* new value (set) */
    uint64_t actor;    /* who */
    char *out;         /* value read (get) */
    pf_setting *all;   /* all settings */
    size_t n;          /* entries in all */
} set_ctx;

static pf_err setting_read(pf_txn *t, const char *key, setting_val *sv, pf_errbuf *eb)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    if (!k.mv_size || k.mv_size > (size_t)mdb_env_get_maxkeysize(t->st->env))
        return pf_errf(eb, PF_E_NOT_FOUND, "setting key of %zu bytes", k.mv_size);
    int rc = mdb_get(t->txn, t->st->settings, &k, &v);
    if (rc == MDB_NOTFOUND) return pf_errf(eb, PF_E_NOT_FOUND, "setting %s not set", key);
    if (rc) return pf__mdb_err(eb, rc, "settings");
    *sv = (setting_val){0};
    return pf__rec_decode(setting_fields, NSET, v.mv_data, v.mv_size, sv, eb);
}

static pf_err get_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    set_ctx *c = vctx;
    setting_val sv;
    pf_err err = setting_read(t, c->key, &sv, eb);
    if (err) return err;
    c->out = sv.value ? sv.value : strdup("");
    return c->out ? PF_E_OK : pf_errf(eb, PF_E_NOMEM, "setting");
}

pf_err pf_store_setting_get(pf_store *st, pf_txn *t, const char *key, char **value, pf_errbuf *eb)
{
    set_ctx c = {.key = key};
    pf_err err = pf__with_txn(st, t, false, get_fn, &c, eb);
    if (!err) *value = c.out;
    return err;
}

static pf_err set_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    set_ctx *c = vctx;
    setting_val old = {0};
    pf_err err = setting_read(t, c->key, &old, eb);
    if (err && err != PF_E_NOT_FOUND) return err;
    bool had = !err;
    if (strlen(c->key) == 0 || strlen(c->key) > (size_t)mdb_env_get_maxkeysize(t->st->env))
        return pf_errf(eb, PF_E_INVAL, "setting key of %zu bytes", strlen(c->key));
    pf_setting_change ch = {.key = (char *)c->key,
                            .old_value = had ? old.value : NULL,
                            .new_value = (char *)c->value,
                            .changed_by = c->actor,
                            .at = (int64_t)time(NULL)};
    /* The change record borrows the strings: do not clear it. */
    err = pf__rec_put(t, PF_KIND_SETTING_CHANGE, &ch, eb);
    free(old.value);
    if (err) return err;
    MDB_val k = {strlen(c->key), (void *)c->key};
    int rc;
    if (!c->value) {
        rc = had ? pf__del(t, t->st->settings, &k, NULL) : 0;
        return rc ? pf__mdb_err(eb, rc, "settings") : PF_E_OK;
    }
    setting_val sv = {(char *)c->value, ch.at, c->actor};
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (!(err = pf__rec_encode(setting_fields, NSET, 1, &sv, &sb))) {
        MDB_val v = {sb.size, sb.data};
        if ((rc = pf__put(t, t->st->settings, &k, &v, 0))) err = pf__mdb_err(eb, rc, "settings");
    }
    msgpack_sbuffer_destroy(&sb);
    return err;
}

pf_err pf_store_setting_set(pf_store *st, pf_txn *t, const char *key, const char *value, uint64_t actor,
                            pf_errbuf *eb)
{
    set_ctx c = {.key = key, .value = value, .actor = actor};
    return pf__with_txn(st, t, true, set_fn, &c, eb);
}

void pf_settings_free(pf_setting *arr, size_t n)
{
    if (!arr) return;
    for (size_t i = 0; i < n; i++) {
        free(arr[i].key);
        free(arr[i].value);
    }
    free(arr);
}

static pf_err all_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    set_ctx *c = vctx;
    MDB_stat ms;
    int rc = mdb_stat(t->txn, t->st->settings, &ms);
    if (rc) return pf__mdb_err(eb, rc, "settings");
    pf_err err = PF_E_OK;
    MDB_cursor *cur = NULL;
    c->n = 0;
    c->all = calloc(ms.ms_entries ? ms.ms_entries : 1, sizeof *c->all);
    if (!c->all) return pf_errf(eb, PF_E_NOMEM, "settings");
    if ((rc = mdb_cursor_open(t->txn, t->st->settings, &cur))) {
        err = pf__mdb_err(eb, rc, "settings");
        goto done;
    }
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && c->n < ms.ms_entries;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        setting_val sv = {0};
        if ((err = pf__rec_decode(setting_fields, NSET, v.mv_data, v.mv_size, &sv, eb))) goto done;
        pf_setting *s = &c->all[c->n++];
        s->key = strndup(k.mv_data, k.mv_size);
        s->value = sv.value ? sv.value : strdup("");
        if (!s->key || !s->value) {
            err = pf_errf(eb, PF_E_NOMEM, "settings");
            goto done;
        }
    }
    if (rc && rc != MDB_NOTFOUND) err = pf__mdb_err(eb, rc, "settings");
done:
    mdb_cursor_close(cur);
    if (err) {
        pf_settings_free(c->all, c->n);
        c->all = NULL;
    }
    return err;
}

pf_err pf_store_settings_all(pf_store *st, pf_txn *t, pf_setting **out, size_t *n, pf_errbuf *eb)
{
    set_ctx c = {0};
    pf_err err = pf__with_txn(st, t, false, all_fn, &c, eb);
    if (!err) {
        *out = c.all;
        *n = c.n;
    }
    return err;
}

/* ---- likes: "likes" maps a model id to the ids of the users who like it (DUPSORT, DUPFIXED) ---- */

typedef struct like_ctx {
    uint64_t model, user; /* pair */
    bool toggle;          /* flip instead of just reading */
    bool liked;           /* state after */
    uint64_t total;       /* likes of the model after */
} like_ctx;

static pf_err like_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    like_ctx *c = vctx;
    uint8_t mb[8], ub[8];
    pf__be64(mb, c->model);
    pf__be64(ub, c->user);
    MDB_val k = {8, mb}, v = {8, ub};
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->st->likes, &cur);
    if (rc) return pf__mdb_err(eb, rc, "likes");
    rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
    bool had = rc == 0;
    if (rc && rc != MDB_NOTFOUND) goto fail;
    c->liked = had;
    if (c->toggle) {
        if (had) {
            rc = mdb_cursor_del(cur, 0);
            if (rc == MDB_MAP_FULL) t->map_full = true;
        } else {
            k = (MDB_val){8, mb}, v = (MDB_val){8, ub};
            rc = pf__put(t, t->st->likes, &k, &v, MDB_NODUPDATA);
        }
        if (rc) goto fail;
        c->liked = !had;
    }
    c->total = 0;
    k = (MDB_val){8, mb};
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
    if (rc == 0) {
        size_t count;
        if ((rc = mdb_cursor_count(cur, &count))) goto fail;
        c->total = count;
    } else if (rc != MDB_NOTFOUND) {
        goto fail;
    }
    mdb_cursor_close(cur);
    return PF_E_OK;
fail:
    mdb_cursor_close(cur);
    return pf__mdb_err(eb, rc, "likes");
}

pf_err pf_store_like_toggle(pf_store *st, pf_txn *t, uint64_t model_id, uint64_t user_id, bool *liked,
                            uint64_t *total, pf_errbuf *eb)
{
    like_ctx c = {model_id, user_id, true, false, 0};
    pf_err err = pf__with_txn(st, t, true, like_fn, &c, eb);
    if (!err) {
        *liked = c.liked;
        *total = c.total;
    }
    return err;
}

pf_err pf_store_like_count(pf_store *st, pf_txn *t, uint64_t model_id, uint64_t *total, pf_errbuf *eb)
{
    like_ctx c = {model_id, 0, false, false, 0};
    pf_err err = pf__with_txn(st, t, false, like_fn, &c, eb);
    if (!err) *total = c.total;
    return err;
}

pf_err pf_store_like_get(pf_store *st, pf_txn *t, uint64_t model_id, uint64_t user_id, bool *liked,
                         pf_errbuf *eb)
{
    like_ctx c = {model_id, user_id, false, false, 0};
    pf_err err = pf__with_txn(st, t, false, like_fn, &c, eb);
    if (!err) *liked = c.liked;
    return err;
}
