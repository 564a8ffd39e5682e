/* End-to-end tests of POST /api/upload-for-cart: STL, OBJ and 3MF uploads analysed and quoted, refused
 * formats, size limits, bad files with their position, sessions private to their owner, and the purge of
 * expired unclaimed uploads. */
#include <criterion/criterion.h>

#include "api/upload.h"
#include "quote_test_util.h"

static acct_env env;

static void start(void)
{
    const char *all[] = {"ratelimit.upload_max", "100000", "ratelimit.general_max", "100000",
                         "ratelimit.quote_max",  "100000", NULL};
    setenv("PRINTFORGE_ARGON2", "min", 1);
    scratch_dir(env.dir, sizeof env.dir);
    env.ids = seed_dir(env.dir, all);
    env.srv = server_start(env.dir);
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

TestSuite(api_upload, .init = start, .fini = stop, .timeout = 120);

/* POSTs a multipart body with the bytes data[0..len) as field `field` named filename. */
static http_res upload_bytes(const char *auth, const char *field, const char *filename, const void *data,
                             size_t len)
{
    http_res r = {0};
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/upload-for-cart", env.srv.port);
    CURL *c = curl_easy_init();
    curl_mime *m = curl_mime_init(c);
    curl_mimepart *p = curl_mime_addpart(m);
    curl_mime_name(p, field);
    curl_mime_data(p, data, len);
    if (filename) curl_mime_filename(p, filename);
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

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static http_res upload_file(const char *auth, const char *path, const char *as)
{
    size_t n;
    char *b = slurp(path, &n);
    http_res r = upload_bytes(auth, "model_file", as, b, n);
    free(b);
    return r;
}

static void user_auth(char *out, size_t len)
{
    jwt_for(env.dir, env.ids.user, NULL, out, len);
}

static void expect_error(http_res *r, long status, const char *needle)
{
    cr_expect_eq(r->status, status, "%ld %s", r->status, r->body);
    cJSON *j = body_json(r);
    cr_expect(jstr(j, "error") != NULL, "%s", r->body);
    if (needle && jstr(j, "error")) cr_expect(strstr(jstr(j, "error"), needle), "%s", jstr(j, "error"));
    cJSON_Delete(j);
    http_free(r);
}

Test(api_upload, cube_in_every_format_is_analysed_and_quoted)
{
    char auth[700];
    user_auth(auth, sizeof auth);
    const char *files[] = {"cube20.stl", "cube20.obj", "cube20.3mf", "cube20.ascii.stl"};
    const char *fmts[] = {"stl", "obj", "3mf", "stl"};
    uint64_t ids[4];
    for (int i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", PF_TEST_DATA, files[i]);
        http_res r = upload_file(auth, path, files[i]);
        cr_assert_eq(r.status, 200, "%s: %ld %s", files[i], r.status, r.body);
        cJSON *j = body_json(&r);
        http_free(&r);
        cr_expect_str_eq(jstr(j, "format"), fmts[i]);
        cr_expect_str_eq(jstr(j, "filename"), files[i]);
        const cJSON *d = cJSON_GetObjectItem(j, "dimensions_mm");
        cr_expect_eq(jnum(d, "x"), 20);
        cr_expect_eq(jnum(d, "y"), 20);
        cr_expect_eq(jnum(d, "z"), 20);
        cr_expect_eq(jnum(j, "volume_cm3"), 8, "%s volume %g", files[i], jnum(j, "volume_cm3"));
        cr_expect_eq(jnum(j, "triangles"), 12);
        cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "watertight")));
        cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "warnings")), 0, "%s", files[i]);
        ids[i] = (uint64_t)jnum(j, "session_id");
        cr_expect_gt(ids[i], 0);
        for (int k = 0; k < i; k++)
            cr_expect_neq(ids[i], ids[k], "one session per upload");
        const cJSON *q = cJSON_GetObjectItem(j, "quote");
        cr_expect_str_eq(jstr(q, "estimate"), "slicer");
        cr_expect_str_eq(jstr(q, "material"), "PLA", "the first active material");
        cr_expect(fabs(jnum(q, "weight_g") / 3.92 - 1) < 0.05, "weight %g", jnum(q, "weight_g"));
        cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(q, "fits")));
        const cJSON *p = cJSON_GetObjectItem(q, "price");
        cr_expect_eq(paise(jnum(p, "material")) + paise(jnum(p, "printing")) + paise(jnum(p, "priority")) +
                         paise(jnum(p, "gst")),
                     paise(jnum(p, "total")));
        cJSON_Delete(j);
    }
    /* Quote by session afterwards, with other options. */
    char body[256];
    snprintf(body, sizeof body, "{\"session_id\":%llu,\"material\":\"PETG\",\"infill\":50,\"quantity\":4}",
             (unsigned long long)ids[2]);
    http_res r = req(&env, "POST", "/api/quote", auth, body);
    cr_expect_eq(r.status, 200, "%s", r.body);
    cJSON *j = body_json(&r);
    cr_expect_str_eq(jstr(j, "estimate"), "slicer");
    cr_expect_eq(jnum(j, "quantity"), 4);
    assert_price_sums(j);
    cJSON_Delete(j);
    http_free(&r);
}

