/* The buffer-backed JSON parser of api/json_read.h: recursive descent over strict JSON, nodes taken from the
 * front of the caller's buffer and strings from its back; any shape it does not take is left to cJSON. */
#include "api/json_read.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct rd {
    const char *p;   /* next byte */
    const char *end; /* end of the text */
    char *lo;        /* free space starts (nodes grow up from here) */
    char *hi;        /* free space ends (strings grow down from here) */
    int depth;       /* containers open */
} rd;

static void skip_ws(rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static cJSON *node(rd *r)
{
    if ((size_t)(r->hi - r->lo) < sizeof(cJSON)) return NULL;
    cJSON *n = (cJSON *)(void *)r->lo;
    r->lo += sizeof(cJSON);
    memset(n, 0, sizeof *n);
    return n;
}

/* A string without escapes or control characters, copied NUL-terminated; NULL for anything else. */
static char *string(rd *r)
{
    if (r->p >= r->end || *r->p != '"') return NULL;
    const char *s = ++r->p;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20 || c == '\\') return NULL;
        r->p++;
    }
    if (r->p >= r->end) return NULL;
    size_t n = (size_t)(r->p - s);
    r->p++; /* the closing quote */
    if ((size_t)(r->hi - r->lo) < n + 1) return NULL;
    r->hi -= n + 1;
    memcpy(r->hi, s, n);
    r->hi[n] = 0;
    return r->hi;
}

static bool digit(const rd *r)
{
    return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

/* A number in JSON's grammar, which must not run on into characters cJSON would take as part of it. */
static bool number(rd *r, cJSON *item)
{
    const char *s = r->p;
    if (r->p < r->end && *r->p == '-') r->p++;
    if (!digit(r)) return false;
    if (*r->p == '0')
        r->p++;
    else
        while (digit(r))
            r->p++;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (!digit(r)) return false;
        while (digit(r))
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
        if (!digit(r)) return false;
        while (digit(r))
            r->p++;
    }
    size_t n = (size_t)(r->p - s);
    if (n > 63) return false;
    if (r->p < r->end && strchr("0123456789+-eE.", *r->p)) return false;
    char buf[64];
    memcpy(buf, s, n);
    buf[n] = 0;
    char *after;
    double d = strtod(buf, &after);
    if (after != buf + n) return false;
    item->type = cJSON_Number;
    item->valuedouble = d;
    /* cJSON's saturation */
    item->valueint = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
    return true;
}

static bool literal(rd *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n)) return false;
    r->p += n;
    return true;
}

static bool value(rd *r, cJSON *item);

/* An object or array after its opening bracket. */
static bool container(rd *r, cJSON *item, bool obj)
{
    if (++r->depth > PF_JSON_READ_MAX_DEPTH) return false;
    item->type = obj ? cJSON_Object : cJSON_Array;
    cJSON *head = NULL, *last = NULL;
    skip_ws(r);
    if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
        r->p++;
        r->depth--;
        return true;
    }
    for (;;) {
        cJSON *c = node(r);
        if (!c) return false;
        if (obj) {
            if (!(c->string = string(r))) return false;
            skip_ws(r);
            if (r->p >= r->end || *r->p != ':') return false;
            r->p++;
            skip_ws(r);
        }
        if (!value(r, c)) return false;
        /* Linked as cJSON links them: next and prev, and the head's prev is the last item. */
        if (!head)
            head = c;
        else
            last->next = c, c->prev = last;
        last = c;
        skip_ws(r);
        if (r->p >= r->end) return false;
        char ch = *r->p++;
        if (ch == (obj ? '}' : ']')) break;
        if (ch != ',') return false;
        skip_ws(r);
    }
    head->prev = last;
    item->child = head;
    r->depth--;
    return true;
}

static bool value(rd *r, cJSON *item)
{
    if (r->p >= r->end) return false;
    switch (*r->p) {
    case '{':
    case '[':
        return container(r, item, *r->p++ == '{');
    case '"':
        item->type = cJSON_String;
        return (item->valuestring = string(r)) != NULL;
    case 't':
        item->type = cJSON_True;
        item->valueint = 1;
        return literal(r, "true", 4);
    case 'f':
        item->type = cJSON_False;
        return literal(r, "false", 5);
    case 'n':
        item->type = cJSON_NULL;
        return literal(r, "null", 4);
    default:
        return number(r, item);
    }
}

bool pf_json_read_into(const char *text, size_t len, void *buf, size_t cap, const cJSON **out)
{
    rd r = {.p = text, .end = text + len, .lo = buf, .hi = (char *)buf + cap};
    skip_ws(&r);
    if (r.p >= r.end || *r.p != '{') return false;
    cJSON *root = node(&r);
    if (!root || !value(&r, root)) return false;
    skip_ws(&r);
    if (r.p != r.end) return false;
    *out = root;
    return true;
}
