/* The record kind table (fields, schema versions, indexes) and the typed API generated from it. */
#include <stdlib.h>
#include <string.h>

#include "storage/store_internal.h"

#define FIELD(type, name) {#name, PF_F_##type, offsetof(REC, name)},
#define CAT3(a, b, c) a##b##c
#define XCAT3(a, b, c) CAT3(a, b, c)
/* fp_<kind>__<field>: the position of a field in its table, so index descriptors name fields checked by the
 * compiler. */
#define POS(type, name) XCAT3(KP, __, name),

#define REC pf_user
#define KP fp_user
static const pf_field user_fields[] = {PF_USER_FIELDS(FIELD)};
enum { PF_USER_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_address
#define KP fp_address
static const pf_field address_fields[] = {PF_ADDRESS_FIELDS(FIELD)};
enum { PF_ADDRESS_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_pat
#define KP fp_pat
static const pf_field pat_fields[] = {PF_PAT_FIELDS(FIELD)};
enum { PF_PAT_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_pat_log
#define KP fp_pat_log
static const pf_field pat_log_fields[] = {PF_PAT_LOG_FIELDS(FIELD)};
enum { PF_PAT_LOG_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_upload
#define KP fp_upload
static const pf_field upload_fields[] = {PF_UPLOAD_FIELDS(FIELD)};
enum { PF_UPLOAD_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_model
#define KP fp_model
static const pf_field model_fields[] = {PF_MODEL_FIELDS(FIELD)};
enum { PF_MODEL_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_order
#define KP fp_order
static const pf_field order_fields[] = {PF_ORDER_FIELDS(FIELD)};
enum { PF_ORDER_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_order_group
#define KP fp_order_group
static const pf_field order_group_fields[] = {PF_ORDER_GROUP_FIELDS(FIELD)};
enum { PF_ORDER_GROUP_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_order_note
#define KP fp_order_note
static const pf_field order_note_fields[] = {PF_ORDER_NOTE_FIELDS(FIELD)};
enum { PF_ORDER_NOTE_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_order_event
#define KP fp_order_event
static const pf_field order_event_fields[] = {PF_ORDER_EVENT_FIELDS(FIELD)};
enum { PF_ORDER_EVENT_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_material
#define KP fp_material
static const pf_field material_fields[] = {PF_MATERIAL_FIELDS(FIELD)};
enum { PF_MATERIAL_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_printer
#define KP fp_printer
static const pf_field printer_fields[] = {PF_PRINTER_FIELDS(FIELD)};
enum { PF_PRINTER_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_category
#define KP fp_category
static const pf_field category_fields[] = {PF_CATEGORY_FIELDS(FIELD)};
enum { PF_CATEGORY_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_setting_change
#define KP fp_setting_change
static const pf_field setting_change_fields[] = {PF_SETTING_CHANGE_FIELDS(FIELD)};
enum { PF_SETTING_CHANGE_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_coupon
#define KP fp_coupon
static const pf_field coupon_fields[] = {PF_COUPON_FIELDS(FIELD)};
enum { PF_COUPON_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_shipping_partner
#define KP fp_shipping_partner
static const pf_field shipping_partner_fields[] = {PF_SHIPPING_PARTNER_FIELDS(FIELD)};
enum { PF_SHIPPING_PARTNER_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_inquiry
#define KP fp_inquiry
static const pf_field inquiry_fields[] = {PF_INQUIRY_FIELDS(FIELD)};
enum { PF_INQUIRY_FIELDS(POS) };
#undef KP
#undef REC
#define REC pf_contact_limit
#define KP fp_contact_limit
static const pf_field contact_limit_fields[] = {PF_CONTACT_LIMIT_FIELDS(FIELD)};
enum { PF_CONTACT_LIMIT_FIELDS(POS) };
#undef KP
#undef REC
#undef FIELD
#undef POS

#define F(k, name) (&k##_fields[fp_##k##__##name])

#define N(a) (sizeof a / sizeof a[0])
#define KIND(k, ...)                                                                                         \
    {                                                                                                        \
#k, k##_fields, N(k##_fields), sizeof(pf_##k), 1, __VA_ARGS__                                        \
    }
#define IX(k, field, flags)                                                                                  \
    {                                                                                                        \
#k "_by_" #field, F(k, field), flags                                                                 \
    }

const pf_kind pf__kinds[PF_KIND__COUNT] = {
    [PF_KIND_USER] = KIND(user, {IX(user, email, PF_IDX_UNIQUE)}, 1),
    [PF_KIND_ADDRESS] = KIND(address, {IX(address, user_id, 0)}, 1),
    [PF_KIND_PAT] = KIND(pat, {IX(pat, token_hash, PF_IDX_UNIQUE)}, 1),
    [PF_KIND_PAT_LOG] = KIND(pat_log, {IX(pat_log, pat_id, 0)}, 1),
    [PF_KIND_UPLOAD] = KIND(upload, {IX(upload, user_id, 0)}, 1),
    [PF_KIND_MODEL] = KIND(model, {IX(model, category_id, 0), IX(model, is_approved, 0)}, 2),
    [PF_KIND_ORDER] = KIND(order,
                           {IX(order, tracking_no, PF_IDX_UNIQUE), IX(order, user_id, 0),
                            IX(order, status, 0), IX(order, printer_id, 0), IX(order, group_id, 0)},
                           5),
    [PF_KIND_ORDER_GROUP] = KIND(order_group, {{0}}, 0),
    [PF_KIND_ORDER_NOTE] = KIND(order_note, {IX(order_note, order_id, 0)}, 1),
    [PF_KIND_ORDER_EVENT] = KIND(order_event, {IX(order_event, order_id, 0)}, 1),
    [PF_KIND_MATERIAL] = KIND(material, {IX(material, name, PF_IDX_UNIQUE)}, 1),
    [PF_KIND_PRINTER] = KIND(printer, {{0}}, 0),
    [PF_KIND_CATEGORY] = KIND(category, {{0}}, 0),
    [PF_KIND_SETTING_CHANGE] = KIND(setting_change, {IX(setting_change, key, 0)}, 1),
    [PF_KIND_COUPON] = KIND(coupon, {IX(coupon, code, PF_IDX_UNIQUE)}, 1),
    [PF_KIND_SHIPPING_PARTNER] = KIND(shipping_partner, {{0}}, 0),
    [PF_KIND_INQUIRY] = KIND(inquiry, {IX(inquiry, user_id, 0), IX(inquiry, status, 0)}, 2),
    [PF_KIND_CONTACT_LIMIT] = KIND(contact_limit, {{0}}, 0),
};

/* ---- generic operations in a transaction of their own or the caller's ---- */

typedef struct op {
    pf_kind_id kind; /* kind */
    int ix;          /* index number, -1 = primary */
    MDB_val key;     /* index key */
    uint64_t id;     /* record id */
    void *rec;       /* record in or out */
    uint64_t before; /* list cursor */
    size_t limit;    /* list page size */
    void *arr;       /* list result */
    size_t n;        /* list result count */
    uint64_t next;   /* next cursor */
} op;

static pf_err put_fn(pf_txn *t, void *c, pf_errbuf *eb)
{
    op *o = c;
    return pf__rec_put(t, o->kind, o->rec, eb);
}

static pf_err get_fn(pf_txn *t, void *c, pf_errbuf *eb)
{
    op *o = c;
    return pf__rec_get(t, o->kind, o->id, o->rec, eb);
}

static pf_err del_fn(pf_txn *t, void *c, pf_errbuf *eb)
{
    op *o = c;
    return pf__rec_del(t, o->kind, o->id, eb);
}

static pf_err find_fn(pf_txn *t, void *c, pf_errbuf *eb)
{
    op *o = c;
    return pf__rec_find(t, o->kind, o->ix, &o->key, o->rec, eb);
}

static pf_err list_fn(pf_txn *t, void *c, pf_errbuf *eb)
{
    op *o = c;
    return pf__rec_list(t, o->kind, o->ix, &o->key, o->before, o->limit, &o->arr, &o->n, &o->next, eb);
}

static pf_err kind_put(pf_store *st, pf_txn *t, pf_kind_id k, void *rec, pf_errbuf *eb)
{
    uint64_t id0 = *(uint64_t *)rec;
    op o = {.kind = k, .rec = rec};
    pf_err err = pf__with_txn(st, t, true, put_fn, &o, eb);
    /* In a transaction of our own a failure means nothing was written: do not hand back an unused id. */
    if (err && !t) *(uint64_t *)rec = id0;
    return err;
}

/* Decodes into a scratch record and moves it to out only on success. */
static pf_err kind_read(pf_store *st, pf_txn *t, pf_store_txn_fn fn, op *o, void *out, pf_errbuf *eb)
{
    size_t size = pf__kinds[o->kind].size;
    o->rec = calloc(1, size);
    if (!o->rec) return pf_errf(eb, PF_E_NOMEM, "%s", pf__kinds[o->kind].name);
    pf_err err = pf__with_txn(st, t, false, fn, o, eb);
    if (!err) memcpy(out, o->rec, size);
    free(o->rec);
    return err;
}

static pf_err kind_list(pf_store *st, pf_txn *t, op *o, void **out, size_t *n, uint64_t *next, pf_errbuf *eb)
{
    pf_err err = pf__with_txn(st, t, false, list_fn, o, eb);
    if (err) return err;
    *out = o->arr;
    *n = o->n;
    *next = o->next;
    return PF_E_OK;
}

#define KIND_IMPL(E, k)                                                                                      \
    pf_err pf_store_##k##_put(pf_store *st, pf_txn *t, pf_##k *rec, pf_errbuf *eb)                           \
    {                                                                                                        \
        return kind_put(st, t, PF_KIND_##E, rec, eb);                                                        \
    }                                                                                                        \
    pf_err pf_store_##k##_get(pf_store *st, pf_txn *t, uint64_t id, pf_##k *out, pf_errbuf *eb)              \
    {                                                                                                        \
        op o = {.kind = PF_KIND_##E, .id = id};                                                              \
        return kind_read(st, t, get_fn, &o, out, eb);                                                        \
    }                                                                                                        \
    pf_err pf_store_##k##_del(pf_store *st, pf_txn *t, uint64_t id, pf_errbuf *eb)                           \
    {                                                                                                        \
        op o = {.kind = PF_KIND_##E, .id = id};                                                              \
        return pf__with_txn(st, t, true, del_fn, &o, eb);                                                    \
    }                                                                                                        \
    pf_err pf_store_##k##_list(pf_store *st, pf_txn *t, uint64_t before, size_t limit, pf_##k **out,         \
                               size_t *n, uint64_t *next, pf_errbuf *eb)                                     \
    {                                                                                                        \
        op o = {.kind = PF_KIND_##E, .ix = -1, .before = before, .limit = limit};                            \
        return kind_list(st, t, &o, (void **)out, n, next, eb);                                              \
    }                                                                                                        \
    void pf_##k##_clear(pf_##k *rec)                                                                         \
    {                                                                                                        \
        if (!rec) return;                                                                                    \
        pf__rec_clear(pf__kinds[PF_KIND_##E].fields, pf__kinds[PF_KIND_##E].nfields, rec);                   \
        memset(rec, 0, sizeof *rec);                                                                         \
    }                                                                                                        \
    void pf_##k##_list_free(pf_##k *arr, size_t n)                                                           \
    {                                                                                                        \
        pf__rec_list_free(PF_KIND_##E, arr, n);                                                              \
    }
PF_KINDS(KIND_IMPL)

/* ---- index lookups ---- */

static MDB_val key_u64(uint64_t v, uint8_t *buf)
{
    pf__be64(buf, v);
    return (MDB_val){8, buf};
}

static MDB_val key_str(const char *s)
{
    return (MDB_val){s ? strlen(s) : 0, (void *)s};
}

static MDB_val key_bool(bool b, uint8_t *buf)
{
    buf[0] = b;
    return (MDB_val){1, buf};
}

#define FIND_IMPL(E, k, fn, ixn, keytype, mk)                                                                \
    pf_err pf_store_##k##_##fn(pf_store *st, pf_txn *t, keytype key, pf_##k *out, pf_errbuf *eb)             \
    {                                                                                                        \
        uint8_t buf[8];                                                                                      \
        (void)buf;                                                                                           \
        op o = {.kind = PF_KIND_##E, .ix = ixn, .key = mk};                                                  \
        return kind_read(st, t, find_fn, &o, out, eb);                                                       \
    }
FIND_IMPL(USER, user, by_email, 0, const char *, key_str(key))
FIND_IMPL(PAT, pat, by_token_hash, 0, const pf_sha256 *, ((MDB_val){32, (void *)key->b}))
FIND_IMPL(ORDER, order, by_tracking, 0, const char *, key_str(key))
FIND_IMPL(MATERIAL, material, by_name, 0, const char *, key_str(key))
FIND_IMPL(COUPON, coupon, by_code, 0, const char *, key_str(key))

#define LIST_IMPL(E, k, by, ixn, keytype, mk)                                                                \
    pf_err pf_store_##k##_list_by_##by(pf_store *st, pf_txn *t, keytype key, uint64_t before, size_t limit,  \
                                       pf_##k **out, size_t *n, uint64_t *next, pf_errbuf *eb)               \
    {                                                                                                        \
        uint8_t buf[8] = {0};                                                                                \
        (void)buf;                                                                                           \
        op o = {.kind = PF_KIND_##E, .ix = ixn, .key = mk, .before = before, .limit = limit};                \
        if (!o.key.mv_size) {                                                                                \
            *out = NULL, *n = 0, *next = 0;                                                                  \
            return PF_E_OK;                                                                                  \
        }                                                                                                    \
        return kind_list(st, t, &o, (void **)out, n, next, eb);                                              \
    }
LIST_IMPL(ORDER, order, user, 1, uint64_t, key_u64(key, buf))
LIST_IMPL(ORDER, order, status, 2, const char *, key_str(key))
LIST_IMPL(ORDER, order, printer, 3, uint64_t, key_u64(key, buf))
LIST_IMPL(ORDER, order, group, 4, uint64_t, key_u64(key, buf))
LIST_IMPL(ADDRESS, address, user, 0, uint64_t, key_u64(key, buf))
LIST_IMPL(PAT_LOG, pat_log, pat, 0, uint64_t, key_u64(key, buf))
LIST_IMPL(UPLOAD, upload, user, 0, uint64_t, key_u64(key, buf))
LIST_IMPL(MODEL, model, category, 0, uint64_t, key_u64(key, buf))
LIST_IMPL(MODEL, model, approval, 1, bool, key_bool(key, buf))
LIST_IMPL(ORDER_NOTE, order_note, order, 0, uint64_t, key_u64(key, buf))
LIST_IMPL(ORDER_EVENT, order_event, order, 0, uint64_t, key_u64(key, buf))
LIST_IMPL(SETTING_CHANGE, setting_change, key, 0, const char *, key_str(key))
LIST_IMPL(INQUIRY, inquiry, user, 0, uint64_t, key_u64(key, buf))
LIST_IMPL(INQUIRY, inquiry, status, 1, const char *, key_str(key))
