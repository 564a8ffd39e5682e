/* The cJSON serializer and the two-sink writer of api/json_write.h: both share the number and string
 * formatting, so the writer's text sink and pf_json_write of its tree sink give the same bytes. */
#include "api/json_write.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef pf_jw_buf out;

static bool grow_to(out *o, size_t more, size_t first)
{
    if (o->bad) return false;
    if (o->n + more + 1 <= o->cap) return true;
    size_t cap = o->cap ? o->cap : first;
    while (cap < o->n + more + 1)
        cap *= 2;
    char *q = realloc(o->p, cap);
    if (!q) return !(o->bad = true);
    o->p = q, o->cap = cap;
    return true;
}

static bool grow(out *o, size_t more)
{
    return grow_to(o, more, 1024);
}

static void put(out *o, const char *s, size_t n)
{
    if (!grow(o, n)) return;
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

static void putc1(out *o, char c)
{
    if (!grow(o, 1)) return;
    o->p[o->n++] = c;
}

/* "00".."99": two digits per step of the conversions below. */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

/* Unsigned decimal of v into the end of buf; returns the first digit. */
static char *utoa_end(uint64_t v, char *end)
{
    while (v >= 100) {
        end -= 2;
        memcpy(end, digit_pairs + v % 100 * 2, 2);
        v /= 100;
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, digit_pairs + v * 2, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

/* Exactly k decimal digits of v (< 10^k, leading zeros kept) into the end of buf; returns the first. */
static char *digits_end(uint64_t v, int k, char *end)
{
    for (; k >= 2; k -= 2, v /= 100) {
        end -= 2;
        memcpy(end, digit_pairs + v % 100 * 2, 2);
    }
    if (k) *--end = (char)('0' + v % 10);
    return end;
}

/* Decimal digits of v. */
static int ndigits(uint64_t v)
{
    int n = 1;
    for (; v >= 100; v /= 100)
        n += 2;
    return n + (v >= 10);
}

/* Writes the number's text at dst, which has room for NUMBER_MAX bytes; returns its length. The fast paths
 * write their digits in place, last first, once the length is known. */
#define NUMBER_MAX PF__JW_NUMBER_MAX
size_t pf__jw_number(char *dst, double d)
{
    if (!isfinite(d)) {
        memcpy(dst, "null", 4);
        return 4;
    }
    double a = fabs(d);
    size_t neg = d < 0;
    /* Whole numbers (ids, counts, paise-free rupees) as integers; -0 as 0. */
    if (a < 1e15 && (double)(int64_t)a == a) {
        uint64_t v = (uint64_t)a;
        neg &= v != 0;
        size_t len = neg + (size_t)ndigits(v);
        utoa_end(v, dst + len);
        dst[0] = neg ? '-' : dst[0];
        return len;
    }
    /* Short decimals: the shortest decimal of at most 6 places that reads back as d (money is paise / 100.0).
     * Below 1e9 such a decimal has at most 15 significant digits, so no two of them read back as the same
     * double: the one with 6 places, stripped of trailing zeros, is the shortest. m / 10^6 is correctly
     * rounded, so comparing it with d is exactly the read-back check. m is a·10^6 rounded half up (exact
     * below 2^52, except within an ulp of a half, where neither neighbour passes the check). */
    if (a < 1e9) {
        /* One or two places first (money, rounded measures): the same test with 10^2. When a decimal of at
         * most two places reads back as d, c is its digits (a·100 is within far less than 0.5 of them), and
         * it is the one the six-place test below would find, stripped of its zeros. */
        uint64_t c = (uint64_t)(a * 100 + 0.5);
        if ((double)c / 100 == a) {
            uint32_t frac = (uint32_t)(c % 100); /* not 0: d is not whole */
            int k = frac % 10 ? 2 : 1;
            uint64_t whole = c / 100;
            size_t len = neg + (size_t)ndigits(whole) + 1 + (size_t)k;
            char *s = dst + len;
            if (k == 2) {
                s -= 2;
                memcpy(s, digit_pairs + frac * 2, 2);
            } else {
                *--s = (char)('0' + frac / 10);
            }
            *--s = '.';
            utoa_end(whole, s);
            dst[0] = neg ? '-' : dst[0];
            return len;
        }
        /* Three places (grams and cm³ to the gram and mm³), the same way: with no two-place decimal, the
         * digits of a three-place one end in a non-zero digit. */
        uint64_t c3 = (uint64_t)(a * 1000 + 0.5);
        if (c3 % 10 && (double)c3 / 1000 == a) {
            uint32_t frac = (uint32_t)(c3 % 1000);
            uint64_t whole = c3 / 1000;
            size_t len = neg + (size_t)ndigits(whole) + 4;
            char *s = dst + len - 2;
            memcpy(s, digit_pairs + frac % 100 * 2, 2);
            *--s = (char)('0' + frac / 100);
            *--s = '.';
            utoa_end(whole, s);
            dst[0] = neg ? '-' : dst[0];
            return len;
        }
        uint64_t m = (uint64_t)(a * 1e6 + 0.5);
        if ((double)m / 1e6 == a) {
            uint32_t frac = (uint32_t)(m % 1000000); /* not 0: d is not whole */
            int k = 6;
            while (frac % 10 == 0)
                frac /= 10, k--;
            uint64_t whole = m / 1000000;
            size_t len = neg + (size_t)ndigits(whole) + 1 + (size_t)k;
            char *s = digits_end(frac, k, dst + len);
            *--s = '.';
            utoa_end(whole, s);
            dst[0] = neg ? '-' : dst[0];
            return len;
        }
    }
    /* Anything else: cJSON's own rule, 15 significant digits if they read back exactly, else 17. */
    char buf[NUMBER_MAX];
    int n = snprintf(buf, sizeof buf, "%1.15g", d);
    if (strtod(buf, NULL) != d) n = snprintf(buf, sizeof buf, "%1.17g", d);
    memcpy(dst, buf, (size_t)n);
    return (size_t)n;
}

/* The number's text at the end of o. */
static void number(out *o, double d)
{
    if (grow(o, NUMBER_MAX)) o->n += pf__jw_number(o->p + o->n, d);
}

/* Bytes JSON strings escape: controls, '"' and '\\'. */
static const bool needs_escape[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1,
    [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
    ['"'] = 1,  ['\\'] = 1,
};

/* The escaped tail of a string, from its first byte that needs escaping (the opening quote is written). */
static void string_escaped(out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!needs_escape[c]) continue;
        put(o, run, (size_t)(s - run));
        run = s + 1;
        char esc[6] = {'\\', 0};
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            put(o, "\\u00", 4);
            putc1(o, hex[c >> 4]);
            putc1(o, hex[c & 15]);
            continue;
        }
        put(o, esc, 2);
    }
    put(o, run, (size_t)(s - run));
    putc1(o, '"');
}

/* Writes s as a JSON string, preceded by the byte before (0: none) and followed by after (0: none), as keys
 * are (",\"key\":"). Most strings need no escaping: they are copied in one pass with one capacity check. */
static void string_between(out *o, char before, const char *s, char after)
{
    if (!s) s = "";
    size_t n = strlen(s);
    if (!grow(o, n + 4)) return;
    char *d = o->p + o->n;
    if (before) *d++ = before;
    *d++ = '"';
    size_t i = 0;
    /* Eight bytes at a time while none of them is below 0x20, '"' or '\\': each test sets the top bit of
     * the lowest matching byte (borrows only spill upwards from a match, so spurious bits sit above a real
     * one), so a word with no bit set has no such byte; from the first word with one, byte by byte. */
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        if ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high) break;
        memcpy(d + i, &x, 8);
    }
    while (i < n && !needs_escape[(unsigned char)s[i]]) {
        d[i] = s[i];
        i++;
    }
    if (i < n) { /* escapes: the rest byte by byte */
        o->n = (size_t)(d - o->p) + i;
        string_escaped(o, s + i);
        if (after) putc1(o, after);
        return;
    }
    d += n;
    *d++ = '"';
    if (after) *d++ = after;
    o->n = (size_t)(d - o->p);
}

