/* Email delivery: libcurl SMTP (STARTTLS, login) or the console log of the "disabled" driver. */
#include "api/mailer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "api/routes.h"
#include "api/server.h"
#include "engine/dynlib.h"

void pf_mailer_config_from(pf_req *r, pf_mailer_config *out)
{
    const char *port = pf_req_setting(r, "email.smtp_port", "587");
    long p = strtol(port, NULL, 10);
    *out = (pf_mailer_config){
        .driver = pf_req_setting(r, "site.email_driver", "disabled"),
        .host = pf_req_setting(r, "email.smtp_host", ""),
        .port = p > 0 && p < 65536 ? (unsigned)p : 587,
        .user = pf_req_setting(r, "email.smtp_user", ""),
        .password = pf_req_setting(r, "email.smtp_password", ""),
        .from = pf_req_setting(r, "email.from", ""),
        .security = pf_req_setting(r, "email.smtp_security", "starttls"),
        .console = pf_server_mail_log(pf_req_server(r)),
    };
}

/* libcurl is loaded on first use instead of being linked (engine/dynlib.h): with its TLS, SSH, Kerberos and
 * LDAP libraries it is 30 of the binary's 44 shared objects, and dynamic linking them costs every start about
 * 10 ms of CPU, which `printforge analyze`, `quote` and the rest would pay for a feature only `serve` uses. */
typedef struct curl_api {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} curl_api;

static curl_api curl_fns;
#define SYM(member, name) PF_DYNSYM(curl_api, member, name)
static const pf_dynsym curl_syms[] = {
    SYM(easy_init, "curl_easy_init"),       SYM(easy_setopt, "curl_easy_setopt"),
    SYM(easy_perform, "curl_easy_perform"), SYM(easy_cleanup, "curl_easy_cleanup"),
    SYM(easy_strerror, "curl_easy_strerror"), SYM(slist_append, "curl_slist_append"),
    SYM(slist_free_all, "curl_slist_free_all"),
};
#undef SYM
static pf_dynlib curl_lib = PF_DYNLIB("libcurl.so.4", curl_syms, &curl_fns);

/* libcurl's functions, or NULL with eb set (IO) when it cannot be loaded. */
static const curl_api *curl_get(pf_errbuf *eb)
{
    pf_errbuf lb;
    if (pf_dynlib_load(&curl_lib, &lb)) {
        pf_errf(eb, PF_E_IO, "email: %s", lb.msg);
        return NULL;
    }
    return &curl_fns;
}

/* A header value must stay on its line: CR or LF would let a caller add headers or recipients. */
static bool header_safe(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n > max) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == 0x7f) return false;
    return true;
}

static bool address_ok(const char *s)
{
    return *s && header_safe(s, 254) && strchr(s, '@') && !strpbrk(s, " <>,;\"");
}

typedef struct payload {
    char *buf;  /* message bytes */
    size_t len; /* total */
    size_t off; /* sent so far */
} payload;

static size_t read_payload(char *dst, size_t size, size_t n, void *ctx)
{
    payload *p = ctx;
    size_t want = size * n, left = p->len - p->off;
    if (want > left) want = left;
    memcpy(dst, p->buf + p->off, want);
    p->off += want;
    return want;
}

/* RFC 5322 message with CRLF line ends; body lines starting with '.' are left to libcurl, which dot-stuffs
 * them. */
static char *build_message(const pf_mailer_config *c, const char *to, const char *subject, const char *body,
                           size_t *len)
{
    char date[64], id[33];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    uint8_t rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
    const char *domain = strchr(c->from, '@') ? strchr(c->from, '@') + 1 : "printforge.local";
    size_t cap = strlen(body) * 2 + strlen(subject) + strlen(to) + strlen(c->from) + 512;
    char *m = malloc(cap);
    if (!m) return NULL;
    size_t n = (size_t)snprintf(m, cap,
                                "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@%s>\r\n"
                                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: 8bit\r\n\r\n",
                                date, c->from, to, subject, id, domain);
    for (const char *p = body; *p; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r')) m[n++] = '\r';
        m[n++] = *p;
    }
    m[n++] = '\r', m[n++] = '\n';
    *len = n;
    return m;
}

