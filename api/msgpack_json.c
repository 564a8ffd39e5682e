/* msgpack <-> cJSON (api/msgpack_json.h): a bounds-checking pre-scan of the msgpack bytes, msgpack-c to
 * unpack them, and a packer walking cJSON trees. */
#include "api/msgpack_json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

static uint64_t be_read(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Walks one msgpack object over all of p[0..len) without allocating: every length field must fit in what
 * remains, containers may not claim more elements than bytes remain (an element takes at least one byte),
 * nesting is bounded, and types the conversion refuses are refused here with their offset. */
static pf_err prescan(const uint8_t *p, size_t len, pf_errbuf *eb)
{
    uint64_t remain[PF_MSGPACK_MAX_DEPTH + 1];
    int depth = 0;
    size_t pos = 0;
    remain[0] = 1;
    while (depth >= 0) {
        if (remain[depth] == 0) {
            depth--;
            continue;
        }
        remain[depth]--;
        if (pos >= len) return pf_errf(eb, PF_E_INVAL, "msgpack body truncated at byte %zu", pos);
        size_t at = pos;
        uint8_t b = p[pos++];
        int lenbytes = 0;  /* size of a length field that follows */
        uint64_t skip = 0; /* payload bytes to skip */
        int container = 0; /* 1 array, 2 map */
        uint64_t n = 0;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            /* fixint, nil, booleans: no payload */
        } else if (b >= 0x80 && b <= 0x8f) {
            container = 2, n = b & 0x0f;
        } else if (b >= 0x90 && b <= 0x9f) {
            container = 1, n = b & 0x0f;
        } else if (b >= 0xa0 && b <= 0xbf) {
            skip = b & 0x1f;
        } else {
            switch (b) {
            case 0xca:
                skip = 4;
                break;
            case 0xcb:
                skip = 8;
                break;
            case 0xcc:
            case 0xd0:
                skip = 1;
                break;
            case 0xcd:
            case 0xd1:
                skip = 2;
                break;
            case 0xce:
            case 0xd2:
                skip = 4;
                break;
            case 0xcf:
            case 0xd3:
                skip = 8;
                break;
            case 0xd9:
                lenbytes = 1;
                break;
            case 0xda:
                lenbytes = 2;
                break;
            case 0xdb:
                lenbytes = 4;
                break;
            case 0xdc:
                container = 1, lenbytes = 2;
                break;
            case 0xdd:
                container = 1, lenbytes = 4;
                break;
            case 0xde:
                container = 2, lenbytes = 2;
                break;
            case 0xdf:
                container = 2, lenbytes = 4;
                break;
            case 0xc4:
            case 0xc5:
            case 0xc6:
                return pf_errf(eb, PF_E_INVAL, "msgpack binary data is not accepted (byte %zu)", at);
            default: /* 0xc1 (never used), ext and fixext */
                return pf_errf(eb, PF_E_INVAL, "msgpack type 0x%02x is not accepted (byte %zu)", b, at);
            }
        }
        if (lenbytes) {
            if (len - pos < (size_t)lenbytes)
                return pf_errf(eb, PF_E_INVAL, "msgpack body truncated at byte %zu", pos);
            uint64_t v = be_read(p + pos, lenbytes);
            pos += (size_t)lenbytes;
            if (container)
                n = v;
            else
                skip = v;
        }
        if (skip > len - pos) return pf_errf(eb, PF_E_INVAL, "msgpack body truncated at byte %zu", at);
        pos += (size_t)skip;
        if (container) {
            uint64_t items = container == 2 ? 2 * n : n;
            if (items > len - pos)
                return pf_errf(eb, PF_E_INVAL, "msgpack container at byte %zu claims more items than remain",
                               at);
            if (depth + 1 > PF_MSGPACK_MAX_DEPTH)
                return pf_errf(eb, PF_E_INVAL, "msgpack nesting deeper than %d (byte %zu)",
                               PF_MSGPACK_MAX_DEPTH, at);
            remain[++depth] = items;
        }
    }
    if (pos != len) return pf_errf(eb, PF_E_INVAL, "msgpack body: trailing data at byte %zu", pos);
    return PF_E_OK;
}

/* Whether s holds a NUL byte. An empty string may have no bytes at all (ptr NULL): it is never searched. */
static int str_has_nul(msgpack_object_str s)
{
    return s.size && memchr(s.ptr, 0, s.size);
}

/* s as a C string (malloc'd), NULL when out of memory. */
static char *str_dup(msgpack_object_str s)
{
    char *c = malloc((size_t)s.size + 1);
    if (!c) return NULL;
    if (s.size) memcpy(c, s.ptr, s.size);
    c[s.size] = 0;
    return c;
}

