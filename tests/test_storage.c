/* Storage: record round trips, index consistency, schema tolerance, map growth, blobs, settings, likes,
 * seeds, backup and check. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sys/wait.h>

#include "engine/price.h"
#include "storage/store_internal.h"
#include "tests/test_storage_common.h"

static char dir[256];
static pf_store *st;

static void open_fresh(void)
{
    scratch_dir(dir, sizeof dir);
    pf_store_options o = fast_options(dir);
    o.console = stderr;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
}

static void close_and_remove(void)
{
    pf_store_close(st);
    st = NULL;
    rm_rf(dir);
}

static uint64_t problems(pf_store *s)
{
    uint64_t n = 99;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_check(s, stderr, &n, &eb), PF_E_OK, "%s", eb.msg);
    return n;
}

/* ---- generic round trip of every kind, driven by the field tables ---- */

/* Fills every field of rec with values derived from seed (BLOB fields get blob). */
static void fill(const pf_kind *kd, void *rec, unsigned seed, const pf_sha256 *blob)
{
    for (size_t i = 1; i < kd->nfields; i++) {
        char *p = (char *)rec + kd->fields[i].off;
        char s[96];
        snprintf(s, sizeof s, "%s.%s.%u", kd->name, kd->fields[i].key, seed);
        switch (kd->fields[i].type) {
        case PF_F_U64:
            *(uint64_t *)p = 1000u * seed + i;
            break;
        case PF_F_I64:
            *(int64_t *)p = -(int64_t)(1000u * seed + i);
            break;
        case PF_F_F64:
            *(double *)p = seed + i / 8.0;
            break;
        case PF_F_BOOL:
            *(bool *)p = (seed + i) & 1;
            break;
        case PF_F_STR:
            *(char **)p = strdup(s);
            break;
        case PF_F_STRV: {
            pf_strv *v = (pf_strv *)p;
            v->n = 2;
            v->v = calloc(2, sizeof *v->v);
            v->v[0] = strdup(s);
            v->v[1] = strdup("second");
            break;
        }
        case PF_F_SHA:
            for (int j = 0; j < 32; j++)
                ((uint8_t *)p)[j] = (uint8_t)(seed * 7 + i + j);
            break;
        case PF_F_BLOB:
            memcpy(p, blob, sizeof *blob);
            break;
        }
    }
}

static void assert_same(const pf_kind *kd, const void *a, const void *b)
{
    for (size_t i = 0; i < kd->nfields; i++) {
        const char *p = (const char *)a + kd->fields[i].off, *q = (const char *)b + kd->fields[i].off;
        const char *what = kd->fields[i].key;
        switch (kd->fields[i].type) {
        case PF_F_U64:
            cr_assert_eq(*(uint64_t *)p, *(uint64_t *)q, "%s.%s", kd->name, what);
            break;
        case PF_F_I64:
            cr_assert_eq(*(int64_t *)p, *(int64_t *)q, "%s.%s", kd->name, what);
            break;
        case PF_F_F64:
            cr_assert_eq(*(double *)p, *(double *)q, "%s.%s", kd->name, what);
            break;
        case PF_F_BOOL:
            cr_assert_eq(*(bool *)p, *(bool *)q, "%s.%s", kd->name, what);
            break;
        case PF_F_STR:
            cr_assert_str_eq(*(char **)p, *(char **)q, "%s.%s", kd->name, what);
            break;
        case PF_F_STRV: {
            const pf_strv *x = (const pf_strv *)p, *y = (const pf_strv *)q;
            cr_assert_eq(x->n, y->n, "%s.%s", kd->name, what);
            for (size_t j = 0; j < x->n; j++)
                cr_assert_str_eq(x->v[j], y->v[j]);
            break;
        }
        case PF_F_SHA:
        case PF_F_BLOB:
            cr_assert_eq(memcmp(p, q, 32), 0, "%s.%s", kd->name, what);
            break;
        }
    }
}

typedef struct rt_ctx {
    pf_kind_id k;
    void *rec;
} rt_ctx;

static pf_err rt_put(pf_txn *t, void *c, pf_errbuf *eb)
{
    rt_ctx *r = c;
    return pf__rec_put(t, r->k, r->rec, eb);
}

static pf_err rt_get(pf_txn *t, void *c, pf_errbuf *eb)
{
    rt_ctx *r = c;
    return pf__rec_get(t, r->k, *(uint64_t *)r->rec, r->rec, eb);
}

static pf_sha256 store_bytes(pf_store *s, const void *data, size_t len, pf_blob_info *info)
{
    pf_blob_writer *w = NULL;
    pf_sha256 sha;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_blob_begin(s, &w, &eb), PF_E_OK, "%s", eb.msg);
    for (size_t off = 0; off < len; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        cr_assert_eq(pf_store_blob_write(w, (const char *)data + off, n, &eb), PF_E_OK, "%s", eb.msg);
    }
    cr_assert_eq(pf_store_blob_finish(w, NULL, &sha, info, &eb), PF_E_OK, "%s", eb.msg);
    pf_store_blob_free(w);
    return sha;
}

