/* The shop core (api/shop.h) in process: the estimate cache's entries by digest, analyses kept with them, and
 * the bounds on entries and bytes with least-recently-used eviction; a line's answer written as text and as a
 * tree. (Pricing itself is tested end to end in
 * test_api_quote.c and test_api_upload.c.) */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/shop.h"

static pf_mesh *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", PF_TEST_DATA, name);
    pf_mesh *m = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_mesh_read_file(path, NULL, &m, &eb), PF_E_OK, "%s: %s", name, eb.msg);
    return m;
}

static pf_sha256 digest(int i)
{
    pf_sha256 d;
    memset(&d, 0, sizeof d);
    d.b[0] = (uint8_t)i, d.b[31] = 0xA5;
    return d;
}

Test(shop, cache_keeps_analyses_and_evicts_the_least_recently_used)
{
    pf_shop_cache_clear();
    pf_shop_cache_limits(2, (size_t)1 << 30);
    pf_shop_cache_stats s0;
    pf_shop_cache_stats_get(&s0);
    cr_expect_eq(s0.entries, 0);
    pf_mesh *cube = load("cube20.stl"), *gear = load("gear.stl"), *torus = load("torus.stl");
    pf_analysis an = {0}, got;
    an.watertight = 1, an.shells = 1, an.stats.triangles = cube->ntris;
    pf_sha256 a = digest(1), b = digest(2), c = digest(3);
    cr_assert_eq(pf_shop_cache_mesh_analysed(NULL, &a, cube, &an), PF_E_OK);
    cr_assert_eq(pf_shop_cache_mesh(NULL, &b, gear), PF_E_OK);
    cr_expect(!pf_shop_cache_analysis(&b, &got), "no analysis given for b");
    cr_expect(pf_shop_cache_analysis(&a, &got)); /* every lookup counts as a use */
    cr_expect_eq(got.stats.triangles, cube->ntris);
    /* a was used last: adding c drops b. */
    cr_assert_eq(pf_shop_cache_mesh(NULL, &c, torus), PF_E_OK);
    pf_shop_cache_stats s1;
    pf_shop_cache_stats_get(&s1);
    cr_expect_eq(s1.entries, 2);
    cr_expect_eq(s1.evicted, s0.evicted + 1);
    cr_expect(pf_shop_cache_analysis(&a, &got), "a stays");
    /* The same digest again changes nothing; an analysis can be added later. */
    cr_assert_eq(pf_shop_cache_mesh_analysed(NULL, &c, torus, &an), PF_E_OK);
    cr_expect(pf_shop_cache_analysis(&c, &got));
    pf_shop_cache_stats_get(&s1);
    cr_expect_eq(s1.entries, 2);
    /* A byte bound below one entry's size keeps nothing. */
    pf_shop_cache_limits(0, 1);
    pf_shop_cache_stats_get(&s1);
    cr_expect_eq(s1.entries, 0);
    cr_expect_eq(s1.bytes, 0);
    cr_expect(!pf_shop_cache_analysis(&a, &got));
    pf_shop_cache_limits(512, (size_t)256 << 20);
    pf_mesh_free(cube);
    pf_mesh_free(gear);
    pf_mesh_free(torus);
}

Test(shop, unprintable_mesh_is_refused_and_not_cached)
{
    pf_shop_cache_clear();
    /* A single flat triangle: nothing to slice. */
    float v[9] = {0, 0, 0, 10, 0, 0, 0, 10, 0};
    pf_mesh_builder bld;
    pf_mesh_builder_init(&bld, NULL);
    pf_errbuf eb;
    cr_assert_eq(pf_mesh_builder_part(&bld, "flat", 1), PF_E_OK);
    cr_assert_eq(pf_mesh_builder_tri(&bld, v, &eb), PF_E_OK);
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&bld, &m, &eb), PF_E_OK, "%s", eb.msg);
    pf_mesh_builder_free(&bld);
    pf_sha256 d = digest(9);
    cr_expect_neq(pf_shop_cache_mesh(NULL, &d, m), PF_E_OK);
    pf_shop_cache_stats s;
    pf_shop_cache_stats_get(&s);
    cr_expect_eq(s.entries, 0);
    pf_mesh_free(m);
}

