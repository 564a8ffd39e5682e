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

/* Unsigned decimal of v into the end of buf; returns the first digit. */
static char *utoa_end(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void number(out *o, double d)
{
    char buf[40];
    if (!isfinite(d)) {
        put(o, "null", 4);
        return;
    }
    /* Whole numbers (ids, counts, paise-free rupees) as integers. */
    if (d == floor(d) && fabs(d) < 1e15) {
        char *end = buf + sizeof buf, *s = utoa_end((uint64_t)fabs(d), end);
        if (d < 0) *--s = '-';
        put(o, s, (size_t)(end - s));
        return;
    }
    /* Short decimals: the shortest decimal of at most 6 places that reads back as d (money is paise / 100.0).
     * Below 1e9 such a decimal has at most 15 significant digits, so no two of them read back as the same
     * double: the one with 6 places, stripped of trailing zeros, is the shortest. m / 10^6 is correctly
     * rounded, so comparing it with d is exactly the read-back check. */
    double a = fabs(d);
    if (a < 1e9) {
        double m = round(a * 1e6);
        if (m / 1e6 == a) {
            uint64_t v = (uint64_t)m;
            int k = 6;
            while (v % 10 == 0) /* v is not a multiple of 10^6: d is not whole */
                v /= 10, k--;
            char *end = buf + sizeof buf, *s = end;
            for (int i = 0; i < k; i++, v /= 10)
                *--s = (char)('0' + v % 10);
            *--s = '.';
            s = utoa_end(v, s);
            if (d < 0) *--s = '-';
            put(o, s, (size_t)(end - s));
            return;
        }
    }
    /* Anything else: cJSON's own rule, 15 significant digits if they read back exactly, else 17. */
    int n = snprintf(buf, sizeof buf, "%1.15g", d);
    if (strtod(buf, NULL) != d) n = snprintf(buf, sizeof buf, "%1.17g", d);
    put(o, buf, (size_t)n);
}

static void string(out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    putc1(o, '"');
    if (!s) s = "";
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
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
            if (obj) {
                string(o, c->string);
                putc1(o, ':');
            }
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
        if (w->depth && w->has_item[w->depth]) putc1(o, ',');
        if (key) {
            string(o, key);
            putc1(o, ':');
        }
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

static void jw_open(pf_jw *w, const char *key, bool obj)
{
    if (!jw_member(w, key)) return;
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
    jw_open(w, key, true);
}

void pf_jw_arr(pf_jw *w, const char *key)
{
    jw_open(w, key, false);
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