Test(storage, every_kind_round_trips, .init = open_fresh, .fini = close_and_remove)
{
    pf_sha256 blob = store_bytes(st, "solid x\nendsolid x\n", 19, NULL);
    for (int k = 0; k < PF_KIND__COUNT; k++) {
        const pf_kind *kd = &pf__kinds[k];
        void *a = calloc(1, kd->size), *b = calloc(1, kd->size);
        fill(kd, a, 3 + k, &blob);
        pf_errbuf eb = {{0}};
        rt_ctx put = {k, a};
        cr_assert_eq(pf_store_write(st, rt_put, &put, &eb), PF_E_OK, "%s: %s", kd->name, eb.msg);
        cr_assert_neq(*(uint64_t *)a, 0, "%s got an id", kd->name);
        *(uint64_t *)b = *(uint64_t *)a;
        rt_ctx get = {k, b};
        cr_assert_eq(pf_store_read(st, rt_get, &get, &eb), PF_E_OK, "%s: %s", kd->name, eb.msg);
        assert_same(kd, a, b);
        pf__rec_clear(kd->fields, kd->nfields, a);
        pf__rec_clear(kd->fields, kd->nfields, b);
        free(a);
        free(b);
    }
    cr_assert_eq(problems(st), 0);
}

Test(storage, typed_api_round_trips_and_nulls, .init = open_fresh, .fini = close_and_remove)
{
    pf_errbuf eb = {{0}};
    pf_category c = {.name = strdup("Gadgets"), .icon = NULL, .display_order = -3};
    cr_assert_eq(pf_store_category_put(st, NULL, &c, &eb), PF_E_OK, "%s", eb.msg);
    pf_category got = {0};
    cr_assert_eq(pf_store_category_get(st, NULL, c.id, &got, &eb), PF_E_OK);
    cr_assert_str_eq(got.name, "Gadgets");
    cr_assert_null(got.icon);
    cr_assert_eq(got.display_order, -3);
    pf_category_clear(&got);
    cr_assert_eq(pf_store_category_get(st, NULL, c.id + 100, &got, &eb), PF_E_NOT_FOUND);
    cr_assert_eq(pf_store_category_del(st, NULL, c.id, &eb), PF_E_OK);
    cr_assert_eq(pf_store_category_del(st, NULL, c.id, &eb), PF_E_NOT_FOUND);
    pf_category_clear(&c);
}

/* ---- indexes ---- */

static uint64_t add_user(const char *email)
{
    pf_user u = {.email = strdup(email), .role = strdup("user"), .is_active = true};
    pf_errbuf eb = {{0}};
    pf_err err = pf_store_user_put(st, NULL, &u, &eb);
    uint64_t id = err ? 0 : u.id;
    pf_user_clear(&u);
    return id;
}

Test(storage, user_email_index_follows_updates_and_deletes, .init = open_fresh, .fini = close_and_remove)
{
    pf_errbuf eb = {{0}};
    uint64_t a = add_user("a@example.com");
    cr_assert_neq(a, 0);
    cr_assert_eq(add_user("a@example.com"), 0, "a second account with the same email is refused");
    pf_user u = {0};
    cr_assert_eq(pf_store_user_by_email(st, NULL, "a@example.com", &u, &eb), PF_E_OK);
    cr_assert_eq(u.id, a);
    free(u.email);
    u.email = strdup("b@example.com");
    cr_assert_eq(pf_store_user_put(st, NULL, &u, &eb), PF_E_OK, "%s", eb.msg);
    pf_user_clear(&u);
    cr_assert_eq(pf_store_user_by_email(st, NULL, "a@example.com", &u, &eb), PF_E_NOT_FOUND);
    cr_assert_eq(pf_store_user_by_email(st, NULL, "b@example.com", &u, &eb), PF_E_OK);
    cr_assert_eq(u.id, a);
    pf_user_clear(&u);
    cr_assert_neq(add_user("a@example.com"), 0, "the old email is free again");
    pf_user dup = {.email = strdup("b@example.com")};
    cr_assert_eq(pf_store_user_put(st, NULL, &dup, &eb), PF_E_CONFLICT);
    cr_assert_eq(dup.id, 0, "a failed insert hands back no id");
    pf_user_clear(&dup);
    cr_assert_eq(pf_store_user_del(st, NULL, a, &eb), PF_E_OK);
    cr_assert_eq(pf_store_user_by_email(st, NULL, "b@example.com", &u, &eb), PF_E_NOT_FOUND);
    cr_assert_eq(problems(st), 0);
}

static uint64_t add_order(uint64_t user, const char *status, uint64_t printer)
{
    static unsigned n;
    char tr[32];
    snprintf(tr, sizeof tr, "PF-%06u", ++n);
    pf_order o = {.user_id = user,
                  .status = strdup(status),
                  .tracking_no = strdup(tr),
                  .printer_id = printer,
                  .quantity = 1,
                  .total = 12345};
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_order_put(st, NULL, &o, &eb), PF_E_OK, "%s", eb.msg);
    uint64_t id = o.id;
    pf_order_clear(&o);
    return id;
}

