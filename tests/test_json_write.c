/* The fast JSON serializer (api/json_write.h): every number reads back exactly, strings are escaped like
 * cJSON escapes them, and the output parses to the same tree. */
#include <criterion/criterion.h>
#include <math.h>
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
