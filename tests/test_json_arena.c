/* cJSON trees in a caller's buffer (api/json_arena.h): the same trees and verdicts as cJSON's own parse,
 * bodies larger than the buffer spill to the heap and are freed without leaks, and cJSON used anywhere else
 * (other threads included) allocates and frees as before. Run under ASan/LSan, which poisons the released
 * arena and reports leaks and bad frees. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_arena.h"

static _Alignas(16) unsigned char buf[2048];

/* Parses s into an arena over cap bytes of buf and compares with cJSON_ParseWithLengthOpts. */
static void expect_same(const char *s, size_t cap)
{
    size_t n = strlen(s);
    const char *end_mine = NULL, *end_theirs = NULL;
    pf_json_arena a;
    pf_json_arena_init(&a, buf, cap);
    cJSON *mine = pf_json_arena_parse(&a, s, n, &end_mine);
    cJSON *theirs = cJSON_ParseWithLengthOpts(s, n, &end_theirs, false);
    cr_expect_eq(mine == NULL, theirs == NULL, "%s", s);
    cr_expect_eq(end_mine, end_theirs, "%s", s);
    if (mine && theirs) {
        cr_expect(cJSON_Compare(mine, theirs, true), "%s", s);
        char *pm = cJSON_PrintUnformatted(mine), *pt = cJSON_PrintUnformatted(theirs);
        cr_expect_str_eq(pm, pt);
        free(pm);
        free(pt);
    }
    pf_json_arena_free(&a, mine);
    cJSON_Delete(theirs);
}

Test(json_arena, trees_and_verdicts_match_cjson)
{
    const char *docs[] = {
        "{\"dim_x_mm\":60,\"dim_y_mm\":40,\"dim_z_mm\":25,\"volume_cm3\":32.5,\"material\":\"PLA\","
        "\"quantity\":2,"
        "\"infill\":20,\"fulfillment\":\"pickup\"}",
        "{\"a\":[1,2.5,\"x\\\"y\\\\z\\n\\t\\u0001\\u00e9\",true,false,null,{}],\"b\":{\"c\":[]},\"k\\n\":-1e-"
        "3}",
        "[]",
        "\"just a string\"",
        "{\"a\":1,}",
        "{\"a\":",
        "{\"a\":tru}",
        "[1,2,3] trailing",
        "",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        for (size_t cap = 0; cap <= sizeof buf; cap += 64) /* from nothing fitting to everything fitting */
            expect_same(docs[i], cap);
}

/* A body far larger than the buffer: most of it spills, and freeing the tree frees every malloc'd block
 * (LSan would report the rest) while the arena's blocks are left alone (ASan would report a bad free). */
Test(json_arena, large_bodies_spill_and_are_freed)
{
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    n += (size_t)snprintf(s + n, cap - n, "{\"items\":[");
    for (int i = 0; i < 500; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s{\"id\":%d,\"name\":\"item %d\",\"price\":%d.25}",
                              i ? "," : "", i, i, i);
    n += (size_t)snprintf(s + n, cap - n, "]}");
    expect_same(s, sizeof buf);
    /* The same arena again after a spilled tree: reset to empty. */
    pf_json_arena a;
    pf_json_arena_init(&a, buf, sizeof buf);
    for (int round = 0; round < 3; round++) {
        cJSON *j = pf_json_arena_parse(&a, s, n, NULL);
        cr_assert_not_null(j);
        cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "items")), 500);
        cr_expect_str_eq(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "items"), 499)->child->next->valuestring,
            "item 499");
        pf_json_arena_free(&a, j);
    }
    free(s);
}

/* Outside pf_json_arena_parse the hooks are malloc and free: trees built, printed, duplicated and deleted by
 * another thread while this one parses into its arena all the time. */
static void *other_cjson_user(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", "PLA");
        cJSON_AddNumberToObject(o, "n", i);
        cJSON *d = cJSON_Duplicate(o, true);
        char *p = cJSON_PrintUnformatted(d);
        if (!p || strncmp(p, "{\"name\":\"PLA\",\"n\":", 18)) return (void *)1;
        cJSON_free(p);
        cJSON *back = cJSON_Parse("{\"x\":[1,2,3]}");
        if (!back) return (void *)1;
        cJSON_Delete(back);
        cJSON_Delete(d);
        cJSON_Delete(o);
    }
    return NULL;
}

Test(json_arena, other_cjson_uses_are_untouched)
{
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, other_cjson_user, NULL), 0);
    const char *s = "{\"session_id\":12,\"material\":\"PETG\",\"quantity\":3,\"infill\":25}";
    pf_json_arena a;
    pf_json_arena_init(&a, buf, sizeof buf);
    for (int i = 0; i < 20000; i++) {
        cJSON *j = pf_json_arena_parse(&a, s, strlen(s), NULL);
        cr_assert_not_null(j);
        cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "material")->valuestring, "PETG");
        /* A tree of this thread's own, made while no arena is current, is malloc'd as usual. */
        cJSON *copy = cJSON_Duplicate(j, true);
        pf_json_arena_free(&a, j);
        cr_assert(cJSON_IsObject(copy));
        cr_assert_eq(cJSON_GetObjectItemCaseSensitive(copy, "quantity")->valuedouble, 3);
        cJSON_Delete(copy);
    }
    void *res = NULL;
    pthread_join(t, &res);
    cr_expect_null(res);
}