Test(api_upload, sessions_belong_to_their_uploader)
{
    char auth[700], other[700], body[256];
    user_auth(auth, sizeof auth);
    jwt_for(env.dir, env.ids.moderator, NULL, other, sizeof other);
    http_res r = upload_file(auth, PF_TEST_DATA "/gear.stl", "gear.stl");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = body_json(&r);
    http_free(&r);
    snprintf(body, sizeof body, "{\"session_id\":%.0f,\"material\":\"PLA\"}", jnum(j, "session_id"));
    cJSON_Delete(j);
    r = req(&env, "POST", "/api/quote", other, body);
    expect_error(&r, 404, "session_id");
    r = req(&env, "POST", "/api/quote", NULL, body);
    expect_error(&r, 404, "session_id");
    r = req(&env, "POST", "/api/quote", auth, body);
    cr_expect_eq(r.status, 200);
    http_free(&r);
    /* Signed-in users only. */
    r = upload_file(NULL, PF_TEST_DATA "/cube20.stl", "cube20.stl");
    expect_error(&r, 401, NULL);
}

Test(api_upload, refused_formats_and_contents)
{
    char auth[700];
    user_auth(auth, sizeof auth);
    http_res r = upload_bytes(auth, "model_file", "notes.txt", "hello", 5);
    expect_error(&r, 415, "txt");
    r = upload_bytes(auth, "model_file", "noext", "hello", 5);
    expect_error(&r, 415, "extension");
    r = upload_bytes(auth, "model_file", "fake.stl", "hello world, no mesh here", 25);
    expect_error(&r, 415, "model_file");
    r = upload_bytes(auth, "other_file", "cube.stl", "solid x\nendsolid x\n", 19);
    expect_error(&r, 422, "other_file");
    r = upload_bytes(auth, "comment", NULL, "just text", 9);
    expect_error(&r, 422, "model_file: missing");
    /* A format switched off in the settings is refused by name and by content. */
    set_setting(env.dir, "site.upload_formats", "stl,3mf");
    usleep(1300 * 1000);
    r = upload_file(auth, PF_TEST_DATA "/cube20.obj", "cube20.obj");
    expect_error(&r, 415, "obj");
    r = upload_file(auth, PF_TEST_DATA "/cube20.obj", "cube20.stl");
    expect_error(&r, 415, "obj");
    set_setting(env.dir, "site.upload_formats", "stl,obj,3mf");
}

Test(api_upload, bad_file_is_422_with_its_position)
{
    char auth[700];
    user_auth(auth, sizeof auth);
    const char *bad = "solid x\n facet normal 0 0 1\n  outer loop\n   vertex 0 0 0\n   vertex 1 0 zero\n"
                      "   vertex 0 1 0\n  endloop\n endfacet\nendsolid x\n";
    http_res r = upload_bytes(auth, "model_file", "bad.stl", bad, strlen(bad));
    cr_expect_eq(r.status, 422, "%s", r.body);
    cJSON *j = body_json(&r);
    cr_expect(jstr(j, "error") && strstr(jstr(j, "error"), "line 5"), "%s", r.body);
    cJSON_Delete(j);
    http_free(&r);
    /* A binary STL whose header promises more triangles than it holds. */
    size_t n;
    char *b = slurp(PF_TEST_DATA "/cube20.stl", &n);
    r = upload_bytes(auth, "model_file", "short.stl", b, n - 20);
    cr_expect(r.status == 422 || r.status == 415, "%ld %s", r.status, r.body);
    http_free(&r);
    free(b);
}

Test(api_upload, too_large_is_413)
{
    char auth[700];
    user_auth(auth, sizeof auth);
    set_setting(env.dir, "site.max_file_size_mb", "1");
    usleep(1300 * 1000);
    size_t n = (size_t)3 << 20;
    char *big = malloc(n);
    memset(big, 'v', n);
    http_res r = upload_bytes(auth, "model_file", "big.obj", big, n);
    cr_expect_eq(r.status, 413, "%ld %s", r.status, r.body);
    http_free(&r);
    free(big);
    set_setting(env.dir, "site.max_file_size_mb", "50");
    usleep(1300 * 1000);
    r = upload_file(auth, PF_TEST_DATA "/cube20.stl", "cube20.stl");
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
}

Test(api_upload, part_too_large_for_every_printer_is_warned)
{
    char auth[700];
    user_auth(auth, sizeof auth);
    /* plate150 fits the seeded 250 x 210 bed; with a 100 mm bed nothing fits. */
    http_res r = upload_file(auth, PF_TEST_DATA "/plate150.stl", "plate150.stl");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(!strstr(r.body, "too large"), "%s", r.body);
    http_free(&r);
    pf_store_options o = fast_options(env.dir);
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    pf_printer p = {0};
    cr_assert_eq(pf_store_printer_get(st, NULL, 1, &p, &eb), PF_E_OK, "%s", eb.msg);
    p.bed_x_mm = p.bed_y_mm = 100;
    cr_assert_eq(pf_store_printer_put(st, NULL, &p, &eb), PF_E_OK);
    pf_printer_clear(&p);
    pf_store_close(st);
    r = upload_file(auth, PF_TEST_DATA "/plate150.stl", "plate150.stl");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = body_json(&r);
    cr_expect(strstr(r.body, "too large for every active printer"), "%s", r.body);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "quote"), "fits")));
    cJSON_Delete(j);
    http_free(&r);
}