static void string(out *o, const char *s)
{
    string_between(o, 0, s, 0);
}

static bool value(out *o, const cJSON *j, int depth)
{
    if (depth > PF_JSON_WRITE_MAX_DEPTH) return false;
    switch (j->type & 0xff) {
    case cJSON_NULL:
        put(o, "null", 4);
        break;
    case cJSON_False:
        put(o, "false", 5);
        break;
    case cJSON_True:
        put(o, "true", 4);
        break;
    case cJSON_Number:
        number(o, j->valuedouble);
        break;
    case cJSON_String:
        string(o, j->valuestring);
        break;
    case cJSON_Raw:
        if (j->valuestring) put(o, j->valuestring, strlen(j->valuestring));
        break;
    case cJSON_Array:
    case cJSON_Object: {
        bool obj = (j->type & 0xff) == cJSON_Object;
        putc1(o, obj ? '{' : '[');
        for (const cJSON *c = j->child; c; c = c->next) {
            if (c != j->child) putc1(o, ',');
            if (obj) string_between(o, 0, c->string, ':');
            if (!value(o, c, depth + 1)) return false;
        }
        putc1(o, obj ? '}' : ']');
        break;
    }
    default: /* cJSON_Invalid */
        return false;
    }
    return !o->bad;
}

char *pf_json_write(const cJSON *j, size_t *len)
{
    out o = {0};
    if (!j || !value(&o, j, 0) || !grow(&o, 0)) {
        free(o.p);
        return NULL;
    }
    o.p[o.n] = 0;
    if (len) *len = o.n;
    return o.p;
}

