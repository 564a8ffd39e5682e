/* Helpers for end-to-end tests of the shop: multipart POSTs (text fields and a model_file) and cart uploads. */
#ifndef PF_TEST_COMMERCE_UTIL_H
#define PF_TEST_COMMERCE_UTIL_H

#include "account_test_util.h"

/* POST path as multipart: text fields (name, value pairs, NULL-terminated) and an optional model_file. */
static inline http_res form_post(const test_server *srv, const char *path, const char *auth,
                                 const char *const *fields, const char *file)
{
    http_res r = {0};
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", srv->port, path);
    CURL *c = curl_easy_init();
    curl_mime *m = curl_mime_init(c);
    for (size_t i = 0; fields && fields[i]; i += 2) {
        curl_mimepart *p = curl_mime_addpart(m);
        curl_mime_name(p, fields[i]);
        curl_mime_data(p, fields[i + 1], CURL_ZERO_TERMINATED);
    }
    if (file) {
        curl_mimepart *p = curl_mime_addpart(m);
        curl_mime_name(p, "model_file");
        curl_mime_filedata(p, file);
    }
    struct curl_slist *hl = NULL;
    if (auth) hl = curl_slist_append(hl, auth);
    hl = curl_slist_append(hl, "Expect:");
    sink b = {&r.body, &r.len}, h = {&r.hdrs, &r.hlen};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_MIMEPOST, m);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_mime_free(m);
    curl_easy_cleanup(c);
    if (!r.body) r.body = calloc(1, 1);
    if (!r.hdrs) r.hdrs = calloc(1, 1);
    return r;
}

/* Uploads tests/data/<name> (or an absolute path) for the cart and returns its session id. */
static inline uint64_t cart_upload(const test_server *srv, const char *auth, const char *name)
{
    char path[512];
    http_res r = form_post(srv, "/api/upload-for-cart", auth, NULL,
                           name[0] == '/' ? name : (snprintf(path, sizeof path, "%s/%s", PF_TEST_DATA, name), path));
    cr_assert(r.status == 200 || r.status == 201, "upload %s: %ld %s", name, r.status, r.body);
    cJSON *j = body_json(&r);
    const cJSON *s = cJSON_GetObjectItem(j, "session_id");
    uint64_t id = cJSON_IsNumber(s)   ? (uint64_t)s->valuedouble
                  : cJSON_IsString(s) ? strtoull(s->valuestring, NULL, 10)
                                      : 0;
    cr_assert_gt(id, 0, "%s", r.body);
    cJSON_Delete(j);
    http_free(&r);
    return id;
}

#endif
