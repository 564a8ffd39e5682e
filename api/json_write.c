/* The cJSON serializer of api/json_write.h. */
#include "api/json_write.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
    char *p;    /* text */
    size_t n;   /* used */
    size_t cap; /* allocated */
    bool bad;   /* allocation failed */
} out;

static bool grow(out *o, size_t more)
{
    if (o->bad) return false;
    if (o->n + more + 1 <= o->cap) return true;
    size_t cap = o->cap ? o->cap : 1024;
    while (cap < o->n + more + 1)
        cap *= 2;
    char *q = realloc(o->p, cap);
    if (!q) return !(o->bad = true);
    o->p = q, o->cap = cap;
    return true;
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

static const double pow10s[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

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
    /* Short decimals: the k-digit decimal m / 10^k that is exactly d (money is paise / 100.0). */
    if (fabs(d) < 1e9)
        for (int k = 1; k <= 6; k++) {
            double m = d * pow10s[k], rm = round(m);
            if (fabs(m - rm) > 1e-6 * (fabs(m) + 1) || rm / pow10s[k] != d) continue;
            uint64_t v = (uint64_t)fabs(rm), ip = v / (uint64_t)pow10s[k], fp = v % (uint64_t)pow10s[k];
            char *end = buf + sizeof buf, *s = end;
            for (int i = 0; i < k; i++, fp /= 10)
                *--s = (char)('0' + fp % 10);
            *--s = '.';
            s = utoa_end(ip, s);
            if (d < 0) *--s = '-';
            /* Trailing zeros cannot occur (a smaller k would have matched first). */
            put(o, s, (size_t)(end - s));
            return;
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
