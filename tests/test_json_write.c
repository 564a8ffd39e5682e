/* The fast JSON serializer (api/json_write.h): every number reads back exactly, strings are escaped like
 * cJSON escapes them, and the output parses to the same tree. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_write.h"

static void expect_text(const cJSON *j, const char *want)
{
    size_t n = 0;
    char *s = pf_json_write(j, &n);
    cr_assert_not_null(s);
    cr_expect_str_eq(s, want);
    cr_expect_eq(n, strlen(s));
    free(s);
}

Test(json_write, numbers_are_short_and_exact)
{
    double v[] = {0,    -0.0,         1,     -1,      42,      101.51, -3.07, 0.1, 0.25,
                  1e15, 123456789012, 1e300, -2.5e-7, 1.0 / 3, M_PI};
    const char *want[] = {"0",
                          "0",
                          "1",
                          "-1",
                          "42",
                          "101.51",
                          "-3.07",
                          "0.1",
                          "0.25",
                          "1e+15",
                          "123456789012",
                          "1e+300",
                          "-2.5e-07",
                          "0.33333333333333331",
                          "3.1415926535897931"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cJSON *n = cJSON_CreateNumber(v[i]);
        expect_text(n, want[i]);
        cJSON_Delete(n);
    }
    cJSON *n = cJSON_CreateNumber(NAN);
    expect_text(n, "null");
    cJSON_Delete(n);
    /* Random values and every paise amount up to ₹1,00,000 in steps read back bit for bit. */
    srand(11);
    for (int i = 0; i < 200000; i++) {
        double d = i < 100000 ? (double)(i * 97 - 50000) / 100.0
                              : ldexp((double)rand() / RAND_MAX - 0.5, rand() % 200 - 100);
        cJSON *x = cJSON_CreateNumber(d);
        char *s = pf_json_write(x, NULL);
        cr_assert_eq(strtod(s, NULL), d, "%.17g -> %s", d, s);
        if (i < 100000) cr_assert(strlen(s) <= 12, "%s", s);
        free(s);
        cJSON_Delete(x);
    }
}

/* Below 1e9, a value with a decimal of at most 6 places that reads back exactly is written as the shortest
 * such decimal: checked against printf's rounding for every number of places. */
Test(json_write, decimals_are_the_shortest_that_read_back)
{
    srand(5);
    for (int i = 0; i < 300000; i++) {
        int places = 1 + rand() % 6;
        double scale = pow(10, places);
        double d = (double)((long long)rand() * rand() % 1000000000000LL) / scale;
        if (i % 3 == 0) d = -d;
        if (i % 7 == 0) d = ldexp((double)rand() / RAND_MAX, rand() % 40 - 20); /* mostly not short */
        if (d == floor(d) || fabs(d) >= 1e9) continue;
        char want[64] = "";
        for (int k = 1; k <= 6 && !*want; k++) {
            char t[64];
            snprintf(t, sizeof t, "%.*f", k, d);
            if (strtod(t, NULL) == d) snprintf(want, sizeof want, "%s", t);
        }
        cJSON *x = cJSON_CreateNumber(d);
        char *got = pf_json_write(x, NULL);
        cr_assert_not_null(got);
        if (*want) cr_assert_str_eq(got, want, "%.17g", d);
        cr_assert_eq(strtod(got, NULL), d, "%.17g -> %s", d, got);
        free(got);
        cJSON_Delete(x);
    }
}

Test(json_write, trees_match_cjson)
{
    const char *src = "{\"a\":[1,2.5,\"x\\\"y\\\\z\\n\\t\\u0001é\",true,false,null,{}],\"b\":{\"c\":[]},"
                      "\"weird key\\n\":-0.001,\"big\":1e+20}";
    cJSON *j = cJSON_Parse(src);
    cr_assert_not_null(j);
    char *mine = pf_json_write(j, NULL), *theirs = cJSON_PrintUnformatted(j);
    cr_expect_str_eq(mine, theirs);
    cJSON *back = cJSON_Parse(mine);
    cr_expect(cJSON_Compare(j, back, true));
    free(mine);
    free(theirs);
    cJSON_Delete(back);
    cJSON_Delete(j);
}

