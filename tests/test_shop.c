/* The shop core's estimate cache (api/shop.h) in process: entries by digest, analyses kept with them, and the
 * bounds on entries and bytes with least-recently-used eviction. (Pricing itself is tested end to end in
 * test_api_quote.c and test_api_upload.c.) */
#include <criterion/criterion.h>
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