static cJSON *to_json(const msgpack_object *o, int depth, pf_err *err, pf_errbuf *eb)
{
    cJSON *j = NULL;
    if (depth > PF_MSGPACK_MAX_DEPTH) {
        *err = pf_errf(eb, PF_E_INVAL, "msgpack nesting deeper than %d", PF_MSGPACK_MAX_DEPTH);
        return NULL;
    }
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        j = cJSON_CreateNull();
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        j = cJSON_CreateBool(o->via.boolean);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        j = cJSON_CreateNumber((double)o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        j = cJSON_CreateNumber((double)o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (!isfinite(o->via.f64)) {
            *err = pf_errf(eb, PF_E_INVAL, "msgpack body: a number is not finite");
            return NULL;
        }
        j = cJSON_CreateNumber(o->via.f64);
        break;
    case MSGPACK_OBJECT_STR: {
        if (str_has_nul(o->via.str)) {
            *err = pf_errf(eb, PF_E_INVAL, "msgpack body: a string holds a NUL byte");
            return NULL;
        }
        char *s = str_dup(o->via.str);
        if (!s) break;
        j = cJSON_CreateString(s);
        free(s);
        break;
    }
    case MSGPACK_OBJECT_ARRAY:
        if (!(j = cJSON_CreateArray())) break;
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            cJSON *c = to_json(&o->via.array.ptr[i], depth + 1, err, eb);
            if (!c) {
                cJSON_Delete(j);
                return NULL;
            }
            cJSON_AddItemToArray(j, c);
        }
        break;
    case MSGPACK_OBJECT_MAP:
        if (!(j = cJSON_CreateObject())) break;
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            if (kv->key.type != MSGPACK_OBJECT_STR || str_has_nul(kv->key.via.str)) {
                cJSON_Delete(j);
                *err = pf_errf(eb, PF_E_INVAL, "msgpack body: map keys must be strings");
                return NULL;
            }
            char *k = str_dup(kv->key.via.str);
            cJSON *c = k ? to_json(&kv->val, depth + 1, err, eb) : NULL;
            if (!c) {
                free(k);
                cJSON_Delete(j);
                return NULL;
            }
            cJSON_AddItemToObject(j, k, c);
            free(k);
        }
        break;
    default:
        *err = pf_errf(eb, PF_E_INVAL, "msgpack body: unsupported type");
        return NULL;
    }
    if (!j && !*err) *err = pf_errf(eb, PF_E_NOMEM, "msgpack body");
    return j;
}

pf_err pf_msgpack_to_json(const void *buf, size_t len, cJSON **out, pf_errbuf *eb)
{
    pf_err err = prescan(buf, len, eb);
    if (err) return err;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    cJSON *j = NULL;
    msgpack_unpack_return ret = msgpack_unpack_next(&u, buf, len, &off);
    if (ret == MSGPACK_UNPACK_NOMEM_ERROR)
        err = pf_errf(eb, PF_E_NOMEM, "msgpack body");
    else if (ret != MSGPACK_UNPACK_SUCCESS || off != len)
        err = pf_errf(eb, PF_E_INVAL, "malformed msgpack body");
    else
        j = to_json(&u.data, 0, &err, eb);
    msgpack_unpacked_destroy(&u);
    if (!err) *out = j;
    return err;
}

static int pack(msgpack_packer *pk, const cJSON *j, int depth)
{
    if (depth > PF_MSGPACK_MAX_DEPTH) return -2;
    if (cJSON_IsNull(j)) return msgpack_pack_nil(pk);
    if (cJSON_IsTrue(j)) return msgpack_pack_true(pk);
    if (cJSON_IsFalse(j)) return msgpack_pack_false(pk);
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (d == floor(d) && d >= -9007199254740992.0 && d <= 9007199254740992.0)
            return msgpack_pack_int64(pk, (int64_t)d);
        return msgpack_pack_double(pk, d);
    }
    if (cJSON_IsString(j) || cJSON_IsRaw(j)) {
        const char *s = j->valuestring ? j->valuestring : "";
        size_t n = strlen(s);
        return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n);
    }
    bool obj = cJSON_IsObject(j);
    if (!obj && !cJSON_IsArray(j)) return msgpack_pack_nil(pk); /* cJSON_Invalid: never built by us */
    size_t n = 0;
    for (const cJSON *c = j->child; c; c = c->next)
        n++;
    int rc = obj ? msgpack_pack_map(pk, n) : msgpack_pack_array(pk, n);
    for (const cJSON *c = j->child; c && !rc; c = c->next) {
        if (obj) {
            const char *k = c->string ? c->string : "";
            size_t kn = strlen(k);
            rc = msgpack_pack_str(pk, kn) || msgpack_pack_str_body(pk, k, kn);
        }
        if (!rc) rc = pack(pk, c, depth + 1);
    }
    return rc;
}

pf_err pf_json_to_msgpack(const cJSON *j, char **out, size_t *len, pf_errbuf *eb)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = pack(&pk, j, 0);
    if (rc) {
        msgpack_sbuffer_destroy(&sb);
        return rc == -2 ? pf_errf(eb, PF_E_INVAL, "JSON nesting deeper than %d", PF_MSGPACK_MAX_DEPTH)
                        : pf_errf(eb, PF_E_NOMEM, "msgpack answer");
    }
    if (!sb.data) { /* nothing written cannot happen for a valid item, but keep the contract */
        msgpack_sbuffer_destroy(&sb);
        return pf_errf(eb, PF_E_NOMEM, "msgpack answer");
    }
    *out = sb.data;
    *len = sb.size;
    return PF_E_OK;
}
