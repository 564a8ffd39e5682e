/* msgpack <-> cJSON (api/msgpack_json.h): round trips, every accepted type, and hostile input refused without
 * large allocations (lengths beyond the buffer, deep nesting, binary and extension types, truncation at every
 * byte). */
#include <criterion/criterion.h>
#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "api/msgpack_json.h"

static cJSON *from_mp(const void *p, size_t n, pf_err want)
{
    cJSON *j = NULL;
    pf_errbuf eb = {{0}};
    pf_err err = pf_msgpack_to_json(p, n, &j, &eb);
    cr_expect_eq(err, want, "%s (%s)", pf_err_name(err), eb.msg);
    if (want) cr_expect_null(j);
    return j;
}

Test(msgpack_json, json_survives_a_round_trip)
{
    const char *src = "{\"a\":1,\"b\":-2,\"c\":2.5,\"d\":\"héllo\",\"e\":[true,false,null,[],{}],"
                      "\"f\":{\"g\":1e300,\"h\":-9007199254740992},\"big\":123456789012}";
    cJSON *j = cJSON_Parse(src);
    char *mp = NULL;
    size_t n = 0;
    pf_errbuf eb;
    cr_assert_eq(pf_json_to_msgpack(j, &mp, &n, &eb), PF_E_OK);
    cJSON *back = from_mp(mp, n, PF_E_OK);
    cr_assert_not_null(back);
    cr_expect(cJSON_Compare(j, back, true), "%s", cJSON_PrintUnformatted(back));
    /* Whole numbers are packed as integers, others as float64. */
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    cr_assert_eq(msgpack_unpack_next(&u, mp, n, &off), MSGPACK_UNPACK_SUCCESS);
    cr_expect_eq(u.data.via.map.ptr[0].val.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    cr_expect_eq(u.data.via.map.ptr[1].val.type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
    cr_expect_eq(u.data.via.map.ptr[2].val.type, MSGPACK_OBJECT_FLOAT64);
    msgpack_unpacked_destroy(&u);
    free(mp);
    cJSON_Delete(j);
    cJSON_Delete(back);
}

Test(msgpack_json, every_width_of_every_type_is_read)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 12);
    msgpack_pack_uint8(&pk, 200);
    msgpack_pack_uint16(&pk, 60000);
    msgpack_pack_uint32(&pk, 4000000000u);
    msgpack_pack_uint64(&pk, 1ull << 40);
    msgpack_pack_int8(&pk, -100);
    msgpack_pack_int16(&pk, -30000);
    msgpack_pack_int32(&pk, -2000000000);
    msgpack_pack_int64(&pk, -(1ll << 40));
    msgpack_pack_float(&pk, 0.5f);
    msgpack_pack_double(&pk, -0.25);
    char s300[300];
    memset(s300, 'x', sizeof s300);
    msgpack_pack_str(&pk, sizeof s300);
    msgpack_pack_str_body(&pk, s300, sizeof s300);
    msgpack_pack_array(&pk, 20); /* array16 */
    for (int i = 0; i < 20; i++)
        msgpack_pack_int(&pk, i);
    cJSON *j = from_mp(sb.data, sb.size, PF_E_OK);
    cr_assert_eq(cJSON_GetArraySize(j), 12);
    double want[] = {200, 60000, 4000000000.0, 1099511627776.0, -100, -30000, -2000000000, -1099511627776.0,
                     0.5, -0.25};
    for (int i = 0; i < 10; i++)
        cr_expect_eq(cJSON_GetArrayItem(j, i)->valuedouble, want[i], "item %d", i);
    cr_expect_eq(strlen(cJSON_GetArrayItem(j, 10)->valuestring), 300);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetArrayItem(j, 11)), 20);
    cJSON_Delete(j);
    /* Every truncation of a valid body is refused cleanly. */
    for (size_t cut = 0; cut < sb.size; cut++)
        from_mp(sb.data, cut, PF_E_INVAL);
    msgpack_sbuffer_destroy(&sb);
}

/* Empty strings, as values and as keys (msgpack-c gives them no bytes at all: a NULL pointer, which the
 * fuzz target's UBSan build caught being searched and copied). */
Test(msgpack_json, empty_strings_and_keys_are_read)
{
    static const uint8_t str[] = {0xa0}, map[] = {0x81, 0xa0, 0xa0}; /* "" and {"": ""} */
    cJSON *a = from_mp(str, sizeof str, PF_E_OK), *b = from_mp(map, sizeof map, PF_E_OK);
    cr_assert(cJSON_IsString(a) && !strcmp(a->valuestring, ""));
    cr_assert(cJSON_IsObject(b) && cJSON_GetArraySize(b) == 1);
    cr_assert(!strcmp(b->child->string, "") && !strcmp(b->child->valuestring, ""));
    cJSON_Delete(a);
    cJSON_Delete(b);
}

Test(msgpack_json, hostile_bodies_are_refused)
{
    static const unsigned char claims[][6] = {
        {0xdd, 0xff, 0xff, 0xff, 0xff},       /* array32 of 4 G elements, no data */
        {0xdf, 0xff, 0xff, 0xff, 0xff},       /* map32 of 4 G pairs */
        {0xdb, 0xff, 0xff, 0xff, 0xff},       /* str32 of 4 GB */
        {0xc6, 0x00, 0x00, 0x00, 0x01, 0x00}, /* bin32: not accepted */
        {0xd4, 0x01, 0x02},                   /* fixext1 */
        {0xc1},                               /* never used */
        {0x81, 0x01, 0x02},                   /* map with an integer key */
        {0xa2, 'a', 0x00},                    /* string with a NUL */
        {0x90, 0x90},                         /* trailing data */
        {
            0xcb,
            0x7f,
            0xf0,
            0,
            0,
            0,
        }, /* truncated double */
    };
    static const size_t lens[] = {5, 5, 5, 6, 3, 1, 3, 3, 2, 6};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        from_mp(claims[i], lens[i], PF_E_INVAL);
    static const unsigned char inf[] = {0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}; /* +inf */
    from_mp(inf, sizeof inf, PF_E_INVAL);
    unsigned char deep[PF_MSGPACK_MAX_DEPTH + 2];
    memset(deep, 0x91, sizeof deep);
    deep[sizeof deep - 1] = 0xc0;
    from_mp(deep, sizeof deep, PF_E_INVAL);
    /* Exactly the deepest allowed nesting is fine. */
    unsigned char ok[PF_MSGPACK_MAX_DEPTH + 1];
    memset(ok, 0x91, sizeof ok);
    ok[sizeof ok - 1] = 0xc0;
    cJSON_Delete(from_mp(ok, sizeof ok, PF_E_OK));
    /* Random bytes never crash and never succeed with trailing garbage. */
    srand(7);
    unsigned char buf[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)rand();
        cJSON *j = NULL;
        pf_errbuf eb;
        if (pf_msgpack_to_json(buf, n, &j, &eb) == PF_E_OK) cJSON_Delete(j);
    }
}

Test(msgpack_json, too_deep_json_is_not_packed)
{
    cJSON *root = cJSON_CreateArray(), *cur = root;
    for (int i = 0; i < PF_MSGPACK_MAX_DEPTH + 3; i++) {
        cJSON *c = cJSON_CreateArray();
        cJSON_AddItemToArray(cur, c);
        cur = c;
    }
    char *mp = NULL;
    size_t n = 0;
    pf_errbuf eb;
    cr_expect_eq(pf_json_to_msgpack(root, &mp, &n, &eb), PF_E_INVAL);
    cr_expect_null(mp);
    cJSON_Delete(root);
}