/* ---- the writer ---- */

void pf_jw_init(pf_jw *w, pf_jw_sink sink, size_t cap_hint)
{
    w->sink = sink;
    w->err = PF_E_OK;
    w->depth = 0;
    w->done = false;
    w->root = NULL;
    w->out = (pf_jw_buf){0};
    w->cap_hint = cap_hint ? cap_hint : 1024;
}

static void jw_fail(pf_jw *w, pf_err err)
{
    if (!w->err) w->err = err;
}

/* Checks that a member may start here (a key exactly inside objects, one top-level value) and, in the text
 * sink, writes the comma and key before it. False when the writer failed or fails now. */
static bool jw_member(pf_jw *w, const char *key)
{
    if (w->err) return false;
    if (w->done || (w->depth ? w->is_obj[w->depth] != (key != NULL) : key != NULL)) {
        jw_fail(w, PF_E_INVAL);
        return false;
    }
    if (w->sink == PF_JW_TEXT) {
        out *o = &w->out;
        if (!o->cap && !grow_to(o, 0, w->cap_hint)) {
            jw_fail(w, PF_E_NOMEM);
            return false;
        }
        char comma = w->depth && w->has_item[w->depth] ? ',' : 0;
        if (key)
            string_between(o, comma, key, ':');
        else if (comma)
            putc1(o, comma);
        if (o->bad) {
            jw_fail(w, PF_E_NOMEM);
            return false;
        }
    }
    if (w->depth) w->has_item[w->depth] = true;
    return true;
}

/* Tree sink: attaches item (consumed) where the member goes. */
static void jw_attach(pf_jw *w, const char *key, cJSON *item)
{
    if (!item) {
        jw_fail(w, PF_E_NOMEM);
        return;
    }
    if (!w->depth) {
        w->root = item;
        return;
    }
    cJSON *parent = w->open[w->depth];
    bool ok = key ? cJSON_AddItemToObjectCS(parent, key, item) : cJSON_AddItemToArray(parent, item);
    if (!ok) {
        cJSON_Delete(item);
        jw_fail(w, PF_E_NOMEM);
    }
}

/* After a scalar member: a top-level scalar completes the value. */
static void jw_after(pf_jw *w)
{
    if (w->sink == PF_JW_TEXT && w->out.bad) jw_fail(w, PF_E_NOMEM);
    if (!w->depth && !w->err) w->done = true;
}

void pf_jw_num(pf_jw *w, const char *key, double v)
{
    if (!jw_member(w, key)) return;
    if (w->sink == PF_JW_TEXT)
        number(&w->out, v);
    else
        jw_attach(w, key, cJSON_CreateNumber(v));
    jw_after(w);
}

void pf_jw_str(pf_jw *w, const char *key, const char *v)
{
    if (!jw_member(w, key)) return;
    if (w->sink == PF_JW_TEXT)
        string(&w->out, v);
    else
        jw_attach(w, key, cJSON_CreateString(v ? v : ""));
    jw_after(w);
}

void pf_jw_bool(pf_jw *w, const char *key, bool v)
{
    if (!jw_member(w, key)) return;
    if (w->sink == PF_JW_TEXT)
        put(&w->out, v ? "true" : "false", v ? 4 : 5);
    else
        jw_attach(w, key, cJSON_CreateBool(v));
    jw_after(w);
}

void pf_jw_null(pf_jw *w, const char *key)
{
    if (!jw_member(w, key)) return;
    if (w->sink == PF_JW_TEXT)
        put(&w->out, "null", 4);
    else
        jw_attach(w, key, cJSON_CreateNull());
    jw_after(w);
}

/* Opens the container once its member has started (jw_member). */
static void jw_open_here(pf_jw *w, const char *key, bool obj)
{
    if (w->depth == PF_JSON_WRITE_MAX_DEPTH) {
        jw_fail(w, PF_E_INVAL);
        return;
    }
    if (w->sink == PF_JW_TEXT) {
        putc1(&w->out, obj ? '{' : '[');
        if (w->out.bad) {
            jw_fail(w, PF_E_NOMEM);
            return;
        }
    } else {
        cJSON *c = obj ? cJSON_CreateObject() : cJSON_CreateArray();
        jw_attach(w, key, c);
        if (w->err) return;
        w->open[w->depth + 1] = c;
    }
    w->depth++;
    w->is_obj[w->depth] = obj;
    w->has_item[w->depth] = false;
}