/* Strings of every length up to 40 with the bytes that need escaping (and UTF-8) at random places, as values
 * and as keys, escaped exactly as cJSON escapes them (the writer copies clean runs eight bytes at a time). */
Test(json_write, strings_escape_like_cjson_at_every_position)
{
    static const char pool[] = "abcXYZ09 ~\x7f\"\\\b\f\n\r\t\x01\x1f\xc3\xa9";
    srand(3);
    for (int i = 0; i < 20000; i++) {
        char s[41];
        int n = rand() % 41, dirty = rand() % 3; /* a third of them clean, the others with 1 in 8 dirty */
        for (int k = 0; k < n; k++) {
            int clean = dirty == 0 || rand() % 8;
            s[k] = clean ? pool[rand() % 10] : pool[10 + rand() % (int)(sizeof pool - 11)];
        }
        s[n] = 0;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, s, s);
        char *mine = pf_json_write(o, NULL), *theirs = cJSON_PrintUnformatted(o);
        cr_assert_str_eq(mine, theirs);
        free(mine);
        free(theirs);
        cJSON_Delete(o);
    }
}

Test(json_write, refuses_absurd_nesting)
{
    cJSON *root = cJSON_CreateArray(), *cur = root;
    for (int i = 0; i < PF_JSON_WRITE_MAX_DEPTH + 2; i++) {
        cJSON *c = cJSON_CreateArray();
        cJSON_AddItemToArray(cur, c);
        cur = c;
    }
    cr_expect_null(pf_json_write(root, NULL));
    cJSON_Delete(root);
}

/* The array member both samples share, left open inside its last element (an object): "list": [1, "two",
 * [], { */
static void write_list_open(pf_jw *w)
{
    pf_jw_arr(w, "list");
    pf_jw_num(w, NULL, 1);
    pf_jw_str(w, NULL, "two");
    pf_jw_arr(w, NULL);
    pf_jw_end(w);
    pf_jw_obj(w, NULL);
}

/* One sequence of writer calls covering every kind of member, nesting, escapes and awkward numbers. */
static void write_sample(pf_jw *w)
{
    pf_jw_obj(w, NULL);
    pf_jw_str(w, "name", "PLA \"Silk\"\\\n\tÄ\x01");
    pf_jw_str(w, "none", NULL);
    pf_jw_num(w, "paise", 130.15);
    pf_jw_num(w, "neg", -0.001);
    pf_jw_num(w, "third", 1.0 / 3);
    pf_jw_num(w, "big", 1e20);
    pf_jw_num(w, "nan", NAN);
    pf_jw_bool(w, "yes", true);
    pf_jw_bool(w, "no", false);
    pf_jw_null(w, "nothing");
    pf_jw_obj(w, "empty");
    pf_jw_end(w);
    write_list_open(w);
    pf_jw_num(w, "deep", 2.5);
    pf_jw_end(w);
    pf_jw_null(w, NULL);
    pf_jw_end(w);
    pf_jw_str(w, "weird key\n\"", "v");
    pf_jw_end(w);
}

