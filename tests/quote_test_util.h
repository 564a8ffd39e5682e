/* Helpers for the quote and upload end-to-end tests: uploads stored directly in a data directory (as
 * upload-for-cart would), JSON and msgpack requests, and the sum checks of a quote's price lines. */
#ifndef PF_TEST_QUOTE_UTIL_H
#define PF_TEST_QUOTE_UTIL_H

#include <math.h>
#include <msgpack.h>

#include "account_test_util.h"

typedef struct seed_upload_ctx {
    pf_store *st;      /* open store */
    pf_blob_writer *w; /* blob written, to publish */
    pf_upload up;      /* record to put */
} seed_upload_ctx;

static inline pf_err seed_upload_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    seed_upload_ctx *c = vctx;
    pf_err err = pf_store_blob_finish(c->w, t, &c->up.blob, NULL, eb);
    return err ? err : pf_store_upload_put(c->st, t, &c->up, eb);
}

/* Stores the file at path as an upload of user uid expiring at expires in the (stopped) server's data
 * directory dir; returns the session id. */
static inline uint64_t seed_upload(const char *dir, uint64_t uid, const char *path, int64_t expires)
{
    pf_store_options o = fast_options(dir);
    pf_store *st = NULL;
    pf_errbuf eb;
    if (pf_store_open(&o, &st, &eb)) abort();
    FILE *f = fopen(path, "rb");
    if (!f) abort();
    seed_upload_ctx c = {.st = st};
    if (pf_store_blob_begin(st, &c.w, &eb)) abort();
    char buf[1 << 16];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (pf_store_blob_write(c.w, buf, n, &eb)) abort();
        total += n;
    }
    fclose(f);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    c.up = (pf_upload){.user_id = uid,
                       .filename = strdup(base),
                       .format = strdup("stl"),
                       .size = total,
                       .created_at = (int64_t)time(NULL),
                       .expires_at = expires};
    if (pf_store_write(st, seed_upload_fn, &c, &eb)) abort();
    uint64_t id = c.up.id;
    pf_upload_clear(&c.up);
    pf_store_blob_free(c.w);
    pf_store_close(st);
    return id;
}

/* Sets a setting in the data directory while the server runs (another process: LMDB allows it); the server
 * notices within its settings TTL (1 s). */
static inline void set_setting(const char *dir, const char *key, const char *value)
{
    pf_store_options o = fast_options(dir);
    pf_store *st = NULL;
    pf_errbuf eb;
    if (pf_store_open(&o, &st, &eb)) abort();
    if (pf_store_setting_set(st, NULL, key, value, 0, &eb)) abort();
    pf_store_close(st);
}

static inline double jnum(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Rupees to paise as the brief says: llround(x * 100). */
static inline long long paise(double rupees)
{
    return llround(rupees * 100);
}

/* The customer's price lines add up to the total, to the paisa. */
static inline void assert_price_sums(const cJSON *quote)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(quote, "price");
    cr_assert(cJSON_IsObject(p));
    long long sum = paise(jnum(p, "material")) + paise(jnum(p, "printing")) + paise(jnum(p, "priority")) +
                    paise(jnum(p, "gst")) + paise(jnum(p, "shipping")) + paise(jnum(p, "shipping_gst"));
    cr_assert_eq(sum, paise(jnum(p, "total")), "lines %lld vs total %lld", sum, paise(jnum(p, "total")));
    cr_assert_eq(paise(jnum(p, "item_total")) + paise(jnum(p, "shipping")) + paise(jnum(p, "shipping_gst")),
                 paise(jnum(p, "total")));
}

#endif