/* A line with awkward values: strings that need escaping, fractions of every length, both fits cases. */
static pf_shop_line sample_line(unsigned seed, bool fits)
{
    srand(seed);
    pf_shop_line l = {0};
    l.material = "PETG \"HF\"", l.color = "Grün\n", l.printer_name = fits ? "MK4 \\ 2" : NULL;
    l.quantity = 1 + rand() % 50, l.infill_pct = rand() % 101 / (1 + rand() % 3);
    l.priority = rand() & 1, l.slicer = rand() & 1, l.fits = fits, l.printer_id = fits ? 7 : 0;
    l.session_id = rand() & 1 ? 123456789 : 0, l.model_id = l.session_id ? 0 : 42;
    l.density_g_cm3 = 1.24 + rand() % 10 / 100.0, l.volume_cm3 = rand() / (double)RAND_MAX * 300;
    for (int k = 0; k < 3; k++)
        l.dim_mm[k] = rand() / (double)RAND_MAX * 250;
    l.est.weight_g = rand() / (double)RAND_MAX * 500, l.est.print_time_s = rand() % 100000 + 0.37;
    l.est.job_time_s = l.est.print_time_s + 300, l.est.layers = (size_t)(rand() % 3000);
    l.est.filament_m = rand() / (double)RAND_MAX * 100, l.est.slowed_layers = (size_t)(rand() % 20);
    for (int k = 0; k < PF_FEAT_N; k++)
        l.est.volume_mm3[k] = rand() / (double)RAND_MAX * 1e5, l.est.volume_total_mm3 += l.est.volume_mm3[k];
    for (int k = 0; k < PF_TIME_N; k++)
        l.est.time_s[k] = rand() / (double)RAND_MAX * 1e4;
    l.price.material = rand() % 1000000, l.price.printing = rand() % 1000000, l.price.priority = rand() % 99;
    l.price.gst = rand() % 100000, l.price.total = l.price.material + l.price.printing + l.price.gst;
    return l;
}

static void more_price(pf_jw *w, void *ctx)
{
    pf_jw_num(w, "shipping", *(double *)ctx);
}

static void more_end(pf_jw *w, void *ctx)
{
    (void)ctx;
    pf_jw_obj(w, "shipping");
    pf_jw_str(w, "zip", "560001");
    pf_jw_end(w);
}

/* POST /api/quote writes the answer straight to text; other routes take the tree: both are the same JSON. */
Test(shop, line_answer_as_text_and_as_tree_is_the_same_json)
{
    for (unsigned seed = 1; seed <= 200; seed++) {
        pf_shop_line l = sample_line(seed, seed % 3 != 0);
        double ship = seed * 0.37;
        pf_shop_line_extra x = {.total_set = seed % 2 == 0, .total = 99999, .ctx = &ship};
        if (seed % 4 == 0) x.price_more = more_price, x.more = more_end;
        pf_jw t, g;
        pf_jw_init(&t, PF_JW_TEXT, 0);
        pf_jw_init(&g, PF_JW_TREE, 0);
        pf_shop_line_write(&t, NULL, &l, &x);
        pf_shop_line_write(&g, NULL, &l, &x);
        char *text = NULL;
        size_t n = 0;
        cJSON *tree = NULL;
        cr_assert_eq(pf_jw_take_text(&t, &text, &n), PF_E_OK);
        cr_assert_eq(pf_jw_take_tree(&g, &tree), PF_E_OK);
        cJSON *parsed = cJSON_ParseWithLength(text, n);
        cr_assert_not_null(parsed, "%s", text);
        cr_expect(cJSON_Compare(parsed, tree, true), "seed %u: %s", seed, text);
        char *printed = pf_json_write(tree, NULL);
        cr_expect_str_eq(text, printed);
        /* The values are the line's: a few spot checks that the text is not merely self-consistent. */
        const cJSON *price = cJSON_GetObjectItemCaseSensitive(parsed, "price");
        cr_expect_eq(cJSON_GetObjectItemCaseSensitive(price, "total")->valuedouble,
                     pf_price_to_inr(x.total_set ? x.total : l.price.total));
        cr_expect_str_eq(cJSON_GetObjectItemCaseSensitive(parsed, "material")->valuestring, l.material);
        cr_expect_eq(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(parsed, "printer")), !l.fits);
        cr_expect_eq(cJSON_GetObjectItemCaseSensitive(price, "shipping") != NULL, x.price_more != NULL);
        cr_expect_eq(cJSON_GetObjectItemCaseSensitive(parsed, "shipping") != NULL, x.more != NULL);
        /* The breakdown's buckets are named as the estimator names them, in its order, with their values. */
        const cJSON *bd = cJSON_GetObjectItemCaseSensitive(parsed, "breakdown");
        const cJSON *vol = cJSON_GetObjectItemCaseSensitive(bd, "volumes_cm3");
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(bd, "time_s");
        cr_assert_eq(cJSON_GetArraySize(vol), PF_FEAT_N);
        cr_assert_eq(cJSON_GetArraySize(ts), PF_TIME_N);
        int k = 0;
        for (const cJSON *c = vol->child; c; c = c->next, k++) {
            cr_expect_str_eq(c->string, pf_estimate_bucket_name(k));
            cr_expect_leq(fabs(c->valuedouble - l.est.volume_mm3[k] / 1000), 0.0005 + 1e-9, "%s", c->string);
        }
        k = 0;
        for (const cJSON *c = ts->child; c; c = c->next, k++) {
            cr_expect_str_eq(c->string, pf_estimate_bucket_name(k));
            cr_expect_leq(fabs(c->valuedouble - l.est.time_s[k]), 0.005 + 1e-9, "%s", c->string);
        }
        /* pf_shop_line_json is the tree without additions. */
        cJSON *plain = pf_shop_line_json(&l);
        cr_assert_not_null(plain);
        if (!x.total_set && !x.price_more) cr_expect(cJSON_Compare(plain, tree, true));
        cJSON_Delete(plain);
        free(printed);
        free(text);
        cJSON_Delete(parsed);
        cJSON_Delete(tree);
    }
}
