/* Helpers for the end-to-end HTTP tests: a seeded scratch data directory, the real printforge binary started
 * on a free loopback port, a libcurl client, and tokens minted for seeded users and PATs. */
#ifndef PF_TEST_HTTP_CLIENT_H
#define PF_TEST_HTTP_CLIENT_H

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/jwt.h"
#include "test_storage_common.h"

/* Seeded accounts: ids assigned by the store in this order after the seeded admin (id 1). */
typedef struct seeded {
    uint64_t admin, user, moderator, inactive; /* user ids */
} seeded;

/* PAT scopes of the API reference; one token per scope is seeded as "pf_test_<scope>". */
static const char *const pat_scopes[] = {"orders:read",  "orders:write",  "payment:write",
                                         "catalog:read", "catalog:write", "admin:read"};
#define N_SCOPES (sizeof pat_scopes / sizeof pat_scopes[0])

static inline uint64_t put_user(pf_store *st, const char *email, const char *role, bool active)
{
    pf_user u = {.email = strdup(email),
                 .username = strdup(role),
                 .pass_hash = strdup("x"),
                 .role = strdup(role),
                 .is_active = active,
                 .email_verified = true};
    pf_errbuf eb;
    if (pf_store_user_put(st, NULL, &u, &eb)) abort();
    uint64_t id = u.id;
    pf_user_clear(&u);
    return id;
}

static inline void pat_token(char *out, size_t len, const char *scope)
{
    snprintf(out, len, "pf_test_%s", scope);
}

static inline void put_pat(pf_store *st, const char *token, const char *scope, bool revoked)
{
    pf_pat p = {.name = strdup(token), .prefix = strdup("pf_test"), .revoked = revoked, .created_by = 1};
    crypto_hash_sha256(p.token_hash.b, (const uint8_t *)token, strlen(token));
    p.scopes.v = calloc(1, sizeof *p.scopes.v);
    p.scopes.v[0] = strdup(scope);
    p.scopes.n = 1;
    pf_errbuf eb;
    if (pf_store_pat_put(st, NULL, &p, &eb)) abort();
    pf_pat_clear(&p);
}

/* Creates a data directory with the seed, extra settings (key, value pairs, NULL-terminated), a user, a
 * moderator, an inactive user and one PAT per scope plus a revoked one. */
static inline seeded seed_dir(const char *dir, const char *const *settings)
{
    pf_store_options o = fast_options(dir);
    o.console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb;
    if (pf_store_open(&o, &st, &eb)) abort();
    seeded s = {.admin = 1};
    s.user = put_user(st, "user@example.com", "user", true);
    s.moderator = put_user(st, "mod@example.com", "moderator", true);
    s.inactive = put_user(st, "gone@example.com", "admin", false);
    char tok[64];
    for (size_t i = 0; i < N_SCOPES; i++) {
        pat_token(tok, sizeof tok, pat_scopes[i]);
        put_pat(st, tok, pat_scopes[i], false);
    }
    put_pat(st, "pf_test_revoked", "admin:read", true);
    for (size_t i = 0; settings && settings[i]; i += 2)
        if (pf_store_setting_set(st, NULL, settings[i], settings[i + 1], 0, &eb)) abort();
    pf_store_close(st);
    fclose(o.console);
    return s;
}

/* A Bearer header value for a JWT of user id (typ "session" unless given). */
static inline void jwt_for(const char *dir, uint64_t uid, const char *typ, char *out, size_t len)
{
    pf_jwt_key key;
    pf_errbuf eb;
    if (pf_jwt_key_load(dir, &key, &eb)) abort();
    int64_t now = (int64_t)time(NULL);
    pf_jwt_claims c = {.sub = uid, .iat = now, .exp = now + 3600};
    snprintf(c.typ, sizeof c.typ, "%s", typ ? typ : PF_JWT_SESSION);
    char *tok = NULL;
    if (pf_jwt_sign(&key, &c, &tok, &eb)) abort();
    snprintf(out, len, "Authorization: Bearer %s", tok);
    free(tok);
}