static pf_err send_smtp(const pf_mailer_config *c, const char *to, const char *subject, const char *body,
                        pf_errbuf *eb)
{
    if (!*c->host || !address_ok(c->from))
        return pf_errf(eb, PF_E_INVAL, "email: set email.smtp_host and a valid email.from");
    const curl_api *cu = curl_get(eb);
    if (!cu) return PF_E_IO;
    pf_err err = PF_E_OK;
    payload p = {0};
    struct curl_slist *rcpt = NULL;
    char url[512], from[300], rcpt_to[300];
    bool implicit = !strcmp(c->security, "tls");
    snprintf(url, sizeof url, "%s://%s:%u", implicit ? "smtps" : "smtp", c->host, c->port);
    snprintf(from, sizeof from, "<%s>", c->from);
    snprintf(rcpt_to, sizeof rcpt_to, "<%s>", to);
    CURL *h = cu->easy_init();
    if (!h || !(p.buf = build_message(c, to, subject, body, &p.len)) ||
        !(rcpt = cu->slist_append(NULL, rcpt_to))) {
        err = pf_errf(eb, PF_E_NOMEM, "email");
        goto done;
    }
    cu->easy_setopt(h, CURLOPT_URL, url);
    cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    cu->easy_setopt(h, CURLOPT_NOPROXY, "*");
    /* STARTTLS is required unless the operator chose "none" for a trusted local relay. */
    if (strcmp(c->security, "none")) cu->easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (*c->user) {
        cu->easy_setopt(h, CURLOPT_USERNAME, c->user);
        cu->easy_setopt(h, CURLOPT_PASSWORD, c->password);
    }
    cu->easy_setopt(h, CURLOPT_MAIL_FROM, from);
    cu->easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    cu->easy_setopt(h, CURLOPT_READFUNCTION, read_payload);
    cu->easy_setopt(h, CURLOPT_READDATA, &p);
    cu->easy_setopt(h, CURLOPT_UPLOAD, 1L);
    cu->easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    cu->easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = cu->easy_perform(h);
    if (rc != CURLE_OK) err = pf_errf(eb, PF_E_IO, "email to %s via %s: %s", to, url, cu->easy_strerror(rc));
done:
    cu->slist_free_all(rcpt);
    if (h) cu->easy_cleanup(h);
    free(p.buf);
    return err;
}

/* The console form: a header line, the body, an end marker; one locked, flushed write so concurrent emails
 * never interleave and a reader sees whole emails. */
static pf_err send_console(const pf_mailer_config *c, const char *to, const char *subject, const char *body)
{
    FILE *f = c->console ? c->console : stderr;
    time_t now = time(NULL);
    flockfile(f);
    fprintf(f, "mail at=%lld to=%s subject=%s\n%s\nmail end\n", (long long)now, to, subject, body);
    fflush(f);
    funlockfile(f);
    return PF_E_OK;
}

pf_err pf_mailer_send(const pf_mailer_config *c, const char *to, const char *subject, const char *body,
                      pf_errbuf *eb)
{
    if (!address_ok(to)) return pf_errf(eb, PF_E_INVALID_FIELD, "email: bad recipient address");
    if (!header_safe(subject, 200)) return pf_errf(eb, PF_E_INVALID_FIELD, "email: bad subject");
    if (!strcmp(c->driver, "smtp") || !strcmp(c->driver, "ses")) return send_smtp(c, to, subject, body, eb);
    return send_console(c, to, subject, body);
}

/* POST /api/admin/test-email: a test message to the calling admin's own address through the configured
 * driver. A delivery failure is the operator's configuration problem, answered 502 with curl's reason. */
static pf_err test_email(pf_req *r, pf_resp *w)
{
    const pf_user *u = &pf_req_principal(r)->user;
    pf_mailer_config mc;
    pf_errbuf eb = {{0}};
    pf_mailer_config_from(r, &mc);
    const char *to = u->email ? u->email : "";
    pf_err err = pf_mailer_send(&mc, to, "PrintForge test email",
                                "This is a test email from PrintForge: your email settings work.\n", &eb);
    if (err == PF_E_NOMEM) return err;
    if (err) return pf_resp_error(w, 502, "email delivery failed: %s", eb.msg);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "message", "test email sent") ||
        !cJSON_AddStringToObject(o, "to", to) || !cJSON_AddStringToObject(o, "driver", mc.driver)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

static const pf_route routes[] = {
    {PF_POST, "/api/admin/test-email", test_email, PF_ACCESS_ADMIN_JWT, NULL, PF_LIMIT_GENERAL, PF_BODY_NONE,
     0, NULL},
};

const pf_route_table pf_api_mail_routes = {routes, sizeof routes / sizeof routes[0]};