Test(json_write, writer_text_and_tree_give_the_same_json)
{
    pf_jw t, g;
    pf_jw_init(&t, PF_JW_TEXT, 16); /* small: the text has to grow */
    pf_jw_init(&g, PF_JW_TREE, 0);
    write_sample(&t);
    write_sample(&g);
    char *text = NULL;
    size_t n = 0;
    cJSON *tree = NULL;
    cr_assert_eq(pf_jw_take_text(&t, &text, &n), PF_E_OK);
    cr_assert_eq(pf_jw_take_tree(&g, &tree), PF_E_OK);
    cr_expect_eq(n, strlen(text));
    /* The same bytes as the tree serialised, and the same value when parsed. */
    char *printed = pf_json_write(tree, NULL);
    cr_assert_not_null(printed);
    cr_expect_str_eq(text, printed);
    cJSON *parsed = cJSON_Parse(text);
    cr_assert_not_null(parsed, "%s", text);
    cJSON_DeleteItemFromObjectCaseSensitive(tree, "nan"); /* NaN is null in text but not in the tree */
    cr_expect(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(parsed, "nan")));
    cJSON_DeleteItemFromObjectCaseSensitive(parsed, "nan");
    cr_expect(cJSON_Compare(parsed, tree, true), "%s", text);
    cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(parsed, "name")->valuestring,
                     "PLA \"Silk\"\\\n\tÄ\x01");
    cr_expect_eq(cJSON_GetObjectItemCaseSensitive(parsed, "paise")->valuedouble, 130.15);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(parsed, "list")), 5);
    free(printed);
    free(text);
    cJSON_Delete(parsed);
    cJSON_Delete(tree);
}

/* write_sample with ready-made keys wherever a key needs no escaping: the first member of an object, later
 * ones, and containers opened with one. */
static void write_sample_k(pf_jw *w)
{
    pf_jw_obj(w, NULL);
    pf_jw_str_k(w, PF_JW_KEY("name"), "PLA \"Silk\"\\\n\tÄ\x01");
    pf_jw_str_k(w, PF_JW_KEY("none"), NULL);
    pf_jw_num_k(w, PF_JW_KEY("paise"), 130.15);
    pf_jw_num_k(w, PF_JW_KEY("neg"), -0.001);
    pf_jw_num_k(w, PF_JW_KEY("third"), 1.0 / 3);
    pf_jw_num_k(w, PF_JW_KEY("big"), 1e20);
    pf_jw_num_k(w, PF_JW_KEY("nan"), NAN);
    pf_jw_bool_k(w, PF_JW_KEY("yes"), true);
    pf_jw_bool_k(w, PF_JW_KEY("no"), false);
    pf_jw_null_k(w, PF_JW_KEY("nothing"));
    pf_jw_obj_k(w, PF_JW_KEY("empty"));
    pf_jw_end(w);
    write_list_open(w);
    pf_jw_num_k(w, PF_JW_KEY("deep"), 2.5);
    pf_jw_end(w);
    pf_jw_null(w, NULL);
    pf_jw_end(w);
    pf_jw_str(w, "weird key\n\"", "v");
    pf_jw_end(w);
}

/* Both sinks: the ready-made keys give exactly what the plain calls give. */
Test(json_write, ready_made_keys_give_the_same_json)
{
    for (int sink = PF_JW_TEXT; sink <= PF_JW_TREE; sink++) {
        pf_jw a, b;
        pf_jw_init(&a, (pf_jw_sink)sink, 16);
        pf_jw_init(&b, (pf_jw_sink)sink, 16);
        write_sample(&a);
        write_sample_k(&b);
        if (sink == PF_JW_TEXT) {
            char *ta = NULL, *tb = NULL;
            size_t na = 0, nb = 0;
            cr_assert_eq(pf_jw_take_text(&a, &ta, &na), PF_E_OK);
            cr_assert_eq(pf_jw_take_text(&b, &tb, &nb), PF_E_OK);
            cr_expect_str_eq(tb, ta);
            cr_expect_eq(nb, strlen(tb));
            free(ta);
            free(tb);
        } else {
            cJSON *ga = NULL, *gb = NULL;
            cr_assert_eq(pf_jw_take_tree(&a, &ga), PF_E_OK);
            cr_assert_eq(pf_jw_take_tree(&b, &gb), PF_E_OK);
            char *pa = pf_json_write(ga, NULL), *pb = pf_json_write(gb, NULL);
            cr_expect_str_eq(pb, pa);
            free(pa);
            free(pb);
            cJSON_Delete(ga);
            cJSON_Delete(gb);
        }
    }
    /* A ready-made key is refused where no key may go: at top level and inside an array. */
    for (int sink = PF_JW_TEXT; sink <= PF_JW_TREE; sink++) {
        pf_jw w;
        pf_jw_init(&w, (pf_jw_sink)sink, 0);
        pf_jw_num_k(&w, PF_JW_KEY("k"), 1);
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_clear(&w);
        pf_jw_arr(&w, NULL);
        pf_jw_obj_k(&w, PF_JW_KEY("k"));
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_clear(&w);
        /* Objects opened with one up to the nesting limit, and one more refused. */
        pf_jw_obj(&w, NULL);
        for (int i = 1; i < PF_JSON_WRITE_MAX_DEPTH; i++)
            pf_jw_obj_k(&w, PF_JW_KEY("o"));
        cr_expect_eq(pf_jw_status(&w), PF_E_OK);
        pf_jw_obj_k(&w, PF_JW_KEY("o"));
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_clear(&w);
    }
}