Test(api_upload, expired_unclaimed_uploads_are_purged)
{
    int64_t now = (int64_t)time(NULL);
    /* Seeded into the running server's store: an expired upload of a file nobody else uploaded. */
    uint64_t old = seed_upload(env.dir, env.ids.user, PF_TEST_DATA "/torus.stl", now - 60);
    char auth[700];
    user_auth(auth, sizeof auth);
    /* The first upload after the start purges lazily. */
    http_res r = upload_file(auth, PF_TEST_DATA "/cube20.stl", "cube20.stl");
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    pf_store_options o = fast_options(env.dir);
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    pf_upload u = {0};
    cr_expect_eq(pf_store_upload_get(st, NULL, old, &u, &eb), PF_E_NOT_FOUND);
    pf_upload_clear(&u);
    pf_store_close(st);
}

/* The purge function itself, on a store without a server. */
Test(api_upload, purge_removes_only_expired_unclaimed_uploads)
{
    int64_t now = (int64_t)time(NULL);
    uint64_t expired = seed_upload(env.dir, 2, PF_TEST_DATA "/cube20.stl", now - 1);
    uint64_t live = seed_upload(env.dir, 2, PF_TEST_DATA "/cube20.stl", now + 100);
    uint64_t claimed = seed_upload(env.dir, 2, PF_TEST_DATA "/gear.stl", now - 100);
    pf_store_options o = fast_options(env.dir);
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    pf_upload u = {0};
    cr_assert_eq(pf_store_upload_get(st, NULL, claimed, &u, &eb), PF_E_OK);
    u.claimed = true;
    cr_assert_eq(pf_store_upload_put(st, NULL, &u, &eb), PF_E_OK);
    pf_upload_clear(&u);
    size_t removed = 99;
    cr_assert_eq(pf_upload_purge_expired(st, now, &removed, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect_eq(removed, 1);
    cr_expect_eq(pf_store_upload_get(st, NULL, expired, &u, &eb), PF_E_NOT_FOUND);
    cr_expect_eq(pf_store_upload_get(st, NULL, live, &u, &eb), PF_E_OK);
    pf_upload_clear(&u);
    cr_expect_eq(pf_store_upload_get(st, NULL, claimed, &u, &eb), PF_E_OK);
    pf_upload_clear(&u);
    uint64_t problems = 1;
    cr_expect_eq(pf_store_check(st, NULL, &problems, &eb), PF_E_OK);
    cr_expect_eq(problems, 0, "blob references stay consistent");
    pf_store_close(st);
}

/* The same bytes again: a new session with the same analysis (served from the estimate cache) and one stored
 * blob referenced twice. */
Test(api_upload, identical_reupload_gets_its_own_session_and_shares_the_blob)
{
    char auth[700];
    user_auth(auth, sizeof auth);
    cJSON *a[2];
    for (int i = 0; i < 2; i++) {
        http_res r = upload_file(auth, PF_TEST_DATA "/torus.stl", "torus.stl");
        cr_assert_eq(r.status, 200, "%s", r.body);
        a[i] = body_json(&r);
        http_free(&r);
    }
    cr_expect_neq(jnum(a[0], "session_id"), jnum(a[1], "session_id"));
    const char *same[] = {"volume_cm3", "triangles", "surface_area_cm2", "shells", "size_bytes"};
    for (size_t k = 0; k < sizeof same / sizeof same[0]; k++)
        cr_expect_eq(jnum(a[0], same[k]), jnum(a[1], same[k]), "%s", same[k]);
    cr_expect(cJSON_Compare(cJSON_GetObjectItem(a[0], "warnings"), cJSON_GetObjectItem(a[1], "warnings"), true));
    cr_expect_eq(paise(jnum(cJSON_GetObjectItem(cJSON_GetObjectItem(a[0], "quote"), "price"), "total")),
                 paise(jnum(cJSON_GetObjectItem(cJSON_GetObjectItem(a[1], "quote"), "price"), "total")));
    pf_store_options o = fast_options(env.dir);
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK);
    pf_upload u = {0};
    cr_assert_eq(pf_store_upload_get(st, NULL, (uint64_t)jnum(a[1], "session_id"), &u, &eb), PF_E_OK);
    pf_blob_info bi;
    cr_assert_eq(pf_store_blob_stat(st, NULL, &u.blob, &bi, &eb), PF_E_OK);
    cr_expect_eq(bi.refs, 2);
    pf_upload_clear(&u);
    uint64_t problems = 1;
    cr_expect_eq(pf_store_check(st, NULL, &problems, &eb), PF_E_OK);
    cr_expect_eq(problems, 0);
    pf_store_close(st);
    cJSON_Delete(a[0]);
    cJSON_Delete(a[1]);
}
