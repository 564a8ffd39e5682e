/* cJSON object builders for constant keys: like cJSON_Add*ToObject, but the key is referenced, not copied
 * (cJSON_AddItemToObjectCS), which halves the allocations of answers built from string literals (quotes).
 * The key must outlive the tree: pass string literals only. Each returns the new item, NULL on NOMEM. */
#ifndef PF_API_JSON_CS_H
#define PF_API_JSON_CS_H

#include <cjson/cJSON.h>

static inline cJSON *pf_json_put(cJSON *o, const char *key, cJSON *item)
{
    if (item && o && cJSON_AddItemToObjectCS(o, key, item)) return item;
    cJSON_Delete(item);
    return NULL;
}
static inline cJSON *pf_json_num(cJSON *o, const char *key, double v)
{
    return pf_json_put(o, key, cJSON_CreateNumber(v));
}
static inline cJSON *pf_json_str(cJSON *o, const char *key, const char *v)
{
    return pf_json_put(o, key, cJSON_CreateString(v));
}
static inline cJSON *pf_json_bool(cJSON *o, const char *key, int v)
{
    return pf_json_put(o, key, cJSON_CreateBool(v));
}
static inline cJSON *pf_json_null(cJSON *o, const char *key)
{
    return pf_json_put(o, key, cJSON_CreateNull());
}
static inline cJSON *pf_json_obj(cJSON *o, const char *key)
{
    return pf_json_put(o, key, cJSON_CreateObject());
}

#endif