Test(json_write, writer_top_level_scalar)
{
    pf_jw w;
    pf_jw_init(&w, PF_JW_TEXT, 0);
    pf_jw_num(&w, NULL, 42);
    char *text = NULL;
    size_t n = 0;
    cr_assert_eq(pf_jw_take_text(&w, &text, &n), PF_E_OK);
    cr_expect_str_eq(text, "42");
    free(text);
}

/* Each misuse fails the writer (INVAL), later calls do nothing, and the take reports it and frees all. */
Test(json_write, writer_misuse_is_refused)
{
    for (int sink = PF_JW_TEXT; sink <= PF_JW_TREE; sink++) {
        pf_jw w;
        char *text = NULL;
        size_t n = 0;
        cJSON *tree = NULL;
        /* a member without a key inside an object */
        pf_jw_init(&w, (pf_jw_sink)sink, 0);
        pf_jw_obj(&w, NULL);
        pf_jw_num(&w, NULL, 1);
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_end(&w);
        cr_expect_eq(sink == PF_JW_TEXT ? pf_jw_take_text(&w, &text, &n) : pf_jw_take_tree(&w, &tree),
                     PF_E_INVAL);
        cr_expect_null(text);
        cr_expect_null(tree);
        /* a key inside an array, and at top level */
        pf_jw_init(&w, (pf_jw_sink)sink, 0);
        pf_jw_arr(&w, NULL);
        pf_jw_num(&w, "k", 1);
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_clear(&w);
        pf_jw_num(&w, "k", 1);
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_clear(&w);
        /* a container left open, a close too many, a second top-level value */
        pf_jw_obj(&w, NULL);
        cr_expect_eq(sink == PF_JW_TEXT ? pf_jw_take_text(&w, &text, &n) : pf_jw_take_tree(&w, &tree),
                     PF_E_INVAL);
        pf_jw_obj(&w, NULL);
        pf_jw_end(&w);
        pf_jw_end(&w);
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_clear(&w);
        pf_jw_null(&w, NULL);
        pf_jw_null(&w, NULL);
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_clear(&w);
        /* nothing written; the other sink's take */
        cr_expect_eq(sink == PF_JW_TEXT ? pf_jw_take_text(&w, &text, &n) : pf_jw_take_tree(&w, &tree),
                     PF_E_INVAL);
        pf_jw_null(&w, NULL);
        cr_expect_eq(sink == PF_JW_TEXT ? pf_jw_take_tree(&w, &tree) : pf_jw_take_text(&w, &text, &n),
                     PF_E_INVAL);
        cr_expect_null(text);
        cr_expect_null(tree);
        /* nesting beyond the limit */
        pf_jw_init(&w, (pf_jw_sink)sink, 0);
        for (int i = 0; i < PF_JSON_WRITE_MAX_DEPTH; i++)
            pf_jw_arr(&w, NULL);
        cr_expect_eq(pf_jw_status(&w), PF_E_OK);
        pf_jw_arr(&w, NULL);
        cr_expect_eq(pf_jw_status(&w), PF_E_INVAL);
        pf_jw_clear(&w);
    }
}