Test(storage, orders_by_user_page_newest_first, .init = open_fresh, .fini = close_and_remove)
{
    uint64_t mine[25];
    for (int i = 0; i < 25; i++) {
        mine[i] = add_order(7, "pending", 0);
        add_order(8, "pending", 0);
    }
    pf_errbuf eb = {{0}};
    uint64_t cursor = 0;
    int seen = 0, pages = 0;
    do {
        pf_order *page = NULL;
        size_t n = 0;
        cr_assert_eq(pf_store_order_list_by_user(st, NULL, 7, cursor, 10, &page, &n, &cursor, &eb), PF_E_OK,
                     "%s", eb.msg);
        for (size_t i = 0; i < n; i++, seen++) {
            cr_assert_eq(page[i].id, mine[24 - seen], "newest first");
            cr_assert_eq(page[i].user_id, 7);
        }
        pf_order_list_free(page, n);
        pages++;
    } while (cursor);
    cr_assert_eq(seen, 25);
    cr_assert_eq(pages, 3);
    pf_order *none = NULL;
    size_t n = 9;
    cr_assert_eq(pf_store_order_list_by_user(st, NULL, 99, 0, 10, &none, &n, &cursor, &eb), PF_E_OK);
    cr_assert_eq(n, 0);
}

Test(storage, order_status_and_printer_indexes_follow_changes, .init = open_fresh, .fini = close_and_remove)
{
    pf_errbuf eb = {{0}};
    uint64_t a = add_order(1, "pending", 0), b = add_order(1, "pending", 2);
    pf_order o = {0};
    cr_assert_eq(pf_store_order_get(st, NULL, a, &o, &eb), PF_E_OK);
    free(o.status);
    o.status = strdup("printing");
    o.printer_id = 2;
    cr_assert_eq(pf_store_order_put(st, NULL, &o, &eb), PF_E_OK);
    pf_order *arr;
    size_t n;
    uint64_t next;
    cr_assert_eq(pf_store_order_list_by_status(st, NULL, "pending", 0, 10, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(arr[0].id, b);
    pf_order_list_free(arr, n);
    cr_assert_eq(pf_store_order_list_by_status(st, NULL, "printing", 0, 10, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(arr[0].id, a);
    pf_order_list_free(arr, n);
    cr_assert_eq(pf_store_order_list_by_printer(st, NULL, 2, 0, 10, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(arr[0].id, b);
    cr_assert_eq(arr[1].id, a);
    pf_order_list_free(arr, n);
    /* Unassigning removes the order from the printer's list. */
    o.printer_id = 0;
    cr_assert_eq(pf_store_order_put(st, NULL, &o, &eb), PF_E_OK);
    cr_assert_eq(pf_store_order_list_by_printer(st, NULL, 2, 0, 10, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 1);
    pf_order_list_free(arr, n);
    pf_order t = {0};
    cr_assert_eq(pf_store_order_by_tracking(st, NULL, o.tracking_no, &t, &eb), PF_E_OK);
    cr_assert_eq(t.id, a);
    pf_order_clear(&t);
    pf_order_clear(&o);
    cr_assert_eq(pf_store_order_del(st, NULL, b, &eb), PF_E_OK);
    cr_assert_eq(pf_store_order_list_by_status(st, NULL, "pending", 0, 10, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(problems(st), 0);
}

typedef struct place_ctx {
    pf_order_group g;
    pf_order o[3];
} place_ctx;

/* A cart checkout: the group, its orders and a counter in one transaction. */
static pf_err place(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    place_ctx *c = vctx;
    pf_err err = pf_store_order_group_put(NULL, t, &c->g, eb);
    for (int i = 0; i < 3 && !err; i++) {
        c->o[i].group_id = c->g.id;
        err = pf_store_order_put(NULL, t, &c->o[i], eb);
    }
    if (!err) err = pf_store_counter_add(NULL, t, "orders_placed", 3, NULL, eb);
    return err;
}

Test(storage, multi_record_change_is_atomic, .init = open_fresh, .fini = close_and_remove)
{
    pf_errbuf eb = {{0}};
    add_order(1, "pending", 0); /* takes tracking PF-... counter values; the clash below is deliberate */
    pf_order first = {0};
    uint64_t next;
    size_t n;
    pf_order *arr;
    cr_assert_eq(pf_store_order_list(st, NULL, 0, 1, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 1);
    const char *taken = arr[0].tracking_no;
    place_ctx c = {.g = {.user_id = 5}};
    for (int i = 0; i < 3; i++) {
        c.o[i].user_id = 5;
        c.o[i].status = "pending";
        c.o[i].tracking_no = i == 2 ? (char *)taken : (char *)(i ? "G-2" : "G-1");
    }
    cr_assert_eq(pf_store_write(st, place, &c, &eb), PF_E_CONFLICT, "the third order clashes");
    pf_order_list_free(arr, n);
    pf_order_clear(&first);
    cr_assert_eq(pf_store_order_list_by_user(st, NULL, 5, 0, 10, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 0, "no order of the failed checkout was kept");
    uint64_t placed = 7;
    cr_assert_eq(pf_store_counter_get(st, NULL, "orders_placed", &placed, &eb), PF_E_OK);
    cr_assert_eq(placed, 0);
    c.o[2].tracking_no = "G-3";
    for (int i = 0; i < 3; i++)
        c.o[i].id = 0;
    c.g.id = 0;
    cr_assert_eq(pf_store_write(st, place, &c, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_store_order_list_by_group(st, NULL, c.g.id, 0, 10, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 3);
    pf_order_list_free(arr, n);
    cr_assert_eq(pf_store_counter_get(st, NULL, "orders_placed", &placed, &eb), PF_E_OK);
    cr_assert_eq(placed, 3);
    cr_assert_eq(problems(st), 0);
}

/* ---- schema tolerance ---- */

static pf_err raw_put_user(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    msgpack_sbuffer *sb = vctx;
    uint8_t k[8];
    pf__be64(k, 42);
    MDB_val key = {8, k}, val = {sb->size, sb->data};
    int rc = pf__put(t, t->st->prim[PF_KIND_USER], &key, &val, 0);
    if (rc) return pf__mdb_err(eb, rc, "raw put");
    MDB_val ek = {sizeof "future@example.com" - 1, "future@example.com"};
    rc = pf__put(t, t->st->idx[PF_KIND_USER][0], &ek, &key, 0);
    return rc ? pf__mdb_err(eb, rc, "raw put") : pf__counter_at_least(t, "user", 42, eb);
}

static void pack_s(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

Test(storage, record_from_a_newer_schema_is_read, .init = open_fresh, .fini = close_and_remove)
{
    /* What a future version might write: a higher _v, new keys of every shape, known keys in another order.
     */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 8);
    pack_s(&pk, "passkeys");
    msgpack_pack_array(&pk, 2);
    msgpack_pack_map(&pk, 1);
    pack_s(&pk, "cred");
    msgpack_pack_bin(&pk, 3);
    msgpack_pack_bin_body(&pk, "abc", 3);
    msgpack_pack_nil(&pk);
    pack_s(&pk, "email");
    pack_s(&pk, "future@example.com");
    pack_s(&pk, "_v");
    msgpack_pack_uint32(&pk, 99);
    pack_s(&pk, "locale");
    pack_s(&pk, "hi-IN");
    msgpack_pack_int(&pk, 17); /* a non-string key */
    msgpack_pack_true(&pk);
    pack_s(&pk, "id");
    msgpack_pack_uint64(&pk, 42);
    pack_s(&pk, "role");
    pack_s(&pk, "admin");
    pack_s(&pk, "created_at");
    msgpack_pack_int64(&pk, -5);
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_write(st, raw_put_user, &sb, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf__rec_version(sb.data, sb.size), 99);
    msgpack_sbuffer_destroy(&sb);
    pf_user u = {0};
    cr_assert_eq(pf_store_user_get(st, NULL, 42, &u, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_str_eq(u.email, "future@example.com");
    cr_assert_str_eq(u.role, "admin");
    cr_assert_eq(u.created_at, -5);
    cr_assert_null(u.username, "keys the newer writer left out read as empty");
    pf_user_clear(&u);
    cr_assert_eq(pf_store_user_by_email(st, NULL, "future@example.com", &u, &eb), PF_E_OK);
    cr_assert_eq(u.id, 42);
    pf_user_clear(&u);
    cr_assert_eq(problems(st), 0);
}

Test(storage, corrupt_record_is_a_storage_error, .init = open_fresh, .fini = close_and_remove)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    pack_s(&pk, "id");
    msgpack_pack_uint64(&pk, 42);
    pack_s(&pk, "email");
    msgpack_pack_int(&pk, 5); /* wrong type */
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_write(st, raw_put_user, &sb, &eb), PF_E_OK);
    msgpack_sbuffer_destroy(&sb);
    pf_user u = {0};
    cr_assert_eq(pf_store_user_get(st, NULL, 42, &u, &eb), PF_E_STORAGE);
    cr_assert(strstr(eb.msg, "email"), "%s", eb.msg);
    cr_assert_geq(problems(st), 1);
    /* Truncated msgpack as well. */
    static const uint8_t cut[] = {0x82, 0xa2, 'i', 'd'};
    cr_assert_eq(pf__rec_decode(pf__kinds[PF_KIND_USER].fields, pf__kinds[PF_KIND_USER].nfields, cut,
                                sizeof cut, &u, &eb),
                 PF_E_STORAGE);
}

/* ---- map growth and threads ---- */

/* Opens st on a fresh directory with a 256 KB map, so a few hundred KB of records make it grow. */
static void open_small_map(void)
{
    scratch_dir(dir, sizeof dir);
    pf_store_options o = fast_options(dir);
    o.map_size = 256 << 10;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
}

Test(storage, map_grows_instead_of_failing)
{
    open_small_map();
    pf_errbuf eb = {{0}};
    size_t before = pf_store_map_size(st);
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    for (int i = 0; i < 1500; i++) {
        pf_inquiry q = {.user_id = 1 + i % 3, .message = big, .status = "open"};
        cr_assert_eq(pf_store_inquiry_put(st, NULL, &q, &eb), PF_E_OK, "%d: %s", i, eb.msg);
    }
    cr_assert_gt(pf_store_map_size(st), before);
    cr_assert_gt(pf_store_map_grows(st), 0);
    pf_inquiry *arr;
    size_t n;
    uint64_t next;
    cr_assert_eq(pf_store_inquiry_list_by_user(st, NULL, 2, 0, 1000, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 500);
    cr_assert_str_eq(arr[0].message, big);
    pf_inquiry_list_free(arr, n);
    cr_assert_eq(problems(st), 0);
    close_and_remove();
}

/* A write body that the store runs twice: its first attempt fills the map (so it is aborted, the map grows
 * and the body runs again), and its second attempt first stores another new record, which the id counter
 * gives the id the first attempt had handed to `a` (that increment was aborted too). `a` still carries that
 * id. */
typedef struct rerun_ctx {
    int attempts;    /* runs of the body */
    pf_inquiry a;    /* kept across attempts, as a caller's record struct is */
    uint64_t b_id;   /* the other record's id (second attempt) */
    const char *big; /* filler text */
} rerun_ctx;

static pf_err rerun_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    rerun_ctx *x = vctx;
    pf_err err = PF_E_OK;
    if (++x->attempts > 1) {
        pf_inquiry b = {.user_id = 9, .message = "other", .status = "open"};
        if ((err = pf_store_inquiry_put(NULL, t, &b, eb))) return err;
        x->b_id = b.id;
    }
    if ((err = pf_store_inquiry_put(NULL, t, &x->a, eb))) return err;
    for (int i = 0; x->attempts == 1 && i < 1000 && !err; i++) {
        pf_inquiry f = {.user_id = 7, .message = (char *)x->big, .status = "open"};
        err = pf_store_inquiry_put(NULL, t, &f, eb);
    }
    return err;
}

Test(storage, a_write_run_again_after_the_map_grew_hands_out_fresh_ids)
{
    open_small_map();
    pf_errbuf eb = {{0}};
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    rerun_ctx x = {.a = {.user_id = 1, .message = "mine", .status = "open"}, .big = big};
    cr_assert_eq(pf_store_write(st, rerun_fn, &x, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(x.attempts, 2, "the first attempt filled the map");
    cr_expect_neq(x.a.id, x.b_id, "the record kept from the aborted attempt got a fresh id");
    pf_inquiry got = {0};
    cr_assert_eq(pf_store_inquiry_get(st, NULL, x.b_id, &got, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(got.user_id, 9, "the other record is not overwritten");
    pf_inquiry_clear(&got);
    cr_assert_eq(pf_store_inquiry_get(st, NULL, x.a.id, &got, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(got.user_id, 1);
    pf_inquiry_clear(&got);
    cr_expect_eq(problems(st), 0);
    close_and_remove();
}

static void *writer_thread(void *arg)
{
    uintptr_t me = (uintptr_t)arg;
    char text[600];
    memset(text, 'a' + (int)me, sizeof text - 1);
    text[sizeof text - 1] = 0;
    for (int i = 0; i < 150; i++) {
        pf_pat_log l = {.pat_id = me, .path = text, .status = 200};
        pf_errbuf eb;
        if (pf_store_pat_log_put(st, NULL, &l, &eb)) return (void *)1;
        pf_pat_log *arr;
        size_t n;
        uint64_t next;
        if (pf_store_pat_log_list_by_pat(st, NULL, me, 0, 5, &arr, &n, &next, &eb)) return (void *)2;
        pf_pat_log_list_free(arr, n);
    }
    return NULL;
}

Test(storage, concurrent_writers_and_readers_while_the_map_grows)
{
    open_small_map();
    pf_errbuf eb = {{0}};
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, writer_thread, (void *)(i + 1));
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        cr_assert_null(r, "thread %d failed at step %p", i, r);
    }
    cr_assert_gt(pf_store_map_grows(st), 0);
    for (uint64_t p = 1; p <= 4; p++) {
        pf_pat_log *arr;
        size_t n;
        uint64_t next;
        cr_assert_eq(pf_store_pat_log_list_by_pat(st, NULL, p, 0, 1000, &arr, &n, &next, &eb), PF_E_OK);
        cr_assert_eq(n, 150);
        pf_pat_log_list_free(arr, n);
    }
    cr_assert_eq(problems(st), 0);
    close_and_remove();
}

/* ---- blobs ---- */

/* A binary-STL-like buffer: an 80-byte header, a count and `tris` triangles of floats on a coarse grid (so it
 * compresses the way real meshes do, partly). */
static uint8_t *fake_stl(uint32_t tris, size_t *len)
{
    *len = 84 + (size_t)tris * 50;
    uint8_t *b = calloc(1, *len);
    memcpy(b, "binary stl", 10);
    memcpy(b + 80, &tris, 4);
    uint32_t x = 12345;
    for (uint32_t i = 0; i < tris; i++) {
        float v[12];
        for (int j = 0; j < 12; j++) {
            x = x * 1103515245u + 12345u;
            v[j] = (float)((x >> 16) % 200) * 0.5f;
        }
        memcpy(b + 84 + (size_t)i * 50, v, 48);
    }
    return b;
}

typedef struct sink_buf {
    uint8_t *p;
    size_t n, cap;
} sink_buf;

static pf_err collect(void *ctx, const void *data, size_t len)
{
    sink_buf *s = ctx;
    if (s->n + len > s->cap) return PF_E_TOO_LARGE;
    memcpy(s->p + s->n, data, len);
    s->n += len;
    return PF_E_OK;
}

Test(storage, blobs_are_content_addressed_deduplicated_and_refcounted, .init = open_fresh,
     .fini = close_and_remove)
{
    size_t len;
    uint8_t *data = fake_stl(150000, &len); /* 7.5 MB: several chunks */
    pf_sha256 want;
    crypto_hash_sha256(want.b, data, len);
    pf_blob_info info;
    pf_sha256 sha = store_bytes(st, data, len, &info);
    cr_assert_eq(memcmp(&sha, &want, 32), 0, "addressed by the SHA-256 of the original bytes");
    cr_assert_eq(info.size, len);
    cr_assert_lt(info.csize, len, "compressed");
    cr_assert_gt(info.nchunks, 1);
    pf_sha256 again = store_bytes(st, data, len, NULL);
    cr_assert_eq(memcmp(&again, &sha, 32), 0);
    pf_errbuf eb = {{0}};
    pf_blob_info si;
    cr_assert_eq(pf_store_blob_stat(st, NULL, &sha, &si, &eb), PF_E_OK);
    cr_assert_eq(si.refs, 0);
    cr_assert_eq(si.csize, info.csize, "stored once");
    pf_model m1 = {.name = strdup("one"), .blob = sha}, m2 = {.name = strdup("two"), .blob = sha};
    cr_assert_eq(pf_store_model_put(st, NULL, &m1, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_store_model_put(st, NULL, &m2, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_store_blob_stat(st, NULL, &sha, &si, &eb), PF_E_OK);
    cr_assert_eq(si.refs, 2);
    cr_assert_eq(problems(st), 0);
    sink_buf out = {malloc(len), 0, len};
    cr_assert_eq(pf_store_blob_read(st, &sha, collect, &out, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(out.n, len);
    cr_assert_eq(memcmp(out.p, data, len), 0);
    /* Replacing one model's file drops its reference; deleting the other drops the last one. */
    pf_sha256 other = store_bytes(st, "small", 5, NULL);
    m1.blob = other;
    cr_assert_eq(pf_store_model_put(st, NULL, &m1, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_store_blob_stat(st, NULL, &sha, &si, &eb), PF_E_OK);
    cr_assert_eq(si.refs, 1);
    cr_assert_eq(pf_store_model_del(st, NULL, m2.id, &eb), PF_E_OK);
    cr_assert_eq(pf_store_blob_stat(st, NULL, &sha, &si, &eb), PF_E_NOT_FOUND);
    cr_assert_eq(pf_store_blob_read(st, &sha, collect, &out, &eb), PF_E_NOT_FOUND);
    pf_model bad = {.blob = want};
    cr_assert_eq(pf_store_model_put(st, NULL, &bad, &eb), PF_E_NOT_FOUND,
                 "a record cannot name a missing blob");
    cr_assert_eq(problems(st), 0);
    pf_model_clear(&m1);
    pf_model_clear(&m2);
    free(out.p);
    free(data);
}

Test(storage, abandoned_upload_leaves_nothing, .init = open_fresh, .fini = close_and_remove)
{
    size_t len;
    uint8_t *data = fake_stl(20000, &len);
    pf_blob_writer *w;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_blob_begin(st, &w, &eb), PF_E_OK);
    cr_assert_eq(pf_store_blob_write(w, data, len, &eb), PF_E_OK);
    pf_store_blob_free(w);
    uint64_t n = 0;
    cr_assert_eq(pf_store_check(st, NULL, &n, &eb), PF_E_OK);
    cr_assert_eq(n, 0);
    MDB_stat ms;
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn), 0);
    mdb_stat(txn, st->chunks, &ms);
    cr_assert_eq(ms.ms_entries, 0);
    mdb_stat(txn, st->pending, &ms);
    cr_assert_eq(ms.ms_entries, 0);
    mdb_txn_abort(txn);
    free(data);
}

/* ---- settings, likes, seeds ---- */

Test(storage, settings_keep_a_history, .init = open_fresh, .fini = close_and_remove)
{
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_setting_set(st, NULL, "cost.gst_pct", "12", 9, &eb), PF_E_OK);
    cr_assert_eq(pf_store_setting_set(st, NULL, "cost.gst_pct", "5", 9, &eb), PF_E_OK);
    char *v;
    cr_assert_eq(pf_store_setting_get(st, NULL, "cost.gst_pct", &v, &eb), PF_E_OK);
    cr_assert_str_eq(v, "5");
    free(v);
    pf_setting_change *h;
    size_t n;
    uint64_t next;
    cr_assert_eq(pf_store_setting_change_list_by_key(st, NULL, "cost.gst_pct", 0, 10, &h, &n, &next, &eb),
                 PF_E_OK);
    cr_assert_eq(n, 3, "seed plus two changes");
    cr_assert_str_eq(h[0].old_value, "12");
    cr_assert_str_eq(h[0].new_value, "5");
    cr_assert_eq(h[0].changed_by, 9);
    cr_assert_str_eq(h[2].new_value, "18");
    cr_assert_null(h[2].old_value);
    pf_setting_change_list_free(h, n);
    cr_assert_eq(pf_store_setting_set(st, NULL, "cost.gst_pct", NULL, 9, &eb), PF_E_OK);
    cr_assert_eq(pf_store_setting_get(st, NULL, "cost.gst_pct", &v, &eb), PF_E_NOT_FOUND);
}

Test(storage, likes_toggle_and_count, .init = open_fresh, .fini = close_and_remove)
{
    pf_errbuf eb = {{0}};
    pf_model m = {.name = strdup("vase")};
    cr_assert_eq(pf_store_model_put(st, NULL, &m, &eb), PF_E_OK);
    bool liked;
    uint64_t total;
    cr_assert_eq(pf_store_like_toggle(st, NULL, m.id, 5, &liked, &total, &eb), PF_E_OK);
    cr_assert(liked);
    cr_assert_eq(total, 1);
    cr_assert_eq(pf_store_like_toggle(st, NULL, m.id, 6, &liked, &total, &eb), PF_E_OK);
    cr_assert_eq(total, 2);
    cr_assert_eq(pf_store_like_toggle(st, NULL, m.id, 5, &liked, &total, &eb), PF_E_OK);
    cr_assert_not(liked);
    cr_assert_eq(total, 1);
    cr_assert_eq(pf_store_like_get(st, NULL, m.id, 6, &liked, &eb), PF_E_OK);
    cr_assert(liked);
    cr_assert_eq(pf_store_model_del(st, NULL, m.id, &eb), PF_E_OK);
    cr_assert_eq(pf_store_like_count(st, NULL, m.id, &total, &eb), PF_E_OK);
    cr_assert_eq(total, 0, "likes go with their model");
    cr_assert_eq(problems(st), 0);
    pf_model_clear(&m);
}

Test(storage, first_open_seeds_defaults_once, .init = open_fresh, .fini = close_and_remove)
{
    pf_errbuf eb = {{0}};
    pf_material *mats;
    size_t n;
    uint64_t next;
    cr_assert_eq(pf_store_material_list(st, NULL, 0, 100, &mats, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 6);
    pf_material_list_free(mats, n);
    pf_material pla = {0};
    cr_assert_eq(pf_store_material_by_name(st, NULL, "PLA", &pla, &eb), PF_E_OK);
    cr_assert_float_eq(pla.density_g_cm3, 1.24, 1e-9);
    cr_assert_gt(pla.colors.n, 0);
    cr_assert_eq(pla.colors.n, pla.color_hex.n);
    pf_material_clear(&pla);
    pf_printer *pr;
    cr_assert_eq(pf_store_printer_list(st, NULL, 0, 10, &pr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(pr[0].bed_x_mm, 250);
    cr_assert_eq(pr[0].bed_y_mm, 210);
    cr_assert_eq(pr[0].bed_z_mm, 210);
    cr_assert_float_eq(pr[0].nozzle_mm, 0.4, 1e-9);
    pf_printer_list_free(pr, n);
    char *v;
    cr_assert_eq(pf_store_setting_get(st, NULL, "ratelimit.upload_window_min", &v, &eb), PF_E_OK);
    cr_assert_str_eq(v, "60");
    free(v);
    /* Every cost knob is seeded with the engine's own default, so store and engine agree from the start. */
    pf_price_settings def = pf_price_settings_default();
    for (size_t i = 0; i < pf_price_setting_count(); i++) {
        const pf_price_setting_info *in = pf_price_setting_info_at(i);
        char key[96];
        double want;
        snprintf(key, sizeof key, "cost.%s", in->key);
        cr_assert_eq(pf_store_setting_get(st, NULL, key, &v, &eb), PF_E_OK, "%s", key);
        cr_assert_eq(pf_price_setting_get(&def, in->key, &want, &eb), PF_E_OK);
        cr_assert_eq(strtod(v, NULL), want, "%s", key);
        free(v);
    }
    pf_user admin = {0};
    cr_assert_eq(pf_store_user_by_email(st, NULL, "root@example.com", &admin, &eb), PF_E_OK);
    cr_assert_str_eq(admin.role, "admin");
    const char *pw = "correct horse battery staple";
    cr_assert_eq(crypto_pwhash_str_verify(admin.pass_hash, pw, strlen(pw)), 0);
    pf_user_clear(&admin);
    /* Reopening neither reseeds nor changes anything. */
    pf_store_close(st);
    pf_store_options o = fast_options(dir);
    o.admin_email = "other@example.com";
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_store_material_list(st, NULL, 0, 100, &mats, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 6);
    pf_material_list_free(mats, n);
    cr_assert_eq(pf_store_user_by_email(st, NULL, "other@example.com", &admin, &eb), PF_E_NOT_FOUND);
}

Test(storage, admin_without_password_gets_one_printed_once)
{
    scratch_dir(dir, sizeof dir);
    pf_store_options o = fast_options(dir);
    o.admin_password = NULL;
    unsetenv("PRINTFORGE_ADMIN_PASSWORD");
    char *text = NULL;
    size_t tlen = 0;
    o.console = open_memstream(&text, &tlen);
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
    fflush(o.console);
    const char *p = strstr(text, "password ");
    cr_assert_not_null(p, "%s", text);
    char pw[64];
    cr_assert_eq(sscanf(p + 9, "%63s", pw), 1);
    cr_assert_eq(strlen(pw), 20);
    pf_user admin = {0};
    cr_assert_eq(pf_store_user_by_email(st, NULL, "root@example.com", &admin, &eb), PF_E_OK);
    cr_assert_eq(crypto_pwhash_str_verify(admin.pass_hash, pw, strlen(pw)), 0);
    pf_user_clear(&admin);
    pf_store_close(st);
    size_t printed = tlen;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    fflush(o.console);
    cr_assert_eq(tlen, printed, "nothing printed on the second open");
    fclose(o.console);
    free(text);
    close_and_remove();
}

/* ---- backup and check ---- */

Test(storage, backup_is_a_consistent_checked_copy, .init = open_fresh, .fini = close_and_remove)
{
    for (int i = 0; i < 20; i++)
        add_order(3, "pending", 1);
    pf_sha256 sha = store_bytes(st, "mesh bytes", 10, NULL);
    pf_upload up = {.user_id = 3, .blob = sha, .filename = strdup("a.stl")};
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_upload_put(st, NULL, &up, &eb), PF_E_OK, "%s", eb.msg);
    pf_upload_clear(&up);
    char dest[300];
    snprintf(dest, sizeof dest, "%s/backup", dir);
    cr_assert_eq(pf_store_backup(st, dest, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_store_backup(st, dest, &eb), PF_E_CONFLICT, "never overwrites a backup");
    pf_store_options o = {.dir = dest, .readonly = true};
    pf_store *b;
    cr_assert_eq(pf_store_open(&o, &b, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(problems(b), 0);
    pf_order *arr;
    size_t n;
    uint64_t next;
    cr_assert_eq(pf_store_order_list_by_user(b, NULL, 3, 0, 100, &arr, &n, &next, &eb), PF_E_OK);
    cr_assert_eq(n, 20);
    pf_order_list_free(arr, n);
    pf_order w = {.tracking_no = "X"};
    cr_assert_eq(pf_store_order_put(b, NULL, &w, &eb), PF_E_INVAL, "read-only");
    pf_store_close(b);
    pf_store_options none = {.dir = "/nonexistent/printforge", .readonly = true};
    cr_assert_eq(pf_store_open(&none, &b, &eb), PF_E_NOT_FOUND);
}

static pf_err break_index(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    (void)vctx;
    MDB_val k = {sizeof "PF-broken" - 1, "PF-broken"};
    int rc = pf__del(t, t->st->idx[PF_KIND_ORDER][0], &k, NULL);
    uint8_t id[8];
    pf__be64(id, 999);
    MDB_val sk = {7, "printing"}, sv = {8, id};
    if (!rc) rc = pf__put(t, t->st->idx[PF_KIND_ORDER][2], &sk, &sv, 0);
    return rc ? pf__mdb_err(eb, rc, "break") : PF_E_OK;
}

Test(storage, check_finds_missing_and_dangling_index_entries, .init = open_fresh, .fini = close_and_remove)
{
    pf_order o = {.tracking_no = strdup("PF-broken"), .status = strdup("pending")};
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_order_put(st, NULL, &o, &eb), PF_E_OK);
    pf_order_clear(&o);
    cr_assert_eq(problems(st), 0);
    cr_assert_eq(pf_store_write(st, break_index, NULL, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(problems(st), 2, "one record missing from its index, one entry pointing nowhere");
}

/* ---- CLI ---- */

static int run(const char *cmd, char *out, size_t len)
{
    FILE *p = popen(cmd, "r");
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(storage, cli_backup_and_check, .init = open_fresh, .fini = close_and_remove)
{
    for (int i = 0; i < 5; i++)
        add_order(4, "pending", 0);
    pf_order o = {.tracking_no = strdup("PF-broken"), .status = strdup("pending")};
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_order_put(st, NULL, &o, &eb), PF_E_OK);
    pf_order_clear(&o);
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "%s check --data-dir %s 2>&1", PF_BINARY, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, ": 0 problems"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s backup %s/copy --data-dir %s 2>&1", PF_BINARY, dir, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s check --data-dir %s/copy 2>&1", PF_BINARY, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 0, "%s", out);
    cr_assert_eq(pf_store_write(st, break_index, NULL, &eb), PF_E_OK, "%s", eb.msg);
    snprintf(cmd, sizeof cmd, "%s check --data-dir %s 2>&1", PF_BINARY, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "points at missing order 999"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s check --data-dir %s/nowhere 2>&1", PF_BINARY, dir);
    cr_assert_eq(run(cmd, out, sizeof out), 2, "%s", out);
}
