/* The buffer-backed JSON parser (api/json_read.h): whatever it takes, cJSON takes too and builds the same
 * tree (types, keys, strings, numbers bit for bit, order, links); plain request bodies are all taken;
 * anything else is left to cJSON; a tree that does not fit the buffer is left to cJSON too. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_read.h"

static _Alignas(max_align_t) unsigned char buf[1 << 16];

/* Structural equality, stricter than cJSON_Compare: numbers bit for bit, valueint, member order, prev links.
 */
static bool same(const cJSON *a, const cJSON *b)
{
    if ((a->type & 0xff) != (b->type & 0xff) || a->valueint != b->valueint) return false;
    if ((a->string == NULL) != (b->string == NULL) || (a->string && strcmp(a->string, b->string)))
        return false;
    if ((a->valuestring == NULL) != (b->valuestring == NULL) ||
        (a->valuestring && strcmp(a->valuestring, b->valuestring)))
        return false;
    if (memcmp(&a->valuedouble, &b->valuedouble, sizeof a->valuedouble)) return false;
    const cJSON *x = a->child, *y = b->child;
    if (x && (!y || (x->prev == NULL) != (y->prev == NULL))) return false;
    for (; x && y; x = x->next, y = y->next)
        if (!same(x, y)) return false;
    return !x && !y;
}