/* The running server. */
typedef struct test_server {
    pid_t pid;     /* child */
    int port;      /* bound port */
    char log[300]; /* its stderr (access log) */
} test_server;

static inline test_server server_start(const char *dir)
{
    test_server s = {0};
    int fds[2];
    if (pipe(fds)) abort();
    snprintf(s.log, sizeof s.log, "%s/stderr.log", dir);
    s.pid = fork();
    if (s.pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        FILE *e = freopen(s.log, "w", stderr);
        (void)e;
        execl(PF_BINARY, PF_BINARY, "serve", "--port", "0", "--threads", "2", "--data-dir", dir,
              (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[512] = "";
    if (!fgets(line, sizeof line, f)) abort();
    fclose(f);
    const char *p = strstr(line, "127.0.0.1:");
    if (!p) abort();
    s.port = atoi(p + 10);
    return s;
}

/* Sends SIGTERM and returns the exit status (-1 if it did not exit normally). */
static inline int server_stop(test_server *s)
{
    int st = 0;
    pid_t r;
    kill(s->pid, SIGTERM);
    /* a signal to this process (Criterion's timeout timer) may interrupt the wait: wait again */
    while ((r = waitpid(s->pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (r != s->pid) {
        fprintf(stderr, "server_stop: waitpid(%d): %s\n", (int)s->pid, strerror(errno));
        return -1;
    }
    if (WIFSIGNALED(st)) { /* show why: the end of its log (an abort's message, a sanitizer's report) */
        fprintf(stderr, "server_stop: the server died of signal %d; the end of %s:\n", WTERMSIG(st), s->log);
        FILE *f = fopen(s->log, "r");
        if (f) {
            char buf[4096];
            long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : 0;
            if (size > (long)sizeof buf - 1) fseek(f, size - (long)sizeof buf + 1, SEEK_SET);
            else rewind(f);
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = 0;
            fputs(buf, stderr);
            fclose(f);
        }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A response. */
typedef struct http_res {
    long status; /* HTTP status */
    char *body;  /* NUL-terminated */
    size_t len;  /* body bytes */
    char *hdrs;  /* raw header block */
    size_t hlen; /* its bytes */
} http_res;

/* Where libcurl appends body or header bytes. */
typedef struct sink {
    char **buf;  /* growing buffer */
    size_t *len; /* its length */
} sink;

static inline size_t collect(char *data, size_t sz, size_t n, void *ctx)
{
    char **buf = ((sink *)ctx)->buf;
    size_t *len = ((sink *)ctx)->len;
    char *g = realloc(*buf, *len + sz * n + 1);
    if (!g) return 0;
    memcpy(g + *len, data, sz * n);
    *len += sz * n;
    g[*len] = 0;
    *buf = g;
    return sz * n;
}

/* One request. headers: NULL-terminated "Name: value" lines. body may be NULL. */
static inline http_res http(const test_server *s, const char *method, const char *path,
                            const char *const *headers, const char *body, size_t len)
{
    http_res r = {0};
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    hl = curl_slist_append(hl, "Expect:");
    sink bctx = {&r.body, &r.len}, hctx = {&r.hdrs, &r.hlen};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bctx);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hctx);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (!r.body) r.body = calloc(1, 1);
    if (!r.hdrs) r.hdrs = calloc(1, 1);
    return r;
}

static inline http_res http_get(const test_server *s, const char *path, const char *const *headers)
{
    return http(s, "GET", path, headers, NULL, 0);
}

/* Value of header name in r (case-insensitive), copied into out; false if absent. */
static inline bool header(const http_res *r, const char *name, char *out, size_t len)
{
    size_t n = strlen(name);
    for (const char *p = r->hdrs; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncasecmp(p, name, n) && p[n] == ':') {
            p += n + 1;
            while (*p == ' ')
                p++;
            size_t l = strcspn(p, "\r\n");
            snprintf(out, len, "%.*s", (int)l, p);
            return true;
        }
    }
    return false;
}

static inline void http_free(http_res *r)
{
    free(r->body);
    free(r->hdrs);
}

#endif