void pf_jw_obj(pf_jw *w, const char *key)
{
    if (jw_member(w, key)) jw_open_here(w, key, true);
}

void pf_jw_arr(pf_jw *w, const char *key)
{
    if (jw_member(w, key)) jw_open_here(w, key, false);
}

/* ---- members with a ready-made key ---- */

/* Text sink: starts a keyed member by copying k's fragment (without its comma for a first member), with room
 * for more bytes after it. False when the writer failed or fails now. */
static bool jw_member_k(pf_jw *w, const pf_jw_key *k, size_t more)
{
    if (w->err) return false;
    if (w->done || !w->depth || !w->is_obj[w->depth]) {
        jw_fail(w, PF_E_INVAL);
        return false;
    }
    out *o = &w->out;
    size_t skip = !w->has_item[w->depth], n = k->len - skip;
    if (!grow(o, n + more)) {
        jw_fail(w, PF_E_NOMEM);
        return false;
    }
    memcpy(o->p + o->n, k->frag + skip, n);
    o->n += n;
    w->has_item[w->depth] = true;
    return true;
}

void pf__jw_string(pf_jw *w, const char *v)
{
    string(&w->out, v);
    if (w->out.bad) jw_fail(w, PF_E_NOMEM);
}

void pf__jw_num_k(pf_jw *w, const pf_jw_key *k, double v)
{
    if (w->sink != PF_JW_TEXT) {
        pf_jw_num(w, k->key, v);
        return;
    }
    if (!jw_member_k(w, k, NUMBER_MAX)) return;
    number(&w->out, v);
}

void pf__jw_str_k(pf_jw *w, const pf_jw_key *k, const char *v)
{
    if (w->sink != PF_JW_TEXT) {
        pf_jw_str(w, k->key, v);
        return;
    }
    if (jw_member_k(w, k, 0)) pf__jw_string(w, v);
}

void pf__jw_bool_k(pf_jw *w, const pf_jw_key *k, bool v)
{
    if (w->sink != PF_JW_TEXT) {
        pf_jw_bool(w, k->key, v);
        return;
    }
    if (!jw_member_k(w, k, 5)) return;
    put(&w->out, v ? "true" : "false", v ? 4 : 5);
}

void pf__jw_null_k(pf_jw *w, const pf_jw_key *k)
{
    if (w->sink != PF_JW_TEXT) {
        pf_jw_null(w, k->key);
        return;
    }
    if (jw_member_k(w, k, 4)) put(&w->out, "null", 4);
}

void pf__jw_obj_k(pf_jw *w, const pf_jw_key *k)
{
    if (w->sink != PF_JW_TEXT) {
        pf_jw_obj(w, k->key);
        return;
    }
    if (jw_member_k(w, k, 1)) jw_open_here(w, k->key, true);
}

void pf_jw_end(pf_jw *w)
{
    if (w->err) return;
    if (!w->depth) {
        jw_fail(w, PF_E_INVAL);
        return;
    }
    if (w->sink == PF_JW_TEXT) {
        putc1(&w->out, w->is_obj[w->depth] ? '}' : ']');
        if (w->out.bad) {
            jw_fail(w, PF_E_NOMEM);
            return;
        }
    }
    if (--w->depth == 0) w->done = true;
}

pf_err pf_jw_status(const pf_jw *w)
{
    return w->err;
}

void pf_jw_clear(pf_jw *w)
{
    free(w->out.p);
    cJSON_Delete(w->root);
    pf_jw_init(w, w->sink, w->cap_hint);
}

/* The error a take reports: the first failure, or INVAL for an incomplete value or the other sink. */
static pf_err jw_take_err(const pf_jw *w, pf_jw_sink sink)
{
    if (w->err) return w->err;
    return w->sink != sink || !w->done ? PF_E_INVAL : PF_E_OK;
}

pf_err pf_jw_take_text(pf_jw *w, char **text, size_t *len)
{
    pf_err err = jw_take_err(w, PF_JW_TEXT);
    if (err) {
        pf_jw_clear(w);
        return err;
    }
    w->out.p[w->out.n] = 0; /* grow keeps room for it */
    *text = w->out.p;
    *len = w->out.n;
    w->out = (pf_jw_buf){0};
    pf_jw_clear(w);
    return PF_E_OK;
}

pf_err pf_jw_take_tree(pf_jw *w, cJSON **out)
{
    pf_err err = jw_take_err(w, PF_JW_TREE);
    if (err) {
        pf_jw_clear(w);
        return err;
    }
    *out = w->root;
    w->root = NULL;
    pf_jw_clear(w);
    return PF_E_OK;
}