/* cJSON's verdict as the dispatcher takes it: an object, with nothing but whitespace after it. */
static cJSON *cjson_object(const char *s, size_t n)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(s, n, &end, false);
    if (!j) return NULL;
    while (end < s + n && isspace((unsigned char)*end))
        end++;
    if (end != s + n || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* Checks one text; returns whether the buffer parser took it. */
static bool check(const char *s, size_t n)
{
    const cJSON *mine = NULL;
    bool took = pf_json_read_into(s, n, buf, sizeof buf, &mine);
    cJSON *theirs = cjson_object(s, n);
    if (took) {
        cr_assert_not_null(theirs, "taken but cJSON refuses: %.*s", (int)n, s);
        cr_assert(same(mine, theirs), "different trees: %.*s", (int)n, s);
    }
    cJSON_Delete(theirs);
    return took;
}

static void check_str(const char *s, bool want_taken)
{
    cr_expect_eq(check(s, strlen(s)), want_taken, "%s", s);
}

Test(json_read, plain_bodies_are_taken_with_the_same_tree)
{
    check_str("{\"dim_x_mm\":60,\"dim_y_mm\":40,\"dim_z_mm\":25,\"volume_cm3\":32.5,\"material\":\"PLA\","
              "\"quantity\":2,\"infill\":20,\"fulfillment\":\"pickup\"}",
              true);
    check_str(" {\r\n\t\"a\" : [ 1 , -0 , 0.5e-3 , 1E+400 , -2.5E-7 , 123456789012345678901234567890 ] ,"
              " \"b\":{\"c\":{}}, \"d\":[], \"e\":true, \"f\":false, \"g\":null, \"h\":\"ü €\" } \n",
              true);
    check_str("{\"a\":1,\"a\":2}", true); /* duplicates kept, in order */
    check_str("{\"big\":3000000000,\"neg\":-3000000000,\"x\":2147483647.5}", true); /* valueint saturates */
    check_str("{}", true);
}

Test(json_read, other_shapes_are_left_to_cjson)
{
    const char *left[] = {
        "{\"a\":\"x\\ny\"}",   /* escapes */
        "{\"a\":\"\\u00e9\"}", /* unicode escape */
        "{\"a\":\"tab\there\"}",
        "[1,2]",          /* not an object */
        "\"s\"",          /* not an object */
        "{\"a\":01}",     /* cJSON reads this, JSON does not */
        "{\"a\":1.}",     /* likewise */
        "{\"a\":-}",      /* broken number */
        "{\"a\":+1}",     /* leading plus */
        "{\"a\":1e}",     /* broken exponent */
        "{\"a\":.5}",     /* no leading digit */
        "{\"a\":1}x",     /* trailing garbage */
        "{\"a\":1}\v",    /* whitespace cJSON skips, JSON does not */
        "\f{\"a\":1}",    /* likewise */
        "{\"a\":1,}",     /* trailing comma */
        "{\"a\" 1}",      /* no colon */
        "{a:1}",          /* bare key */
        "{\"a\":tru}",    /* truncated literal */
        "{\"a\":truex}",  /* literal running on */
        "{\"a\":[1 2]}",  /* no comma */
        "{\"a\":1",       /* unterminated */
        "{\"a\":\"x",     /* unterminated string */
        "\xEF\xBB\xBF{}", /* byte order mark */
        "",
        "   ",
    };
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++)
        check_str(left[i], false);
    /* Nesting beyond the limit, and a number longer than cJSON's 63 characters. */
    char deep[256] = "{\"a\":";
    for (int i = 0; i < PF_JSON_READ_MAX_DEPTH; i++)
        strcat(deep, "[");
    for (int i = 0; i < PF_JSON_READ_MAX_DEPTH; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    check_str(deep, false);
    char num[128] = "{\"a\":1";
    for (int i = 0; i < 70; i++)
        strcat(num, "0");
    strcat(num, "}");
    check_str(num, false);
    /* A NUL byte inside a string. */
    static const char nul[] = "{\"a\":\"x\0y\"}";
    cr_expect(!check(nul, sizeof nul - 1));
}

Test(json_read, a_tree_larger_than_the_buffer_is_left_to_cjson)
{
    const char *s = "{\"material\":\"PLA\",\"quantity\":2,\"list\":[1,2,3,4,5,6,7,8]}";
    const cJSON *out = NULL;
    size_t need = 0;
    for (size_t cap = 0; cap <= 4096 && !need; cap += 8)
        if (pf_json_read_into(s, strlen(s), buf, cap, &out)) need = cap;
    cr_assert(need > 12 * sizeof(cJSON), "a root, 11 items and their strings need more than %zu", need);
    out = NULL;
    cr_expect(!pf_json_read_into(s, strlen(s), buf, need - 8, &out));
    cr_expect_null(out);
}

/* Random objects of every kind of member, then random damage to them: the two parsers never disagree on
 * what they both take, and undamaged plain objects are always taken. */
static size_t gen_value(char *o, size_t at, size_t cap, int depth);

static size_t gen_str(char *o, size_t at, size_t cap)
{
    static const char *const pieces[] = {"a",   "PLA", "ü",    "€",       " ", "key",
                                         "x_y", "\\n", "\\\"", "\\u0041", "/"};
    at += (size_t)snprintf(o + at, cap - at, "\"");
    for (int i = rand() % 4; i > 0; i--)
        at += (size_t)snprintf(o + at, cap - at, "%s", pieces[rand() % (rand() % 3 ? 7 : 11)]);
    return at + (size_t)snprintf(o + at, cap - at, "\"");
}

static size_t gen_ws(char *o, size_t at, size_t cap)
{
    static const char *const ws[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
    return at + (size_t)snprintf(o + at, cap - at, "%s", ws[rand() % 7]);
}

static size_t gen_value(char *o, size_t at, size_t cap, int depth)
{
    static const char *const nums[] = {
        "0",          "-0",          "1",        "-17",           "2.5",   "1e3",
        "1E-300",     "-2e+8",       "0.000001", "123456789.123", "1e999", "9007199254740993",
        "2147483648", "-2147483649", "0.1"};
    int k = depth >= 4 ? rand() % 5 : rand() % 7;
    switch (k) {
    case 0:
        return at + (size_t)snprintf(o + at, cap - at, "%s", nums[rand() % 15]);
    case 1:
        return gen_str(o, at, cap);
    case 2:
        return at + (size_t)snprintf(o + at, cap - at, "%s", rand() % 2 ? "true" : "false");
    case 3:
        return at + (size_t)snprintf(o + at, cap - at, "null");
    case 4:
        return at + (size_t)snprintf(o + at, cap - at, "%.6g", (double)rand() / RAND_MAX * 1000 - 500);
    default: {
        bool obj = k == 5;
        at += (size_t)snprintf(o + at, cap - at, obj ? "{" : "[");
        for (int i = rand() % 4; i >= 0 && at < cap - 200; i--) {
            at = gen_ws(o, at, cap);
            if (obj) {
                at = gen_str(o, at, cap);
                at = gen_ws(o, at, cap);
                at += (size_t)snprintf(o + at, cap - at, ":");
                at = gen_ws(o, at, cap);
            }
            at = gen_value(o, at, cap, depth + 1);
            at = gen_ws(o, at, cap);
            if (i) at += (size_t)snprintf(o + at, cap - at, ",");
        }
        return at + (size_t)snprintf(o + at, cap - at, obj ? "}" : "]");
    }
    }
}

Test(json_read, random_and_damaged_objects_agree_with_cjson)
{
    static char text[8192], bad[8192];
    static const char damage[] = "{}[]\",:0-.eE+ \x01tfnu\\";
    srand(17);
    size_t taken = 0;
    for (int i = 0; i < 20000; i++) {
        size_t n = gen_ws(text, 0, sizeof text);
        text[n++] = '{';
        for (int m = rand() % 5; m >= 0; m--) {
            n = gen_str(text, n, sizeof text);
            text[n++] = ':';
            n = gen_value(text, n, sizeof text, 1);
            if (m) text[n++] = ',';
        }
        text[n++] = '}';
        n = gen_ws(text, n, sizeof text);
        text[n] = 0;
        bool escapes = strchr(text, '\\') != NULL;
        bool took = check(text, n);
        if (!escapes) cr_assert(took, "plain object not taken: %s", text);
        taken += took;
        /* Damage: a byte changed, removed or the text cut short. */
        memcpy(bad, text, n + 1);
        size_t at = (size_t)rand() % n, m = n;
        switch (rand() % 3) {
        case 0:
            bad[at] = damage[rand() % (sizeof damage - 1)];
            break;
        case 1:
            memmove(bad + at, bad + at + 1, n - at);
            m--;
            break;
        default:
            m = at;
            break;
        }
        check(bad, m);
    }
    cr_expect_gt(taken, 5000);
}
