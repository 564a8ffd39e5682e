/* The HTTP server: libmicrohttpd glue, the route matcher and the one dispatcher that decides access, limits,
 * CORS, body handling and the common headers before any handler runs; plus the access log. */
#include "api/server.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "api/config.h"
#include "api/json_arena.h"
#include "api/json_write.h"
#include "api/mhd.h"
#include "api/msgpack_json.h"
#include "api/ratelimit.h"
#include "api/upload.h"
#include "api/routes.h"

#define MAX_SEGS 12
#define MAX_PARAMS 4
#define MAX_PATH 2048
/* Rate-limit windows are bounded in number, not in time: 64 Ki windows is a few MiB. */
#define RL_ENTRIES (64u << 10)

/* A route split into segments once at start. */
typedef struct compiled_route {
    const pf_route *rt;        /* the table row */
    unsigned nseg;             /* segments */
    const char *seg[MAX_SEGS]; /* literal text or parameter name (after ':'), into segbuf */
    size_t seglen[MAX_SEGS];   /* length of each */
    bool param[MAX_SEGS];      /* segment i is a parameter */
} compiled_route;

struct pf_server {
    struct MHD_Daemon *d;    /* the daemon */
    pf_store *st;            /* borrowed */
    pf_jwt_key key;          /* JWT signing key */
    pf_ratelimit *rl;        /* per-IP windows */
    FILE *log;               /* access log, may be NULL */
    compiled_route *routes;  /* every route, in table order */
    size_t nroutes;          /* count */
    size_t *by_nseg;         /* indexes into routes by segment count, each count's in table order */
    size_t nseg_at[MAX_SEGS + 2]; /* by_nseg[nseg_at[n]] .. by_nseg[nseg_at[n + 1] - 1] have n segments */
    pthread_mutex_t cfg_mu;       /* guards cfg and cfg_checked_ms */
    pf_api_config *cfg;      /* current settings snapshot */
    uint64_t cfg_checked_ms; /* last generation check */
    atomic_bool cfg_stale;   /* check on the next request */
    unsigned ttl_ms;         /* generation check interval */
    atomic_long inflight;    /* requests between first callback and completion */
    uint16_t port;           /* bound port */

    /* Account settings, read once at start. */
    FILE *mail_log;            /* disabled-mode emails */
    unsigned long long pw_ops; /* argon2id opslimit */
    size_t pw_mem;             /* argon2id memlimit */
};

typedef struct resp_header {
    char *name, *value; /* owned */
} resp_header;

struct pf_resp {
    bool set;                  /* a response was chosen */
    int status;                /* HTTP status */
    const char *ctype;         /* Content-Type: ctype_own or a string literal */
    char *ctype_own;           /* owned copy of the Content-Type, NULL when it is a literal */
    char *body;                /* owned */
    size_t len;                /* body bytes */
    resp_header *hdr;          /* extra headers */
    size_t nhdr;               /* count */
    pf_resp_read_fn read;      /* streamed body */
    void *read_ctx;            /* its context */
    void (*read_free)(void *); /* frees read_ctx */
    int64_t stream_size;       /* total or -1 */
    bool msgpack;              /* pf_resp_json packs msgpack (the client Accepts application/msgpack) */
};

typedef struct form_field {
    char *name, *value; /* owned */
    size_t len;         /* value bytes */
} form_field;

struct pf_req {
    pf_server *srv;                /* server */
    struct MHD_Connection *conn;   /* MHD connection */
    const char *method;            /* as received */
    size_t path_len;               /* strlen(path) */
    pf_method m;                   /* PF_GET.. or 0 for others */
    const compiled_route *cr;      /* matched route, NULL if none */
    const char *pname[MAX_PARAMS]; /* parameter names, into the compiled route */
    size_t pnamelen[MAX_PARAMS];   /* their lengths */
    char *pval[MAX_PARAMS];        /* values, pointing into path copy pbuf */
    unsigned nparams;              /* count */
    pf_api_config *cfg;            /* settings snapshot, one reference */
    pf_principal who;              /* caller */
    struct user_rec *user_rec;     /* who.user is borrowed from it (one reference), NULL = owned */
    pf_errbuf eb;                  /* handler details */
    char ip[INET6_ADDRSTRLEN];     /* client address */
    struct timespec t0;            /* arrival (taken only when there is an access log) */
    const char *origin;            /* allowed Origin to echo, NULL for none */
    /* The request headers the dispatcher reads, found in one pass (NULL: absent; the first of repeats). */
    const char *h_origin;          /* Origin */
    const char *h_clen;            /* Content-Length */
    const char *h_te;              /* Transfer-Encoding */
    const char *h_ctype;           /* Content-Type */
    const char *h_accept;          /* Accept */
    const char *h_auth;            /* Authorization */
    unsigned long long clen;       /* Content-Length's value (0 when absent) */
    pf_rl_result rl;               /* the most specific limiter's result */
    bool rl_set;                   /* rl holds a result */
    /* body */
    bool first_done;              /* the first callback ran */
    bool responded;               /* a response is queued */
    bool in_begin;                /* the first callback is running: answers are deferred */
    bool has_body;                /* the request announced a body */
    size_t drain_left;            /* body bytes still read and dropped after an error (mid-body, too large) */
    pf_resp *early;               /* answer decided by the first callback, queued by the second */
    bool dropping;                /* body is read and discarded */
    size_t limit;                 /* body byte limit */
    char *body;                   /* JSON body, NUL-terminated: body_small or malloc'd */
    size_t len, cap;              /* body bytes, capacity */
    size_t total;                 /* bytes received */
    cJSON *json;                  /* parsed body */
    bool json_in_arena;           /* json was parsed into arena (pf_json_arena_free, not cJSON_Delete) */
    pf_json_arena arena;          /* over arena_buf while json is in it */
    struct MHD_PostProcessor *pp; /* multipart parser */
    form_field *form;             /* text fields */
    size_t nform;                 /* count */
    size_t form_bytes;            /* text bytes together */
    pf_err part_err;              /* first error from the multipart stream */
    bool body_msgpack;            /* the JSON-route body is application/msgpack */
    bool want_msgpack;            /* Accept names application/msgpack: JSON answers are packed */
    void *ctx;                    /* handler state */
    void (*ctx_free)(void *);     /* frees ctx */
    /* log */
    int status;     /* answered status */
    uint64_t bytes; /* answered body bytes (-1 unknown) */
    /* Last, so that clearing a reused record can stop before it: each is written before it is read. */
    char body_small[1024]; /* small JSON bodies (quotes): no allocation, no glibc large-chunk path */
    char path[MAX_PATH];   /* as received (decoded by MHD), path_len bytes and a NUL */
    char pbuf[MAX_PATH];   /* path copy split into parameter values */
    _Alignas(16) unsigned char arena_buf[2048]; /* the parsed JSON body's nodes and strings (a quote's take
                                                 * ~800 bytes; what does not fit is malloc'd) */
};

/* ---- small helpers ---- */

const char *pf_method_name(pf_method m)
{
    switch (m) {
    case PF_GET:
        return "GET";
    case PF_POST:
        return "POST";
    case PF_PUT:
        return "PUT";
    case PF_PATCH:
        return "PATCH";
    case PF_DELETE:
        return "DELETE";
    }
    return NULL;
}

static pf_method method_of(const char *s)
{
    if (!strcmp(s, "GET") || !strcmp(s, "HEAD")) return PF_GET;
    if (!strcmp(s, "POST")) return PF_POST;
    if (!strcmp(s, "PUT")) return PF_PUT;
    if (!strcmp(s, "PATCH")) return PF_PATCH;
    if (!strcmp(s, "DELETE")) return PF_DELETE;
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- routes ---- */

static pf_err compile_route(const pf_route *rt, compiled_route *cr, pf_errbuf *eb)
{
    const char *p = rt->pattern;
    memset(cr, 0, sizeof *cr);
    cr->rt = rt;
    if (!p || p[0] != '/' || !rt->handler || !pf_method_name(rt->method))
        return pf_errf(eb, PF_E_INVAL, "route %s: bad pattern, method or handler", p ? p : "(null)");
    if ((rt->access == PF_ACCESS_ADMIN) != (rt->scope != NULL))
        return pf_errf(eb, PF_E_INVAL, "route %s: a scope goes with PF_ACCESS_ADMIN and only with it", p);
    unsigned np = 0;
    while (*p == '/') {
        p++;
        size_t n = strcspn(p, "/");
        if (!n || cr->nseg == MAX_SEGS)
            return pf_errf(eb, PF_E_INVAL, "route %s: empty or too many segments", rt->pattern);
        cr->param[cr->nseg] = *p == ':';
        if (cr->param[cr->nseg] && (n == 1 || ++np > MAX_PARAMS))
            return pf_errf(eb, PF_E_INVAL, "route %s: bad parameter", rt->pattern);
        cr->seg[cr->nseg] = p + cr->param[cr->nseg];
        cr->seglen[cr->nseg] = n - cr->param[cr->nseg];
        cr->nseg++;
        p += n;
    }
    return PF_E_OK;
}

/* Splits path into segments (at most MAX_SEGS; one trailing slash ignored). Returns the count, or -1. */
static int split_path(const char *path, const char **seg, size_t *len)
{
    int n = 0;
    if (path[0] != '/') return -1;
    const char *p = path;
    while (*p == '/') {
        p++;
        if (!*p && n) break; /* trailing slash */
        size_t l = strcspn(p, "/");
        if (!l || n == MAX_SEGS) return -1;
        seg[n] = p;
        len[n++] = l;
        p += l;
    }
    return *p ? -1 : n;
}

static bool route_matches(const compiled_route *cr, int n, const char **seg, const size_t *len)
{
    if ((int)cr->nseg != n) return false;
    for (int i = 0; i < n; i++)
        if (!cr->param[i] && (cr->seglen[i] != len[i] || memcmp(cr->seg[i], seg[i], len[i]))) return false;
    return true;
}

/* Finds the route for (m, path): *cr on a match; otherwise *allowed holds the methods the path has (0: 404).
 */
static void route_find(const pf_server *s, pf_method m, const char *path, const compiled_route **cr,
                       unsigned *allowed)
{
    const char *seg[MAX_SEGS];
    size_t len[MAX_SEGS];
    int n = split_path(path, seg, len);
    *cr = NULL;
    *allowed = 0;
    if (n < 0) return;
    /* Only routes of n segments can match: the first in table order among them wins, as among all. */
    for (size_t k = s->nseg_at[n]; k < s->nseg_at[n + 1]; k++) {
        const compiled_route *c = &s->routes[s->by_nseg[k]];
        if (route_matches(c, n, seg, len)) {
            if (c->rt->method == m) {
                *cr = c;
                return;
            }
            *allowed |= c->rt->method;
        }
    }
}

static void allow_list(unsigned methods, char *out, size_t len)
{
    size_t n = 0;
    out[0] = 0;
    for (unsigned b = 1; b <= PF_DELETE; b <<= 1)
        if (methods & b) n += (size_t)snprintf(out + n, len - n, "%s%s", n ? ", " : "", pf_method_name(b));
    if (methods & PF_GET) n += (size_t)snprintf(out + n, len - n, ", HEAD");
    snprintf(out + n, len - n, "%sOPTIONS", n ? ", " : "");
}

/* ---- access ---- */

pf_err pf_api_access_decide(const pf_route *rt, const pf_principal *p, pf_errbuf *eb)
{
    if (rt->access == PF_ACCESS_PUBLIC) return PF_E_OK;
    if (p->kind == PF_AUTH_NONE) return pf_errf(eb, PF_E_UNAUTHORIZED, "authentication required");
    switch (rt->access) {
    case PF_ACCESS_USER:
        if (p->kind != PF_AUTH_JWT) return pf_errf(eb, PF_E_FORBIDDEN, "this endpoint needs a session token");
        return PF_E_OK;
    case PF_ACCESS_MODERATOR:
        if (p->kind != PF_AUTH_JWT) return pf_errf(eb, PF_E_FORBIDDEN, "this endpoint needs a session token");
        if (p->role < PF_ROLE_MODERATOR)
            return pf_errf(eb, PF_E_FORBIDDEN, "moderator or admin role required");
        return PF_E_OK;
    case PF_ACCESS_ADMIN:
        if (p->kind == PF_AUTH_PAT) {
            for (size_t i = 0; i < p->pat.scopes.n; i++)
                if (!strcmp(p->pat.scopes.v[i], rt->scope)) return PF_E_OK;
            return pf_errf(eb, PF_E_FORBIDDEN, "token lacks the %s scope", rt->scope);
        }
        if (p->role != PF_ROLE_ADMIN) return pf_errf(eb, PF_E_FORBIDDEN, "admin role required");
        return PF_E_OK;
    case PF_ACCESS_ADMIN_JWT:
        if (p->kind != PF_AUTH_JWT)
            return pf_errf(eb, PF_E_FORBIDDEN, "this endpoint needs a session token (JWT only)");
        if (p->role != PF_ROLE_ADMIN) return pf_errf(eb, PF_E_FORBIDDEN, "admin role required");
        return PF_E_OK;
    case PF_ACCESS_PUBLIC:
        break;
    }
    return PF_E_OK;
}

pf_role pf_api_role_parse(const char *s)
{
    if (!s) return PF_ROLE_NONE;
    if (!strcmp(s, "admin")) return PF_ROLE_ADMIN;
    if (!strcmp(s, "moderator")) return PF_ROLE_MODERATOR;
    if (!strcmp(s, "user")) return PF_ROLE_USER;
    return PF_ROLE_NONE;
}

/* Resolves the Authorization header into r->who. PF_E_UNAUTHORIZED (detail in eb) for a token that does not
 * authenticate; r->who stays anonymous then. */
/* The last session JWT this thread verified and its claims: clients send the same token with every request,
 * and the signature check (base64, HMAC, JSON) is most of the cost of authenticating one. A token is only
 * reused byte for byte, with the same key and within its expiry; the user is still read on every request. */
static _Thread_local struct {
    pf_jwt_key key;  /* key it was verified with (a copy: servers come and go in tests) */
    size_t len;      /* token length, 0 = empty */
    char tok[768];   /* the token */
    pf_jwt_claims c; /* its claims */
} t_jwt_memo;

static pf_err jwt_verify_memo(const pf_jwt_key *key, const char *tok, int64_t now, pf_jwt_claims *out,
                              pf_errbuf *eb)
{
    size_t n = strlen(tok);
    if (n && n == t_jwt_memo.len && !memcmp(tok, t_jwt_memo.tok, n) &&
        !sodium_memcmp(key->k, t_jwt_memo.key.k, sizeof key->k) && now < t_jwt_memo.c.exp) {
        *out = t_jwt_memo.c;
        return PF_E_OK;
    }
    pf_err err = pf_jwt_verify(key, tok, now, out, eb);
    if (!err && n < sizeof t_jwt_memo.tok) {
        memcpy(t_jwt_memo.tok, tok, n);
        t_jwt_memo.len = n, t_jwt_memo.key = *key, t_jwt_memo.c = *out;
    }
    return err;
}

/* A user record shared by the requests that authenticated with it under one snapshot: requests on one worker
 * thread interleave, and each keeps its principal until it completes, so holders count references. */
typedef struct user_rec {
    atomic_uint refs; /* the thread's memo and each request using it */
    pf_user u;        /* the record */
} user_rec;

static void user_rec_unref(user_rec *x)
{
    if (x && atomic_fetch_sub(&x->refs, 1) == 1) {
        pf_user_clear(&x->u);
        free(x);
    }
}

/* The last user this worker thread read and the snapshot it read it from (the id of the last committed
 * transaction, taken before the read): while no transaction has committed since, a read would give the same
 * record, so a demotion, deactivation or token_version bump is still seen by the very next request. Saves
 * a read transaction and decoding the record on every authenticated request. Freed with the thread. */
typedef struct user_memo {
    const pf_store *st; /* store read */
    uint64_t txn_id;    /* last committed transaction before the read */
    user_rec *rec;      /* the record, one reference; NULL = none */
} user_memo;

static pthread_key_t g_user_memo;
static pthread_once_t g_user_memo_once = PTHREAD_ONCE_INIT;

static void user_memo_free(void *p)
{
    user_memo *m = p;
    if (m) user_rec_unref(m->rec);
    free(m);
}

static void user_memo_init(void)
{
    pthread_key_create(&g_user_memo, user_memo_free);
}

/* The stored user id with one reference for the caller (user_rec_unref), from this thread's memo when no
 * transaction committed since it was read. Errors: those of pf_store_user_get. */
static pf_err user_get_shared(pf_store *st, uint64_t id, user_rec **out, pf_errbuf *eb)
{
    pthread_once(&g_user_memo_once, user_memo_init);
    user_memo *m = pthread_getspecific(g_user_memo);
    if (!m && (m = calloc(1, sizeof *m)) && pthread_setspecific(g_user_memo, m)) {
        free(m);
        m = NULL;
    }
    uint64_t last = pf_store_last_txn_id(st);
    if (m && m->rec && last && m->st == st && m->txn_id == last && m->rec->u.id == id) {
        atomic_fetch_add(&m->rec->refs, 1);
        *out = m->rec;
        return PF_E_OK;
    }
    user_rec *x = calloc(1, sizeof *x);
    if (!x) return pf_errf(eb, PF_E_NOMEM, "user");
    atomic_init(&x->refs, 1);
    pf_err err = pf_store_user_get(st, NULL, id, &x->u, eb);
    if (err) {
        free(x);
        return err;
    }
    if (m && last) {
        user_rec_unref(m->rec);
        atomic_fetch_add(&x->refs, 1);
        m->rec = x, m->st = st, m->txn_id = last;
    }
    *out = x;
    return PF_E_OK;
}

static pf_err resolve_auth(pf_req *r, pf_errbuf *eb)
{
    const char *h = r->h_auth;
    if (!h) return PF_E_OK;
    if (strncasecmp(h, "Bearer ", 7)) return pf_errf(eb, PF_E_UNAUTHORIZED, "expected a Bearer token");
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    pf_store *st = r->srv->st;
    int64_t now = (int64_t)time(NULL);
    pf_err err;
    if (!strncmp(tok, "pf_", 3)) {
        pf_sha256 hash;
        crypto_hash_sha256(hash.b, (const uint8_t *)tok, strlen(tok));
        pf_pat pat = {0};
        err = pf_store_pat_by_token_hash(st, NULL, &hash, &pat, eb);
        if (err == PF_E_NOT_FOUND) return pf_errf(eb, PF_E_UNAUTHORIZED, "unknown token");
        if (err) return pf_errf(eb, PF_E_UNAUTHORIZED, "token lookup failed");
        if (pat.revoked || (pat.expires_at && pat.expires_at <= now)) {
            pf_pat_clear(&pat);
            return pf_errf(eb, PF_E_UNAUTHORIZED, "token revoked or expired");
        }
        r->who.kind = PF_AUTH_PAT;
        r->who.pat = pat;
        return PF_E_OK;
    }
    pf_jwt_claims c;
    if ((err = jwt_verify_memo(&r->srv->key, tok, now, &c, eb))) return err;
    if (strcmp(c.typ, PF_JWT_SESSION)) return pf_errf(eb, PF_E_UNAUTHORIZED, "not a session token");
    user_rec *ur = NULL;
    err = user_get_shared(st, c.sub, &ur, eb);
    if (err) return pf_errf(eb, PF_E_UNAUTHORIZED, "unknown user");
    if (!ur->u.is_active) {
        user_rec_unref(ur);
        return pf_errf(eb, PF_E_UNAUTHORIZED, "account disabled");
    }
    if (c.ver != ur->u.token_version) {
        user_rec_unref(ur);
        return pf_errf(eb, PF_E_UNAUTHORIZED, "session ended (password or role changed): log in again");
    }
    r->who.kind = PF_AUTH_JWT;
    r->who.role = pf_api_role_parse(ur->u.role);
    r->who.user = ur->u; /* borrowed: handlers see the principal read-only */
    r->user_rec = ur;
    return PF_E_OK;
}

/* ---- settings snapshot ---- */

static pf_api_config *config_acquire(pf_server *s)
{
    uint64_t now = now_ms();
    pthread_mutex_lock(&s->cfg_mu);
    bool check = atomic_exchange(&s->cfg_stale, false) || now - s->cfg_checked_ms >= s->ttl_ms;
    if (check) {
        s->cfg_checked_ms = now;
        uint64_t gen;
        pf_errbuf eb;
        pf_api_config *fresh;
        /* A failed reload keeps the old snapshot: serving stale limits beats failing requests. */
        if (!pf_api_config_generation(s->st, &gen, &eb) && gen != s->cfg->generation &&
            !pf_api_config_load(s->st, &fresh, &eb)) {
            pf_api_config_release(s->cfg);
            s->cfg = fresh;
        }
    }
    pf_api_config *c = s->cfg;
    atomic_fetch_add(&c->refs, 1);
    pthread_mutex_unlock(&s->cfg_mu);
    return c;
}

void pf_server_settings_changed(pf_server *s)
{
    atomic_store(&s->cfg_stale, true);
}

/* ---- responses ---- */

static void resp_clear(pf_resp *w)
{
    free(w->ctype_own);
    free(w->body);
    for (size_t i = 0; i < w->nhdr; i++)
        free(w->hdr[i].name), free(w->hdr[i].value);
    free(w->hdr);
    if (w->read_free) w->read_free(w->read_ctx);
    memset(w, 0, sizeof *w);
}

/* Sets the answer (body consumed). ctype is referenced when lit (a string literal), else copied. */
static pf_err resp_put(pf_resp *w, int status, const char *ctype, bool lit, char *body, size_t len)
{
    char *own = NULL;
    if (!lit && !(own = strdup(ctype))) {
        free(body);
        return PF_E_NOMEM;
    }
    free(w->ctype_own);
    free(w->body);
    if (w->read_free) w->read_free(w->read_ctx);
    w->read = NULL, w->read_free = NULL, w->read_ctx = NULL;
    w->set = true, w->status = status, w->ctype = lit ? ctype : own, w->ctype_own = own;
    w->body = body, w->len = len;
    return PF_E_OK;
}

static pf_err resp_set(pf_resp *w, int status, const char *ctype, char *body, size_t len)
{
    return resp_put(w, status, ctype, false, body, len);
}

pf_err pf_resp_json(pf_resp *w, int status, cJSON *body)
{
    if (w->msgpack && body) {
        char *m = NULL;
        size_t n = 0;
        pf_errbuf eb;
        pf_err err = pf_json_to_msgpack(body, &m, &n, &eb);
        cJSON_Delete(body);
        return err ? err : resp_put(w, status, "application/msgpack", true, m, n);
    }
    size_t n = 0;
    char *s = body ? pf_json_write(body, &n) : NULL;
    cJSON_Delete(body);
    if (!s) return PF_E_NOMEM;
    return resp_put(w, status, "application/json; charset=utf-8", true, s, n);
}

bool pf_resp_msgpack(const pf_resp *w)
{
    return w->msgpack;
}

pf_err pf_resp_jw(pf_resp *w, int status, pf_jw *jw)
{
    if (jw->sink == PF_JW_TREE) {
        cJSON *j = NULL;
        pf_err err = pf_jw_take_tree(jw, &j);
        return err ? err : pf_resp_json(w, status, j);
    }
    char *s = NULL;
    size_t n = 0;
    pf_err err = pf_jw_take_text(jw, &s, &n);
    if (err) return err;
    if (w->msgpack) { /* a text writer although msgpack was asked for: pack its text's tree */
        cJSON *j = cJSON_ParseWithLength(s, n);
        free(s);
        return j ? pf_resp_json(w, status, j) : PF_E_NOMEM;
    }
    return resp_put(w, status, "application/json; charset=utf-8", true, s, n);
}

pf_err pf_resp_bytes(pf_resp *w, int status, const char *content_type, const void *data, size_t len)
{
    char *b = malloc(len ? len : 1);
    if (!b) return PF_E_NOMEM;
    if (len) memcpy(b, data, len);
    return resp_set(w, status, content_type, b, len);
}

static pf_err resp_error_str(pf_resp *w, int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "error", msg)) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, status, o);
}

pf_err pf_resp_error(pf_resp *w, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return resp_error_str(w, status, msg);
}

pf_err pf_resp_header(pf_resp *w, const char *name, const char *value)
{
    resp_header *g = realloc(w->hdr, (w->nhdr + 1) * sizeof *g);
    if (!g) return PF_E_NOMEM;
    w->hdr = g;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n), free(v);
        return PF_E_NOMEM;
    }
    w->hdr[w->nhdr++] = (resp_header){n, v};
    return PF_E_OK;
}

pf_err pf_resp_stream(pf_resp *w, int status, const char *content_type, int64_t size, pf_resp_read_fn read,
                      void *ctx, void (*free_fn)(void *))
{
    pf_err err = resp_set(w, status, content_type, NULL, 0);
    if (err) {
        if (free_fn) free_fn(ctx);
        return err;
    }
    w->read = read, w->read_ctx = ctx, w->read_free = free_fn, w->stream_size = size;
    return PF_E_OK;
}

/* The answer for an error code: 5xx details go to the log only. */
static void resp_from_err(pf_req *r, pf_resp *w, pf_err err, const char *detail)
{
    int status = pf_err_http_status(err);
    const char *msg = detail && *detail ? detail : pf_err_message(err);
    w->msgpack = r->want_msgpack;
    if (status >= 500) {
        if (r->srv->log)
            fprintf(r->srv->log, "error method=%s path=%s code=%s detail=\"%s\"\n", r->method, r->path,
                    pf_err_name(err), msg);
        msg = pf_err_message(err);
    }
    resp_error_str(w, status, msg);
}

static ssize_t stream_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    pf_resp *w = cls;
    ssize_t n = w->read(w->read_ctx, pos, buf, max);
    return n == -1 ? MHD_CONTENT_READER_END_OF_STREAM : n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void stream_free(void *cls)
{
    pf_resp *w = cls;
    resp_clear(w);
    free(w);
}

/* The CSP of API answers: they are data, never a document, so nothing may load or frame them. */
#define API_CSP "default-src 'none'; frame-ancestors 'none'"

/* True for answers a browser never renders as a page: JSON, msgpack, or no body. */
static bool is_api_answer(int status, const char *ctype)
{
    return status == 204 || !ctype || !strncmp(ctype, "application/json", 16) ||
           !strncmp(ctype, "application/msgpack", 19);
}

/* Security headers. Documents (robots.txt, the sitemap, invoices, QR images, model files, later the
 * storefront's pages) get the browser set with the CSP built from settings. API answers get what applies to
 * data (as OWASP's REST security guidance lists it): nosniff, no framing and a CSP that allows nothing —
 * Referrer-Policy, Permissions-Policy, COOP and DNS prefetch control only mean something for documents, and
 * leaving them off saves ~450 bytes and five header copies on every quote. HSTS goes on everything. */
static void add_common_headers(pf_req *r, struct MHD_Response *mr, int status, const char *ctype)
{
    pf_api_config *c = r->cfg;
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(mr, "X-Frame-Options", "DENY");
    if (is_api_answer(status, ctype)) {
        MHD_add_response_header(mr, "Content-Security-Policy", API_CSP);
    } else {
        MHD_add_response_header(mr, "Referrer-Policy", "strict-origin-when-cross-origin");
        MHD_add_response_header(mr, "Cross-Origin-Opener-Policy", "same-origin");
        MHD_add_response_header(mr, "X-DNS-Prefetch-Control", "off");
        MHD_add_response_header(mr, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
        if (c) MHD_add_response_header(mr, "Content-Security-Policy", c->csp);
    }
    if (c && c->hsts)
        MHD_add_response_header(mr, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    if (r->origin) {
        MHD_add_response_header(mr, "Access-Control-Allow-Origin", r->origin);
        MHD_add_response_header(mr, "Access-Control-Expose-Headers",
                                "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After");
    }
    if (r->h_origin) MHD_add_response_header(mr, "Vary", "Origin");
    if (r->rl_set) {
        char v[32];
        snprintf(v, sizeof v, "%u", r->rl.limit);
        MHD_add_response_header(mr, "X-RateLimit-Limit", v);
        snprintf(v, sizeof v, "%u", r->rl.remaining);
        MHD_add_response_header(mr, "X-RateLimit-Remaining", v);
        snprintf(v, sizeof v, "%llu", (unsigned long long)((r->rl.reset_ms + 999) / 1000));
        MHD_add_response_header(mr, "X-RateLimit-Reset", v);
    }
}

/* Queues w (consumed). Returns MHD's verdict. During the first callback the answer is kept for the next one:
 * MHD closes the connection after a response queued before it looked for a body, which would cost every
 * preflight or error its keep-alive connection. */
static enum MHD_Result send_resp(pf_req *r, pf_resp *w)
{
    struct MHD_Response *mr;
    if (r->in_begin && !r->has_body) {
        if (!(r->early = malloc(sizeof *r->early))) {
            resp_clear(w);
            return MHD_NO;
        }
        *r->early = *w;
        memset(w, 0, sizeof *w);
        r->responded = true;
        return MHD_YES;
    }
    if (!w->set) resp_put(w, 204, "text/plain", true, NULL, 0);
    if (w->read) {
        pf_resp *held = malloc(sizeof *held);
        if (!held) {
            resp_clear(w);
            return MHD_NO;
        }
        *held = *w;
        memset(w, 0, sizeof *w);
        mr = MHD_create_response_from_callback(held->stream_size < 0 ? MHD_SIZE_UNKNOWN
                                                                     : (uint64_t)held->stream_size,
                                               64 << 10, stream_cb, held, stream_free);
        if (!mr) {
            stream_free(held);
            return MHD_NO;
        }
        w = held;
        r->bytes = held->stream_size < 0 ? 0 : (uint64_t)held->stream_size;
    } else {
        mr = MHD_create_response_from_buffer(w->len, w->body, MHD_RESPMEM_MUST_FREE);
        if (!mr) {
            resp_clear(w);
            return MHD_NO;
        }
        w->body = NULL;
        r->bytes = w->len;
    }
    if (w->status != 204 && w->ctype) MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, w->ctype);
    for (size_t i = 0; i < w->nhdr; i++)
        MHD_add_response_header(mr, w->hdr[i].name, w->hdr[i].value);
    add_common_headers(r, mr, w->status, w->ctype);
    r->status = w->status;
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)w->status, mr);
    MHD_destroy_response(mr);
    if (!w->read) resp_clear(w);
    r->responded = true;
    return ok;
}

static enum MHD_Result send_error(pf_req *r, pf_err err, const char *detail)
{
    pf_resp w = {0};
    resp_from_err(r, &w, err, detail);
    return send_resp(r, &w);
}

/* ---- request accessors ---- */

const char *pf_req_param(const pf_req *r, const char *name)
{
    size_t n = strlen(name);
    for (unsigned i = 0; i < r->nparams; i++)
        if (r->pnamelen[i] == n && !memcmp(r->pname[i], name, n)) return r->pval[i];
    return NULL;
}

pf_err pf_req_param_id(pf_req *r, const char *name, uint64_t *out)
{
    const char *v = pf_req_param(r, name);
    char *end;
    if (!v || !isdigit((unsigned char)*v)) return pf_errf(&r->eb, PF_E_NOT_FOUND, "no such %s", name);
    errno = 0;
    unsigned long long id = strtoull(v, &end, 10);
    if (*end || errno || !id) return pf_errf(&r->eb, PF_E_NOT_FOUND, "no such %s", name);
    *out = id;
    return PF_E_OK;
}

const char *pf_req_query(const pf_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

pf_err pf_req_query_uint(pf_req *r, const char *name, uint64_t lo, uint64_t hi, uint64_t def, uint64_t *out)
{
    const char *v = pf_req_query(r, name);
    if (!v || !*v) { /* "?page=" from a form counts as absent */
        *out = def;
        return PF_E_OK;
    }
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || *v == '-' || *v == '+' || errno || x < lo || x > hi)
        return pf_errf(&r->eb, PF_E_INVALID_FIELD, "%s: a whole number from %llu to %llu", name,
                       (unsigned long long)lo, (unsigned long long)hi);
    *out = x;
    return PF_E_OK;
}

const char *pf_req_header(const pf_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const cJSON *pf_req_json(const pf_req *r)
{
    return r->json;
}

const char *pf_req_form(const pf_req *r, const char *name)
{
    for (size_t i = 0; i < r->nform; i++)
        if (!strcmp(r->form[i].name, name)) return r->form[i].value;
    return NULL;
}

const pf_principal *pf_req_principal(const pf_req *r)
{
    return &r->who;
}

const pf_route *pf_req_route(const pf_req *r)
{
    return r->cr ? r->cr->rt : NULL;
}

const char *pf_req_method(const pf_req *r)
{
    return r->method;
}

const char *pf_req_path(const pf_req *r)
{
    return r->path;
}

const char *pf_req_ip(const pf_req *r)
{
    return r->ip;
}

pf_server *pf_req_server(const pf_req *r)
{
    return r->srv;
}

pf_store *pf_req_store(const pf_req *r)
{
    return r->srv->st;
}

const pf_api_config *pf_req_config(const pf_req *r)
{
    return r->cfg;
}

const char *pf_req_setting(const pf_req *r, const char *key, const char *def)
{
    return pf_api_config_get(r->cfg, key, def);
}

pf_errbuf *pf_req_eb(pf_req *r)
{
    return &r->eb;
}

void pf_req_set_ctx(pf_req *r, void *ctx, void (*free_fn)(void *))
{
    if (r->ctx_free && r->ctx != ctx) r->ctx_free(r->ctx);
    r->ctx = ctx;
    r->ctx_free = free_fn;
}

void *pf_req_ctx(const pf_req *r)
{
    return r->ctx;
}

static pf_err json_field(pf_req *r, const char *name, bool required, int want, const cJSON **out)
{
    const cJSON *v = r->json ? cJSON_GetObjectItemCaseSensitive(r->json, name) : NULL;
    static const char *const what[] = {
        [cJSON_String] = "a string", [cJSON_Number] = "a number", [cJSON_True] = "true or false"};
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return required ? pf_errf(&r->eb, PF_E_INVALID_FIELD, "%s: required", name) : PF_E_OK;
    bool ok = want == cJSON_True ? cJSON_IsBool(v) : (v->type & 0xff) == want;
    if (!ok) return pf_errf(&r->eb, PF_E_INVALID_FIELD, "%s: must be %s", name, what[want]);
    *out = v;
    return PF_E_OK;
}

pf_err pf_req_json_string(pf_req *r, const char *name, bool required, const char **out)
{
    const cJSON *v;
    pf_err err = json_field(r, name, required, cJSON_String, &v);
    if (!err && v) *out = v->valuestring;
    return err;
}

pf_err pf_req_json_number(pf_req *r, const char *name, bool required, double *out)
{
    const cJSON *v;
    pf_err err = json_field(r, name, required, cJSON_Number, &v);
    if (!err && v) *out = v->valuedouble;
    return err;
}

pf_err pf_req_json_bool(pf_req *r, const char *name, bool required, bool *out)
{
    const cJSON *v;
    pf_err err = json_field(r, name, required, cJSON_True, &v);
    if (!err && v) *out = cJSON_IsTrue(v);
    return err;
}

/* ---- the dispatcher ---- */

/* One spare request record per worker thread: a pf_req is a few KB, and allocating a block that large on
 * every request makes glibc consolidate its fast bins each time (a measurable share of a quote's CPU). The
 * key's destructor frees the spare when the thread ends. */
static pthread_key_t g_req_spare;
static pthread_once_t g_req_spare_once = PTHREAD_ONCE_INIT;

static void req_spare_init(void)
{
    pthread_key_create(&g_req_spare, free);
}

static pf_req *req_alloc(void)
{
    pthread_once(&g_req_spare_once, req_spare_init);
    pf_req *r = pthread_getspecific(g_req_spare);
    if (!r) return calloc(1, sizeof *r);
    pthread_setspecific(g_req_spare, NULL);
    memset(r, 0, offsetof(pf_req, body_small)); /* body_small needs no clearing */
    return r;
}

static void req_release(pf_req *r)
{
    if (!pthread_getspecific(g_req_spare) && !pthread_setspecific(g_req_spare, r)) return;
    free(r);
}

static void req_free(pf_req *r)
{
    if (!r) return;
    if (r->ctx_free) r->ctx_free(r->ctx);
    if (r->early) resp_clear(r->early);
    free(r->early);
    if (r->pp) MHD_destroy_post_processor(r->pp);
    for (size_t i = 0; i < r->nform; i++)
        free(r->form[i].name), free(r->form[i].value);
    free(r->form);
    if (r->json_in_arena)
        pf_json_arena_free(&r->arena, r->json);
    else
        cJSON_Delete(r->json);
    if (r->body != r->body_small) free(r->body);
    if (r->user_rec)
        user_rec_unref(r->user_rec);
    else if (r->who.kind == PF_AUTH_JWT)
        pf_user_clear(&r->who.user);
    if (r->who.kind == PF_AUTH_PAT) pf_pat_clear(&r->who.pat);
    pf_api_config_release(r->cfg);
    req_release(r);
}

/* Decimal of v (0..255) at p; returns the end. */
static char *put_octet(char *p, unsigned v)
{
    if (v >= 100) *p++ = (char)('0' + v / 100);
    if (v >= 10) *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

static void client_ip(struct MHD_Connection *c, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    memcpy(out, "-", 2); /* len is INET6_ADDRSTRLEN */
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET && len >= INET_ADDRSTRLEN) {
        /* inet_ntop's dotted quad without its sprintf (every request formats its address) */
        const unsigned char *b = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        char *p = out;
        for (int i = 0; i < 4; i++) {
            if (i) *p++ = '.';
            p = put_octet(p, b[i]);
        }
        *p = 0;
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
    }
}

/* Fills the path parameters of the matched route from r->path. */
static void bind_params(pf_req *r)
{
    const char *seg[MAX_SEGS];
    size_t len[MAX_SEGS];
    memcpy(r->pbuf, r->path, r->path_len + 1);
    int n = split_path(r->pbuf, seg, len);
    for (int i = 0; i < n && r->nparams < MAX_PARAMS; i++)
        if (r->cr->param[i]) {
            char *v = (char *)seg[i];
            v[len[i]] = 0; /* the separator after it is no longer needed */
            r->pname[r->nparams] = r->cr->seg[i];
            r->pnamelen[r->nparams] = r->cr->seglen[i];
            r->pval[r->nparams++] = v;
        }
}

static bool is_bypassed(const pf_req *r)
{
    return r->who.kind == PF_AUTH_JWT && (r->cfg->bypass_roles & (1u << r->who.role));
}

/* Runs the limiters of the route. PF_E_RATE_LIMITED when one is exhausted (r->rl holds it). */
static pf_err apply_limits(pf_req *r)
{
    const pf_route *rt = r->cr->rt;
    int which[2], n = 0;
    bool api = !strncmp(r->path, "/api/", 5);
    if (rt->limiter == PF_LIMIT_NONE || r->cfg->limits_off) return PF_E_OK;
    if (api && rt->limiter != PF_LIMIT_AUTH && rt->limiter != PF_LIMIT_UPLOAD && !is_bypassed(r))
        which[n++] = PF_RL_GENERAL;
    switch (rt->limiter) {
    case PF_LIMIT_AUTH:
        which[n++] = PF_RL_AUTH;
        break; /* never bypassed */
    case PF_LIMIT_UPLOAD:
        if (!is_bypassed(r)) which[n++] = PF_RL_UPLOAD;
        break;
    case PF_LIMIT_QUOTE:
        which[n++] = PF_RL_QUOTE;
        break;
    case PF_LIMIT_MODEL_FILE:
        which[n++] = PF_RL_MODEL_FILE;
        break;
    default:
        break;
    }
    uint64_t now = now_ms();
    for (int i = 0; i < n; i++) {
        pf_rl_result res;
        pf_ratelimit_hit(r->srv->rl, (unsigned)which[i], r->ip, r->cfg->limits[which[i]].max,
                         r->cfg->limits[which[i]].window_ms, now, &res);
        r->rl = res; /* the last (most specific) limiter is the one reported */
        r->rl_set = true;
        if (!res.allowed) return pf_errf(&r->eb, PF_E_RATE_LIMITED, "too many requests, try again later");
    }
    return PF_E_OK;
}

/* With site.twofa_mode "required", a session of a user without 2FA reaches only the public routes, the auth
 * routes (setting 2FA up is among them) and its own profile and 2FA status, until 2FA is enabled. */
static bool twofa_setup_pending(const pf_req *r)
{
    const pf_route *rt = r->cr->rt;
    if (r->who.kind != PF_AUTH_JWT || r->who.user.totp_enabled || rt->access == PF_ACCESS_PUBLIC) return false;
    if (strcmp(pf_api_config_get(r->cfg, "site.twofa_mode", "optional"), "required")) return false;
    return strncmp(rt->pattern, "/api/auth/", 10) && strcmp(rt->pattern, "/api/user/2fa-status") &&
           !(rt->method == PF_GET && !strcmp(rt->pattern, "/api/user/profile"));
}

static bool media_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (!ct || strncasecmp(ct, want, n)) return false;
    return !ct[n] || ct[n] == ';' || ct[n] == ' ';
}

static bool is_msgpack_type(const char *ct)
{
    return media_type_is(ct, "application/msgpack") || media_type_is(ct, "application/x-msgpack");
}

/* True when the Accept header lists a msgpack media type (with a non-zero q). */
static bool accepts_msgpack(const char *accept)
{
    for (const char *p = accept; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char one[128];
        snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : sizeof one - 1), p);
        const char *q = strstr(one, ";q=0");
        if (is_msgpack_type(one) && !(q && !strpbrk(q + 4, "123456789"))) return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

static enum MHD_Result answer_preflight(pf_req *r)
{
    const compiled_route *cr;
    unsigned allowed;
    route_find(r->srv, PF_DELETE << 1, r->path, &cr, &allowed);
    if (!allowed) return send_error(r, PF_E_NOT_FOUND, "no such endpoint");
    char allow[96];
    allow_list(allowed, allow, sizeof allow);
    pf_resp w = {0};
    resp_put(&w, 204, "text/plain", true, NULL, 0);
    pf_resp_header(&w, "Allow", allow);
    if (r->origin && MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Access-Control-Request-Method")) {
        pf_resp_header(&w, "Access-Control-Allow-Methods", allow);
        pf_resp_header(&w, "Access-Control-Allow-Headers", "Authorization, Content-Type");
        pf_resp_header(&w, "Access-Control-Max-Age", "600");
    }
    return send_resp(r, &w);
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                 const char *content_type, const char *transfer_encoding, const char *data,
                                 uint64_t off, size_t size);

/* The checks made as soon as the headers are in. Returns MHD_YES with r->responded set when it answered. */
static enum MHD_Result begin(pf_req *r)
{
    pf_server *s = r->srv;
    pf_errbuf eb = {{0}};
    r->cfg = config_acquire(s);
    r->want_msgpack = accepts_msgpack(r->h_accept);
    const char *origin = r->h_origin;
    if (origin) {
        if (!pf_api_origin_allowed(r->cfg, origin))
            return send_error(r, PF_E_FORBIDDEN, "origin not allowed");
        r->origin = origin;
    }
    if (!strcmp(r->method, "OPTIONS")) return answer_preflight(r);

    unsigned allowed = 0;
    if (r->m)
        route_find(s, r->m, r->path, &r->cr, &allowed);
    else
        route_find(s, PF_DELETE << 1, r->path, &r->cr, &allowed);
    if (!r->cr) {
        if (!allowed) return send_error(r, PF_E_NOT_FOUND, "no such endpoint");
        char allow[96];
        allow_list(allowed, allow, sizeof allow);
        pf_resp w = {0};
        resp_from_err(r, &w, PF_E_METHOD_NOT_ALLOWED, NULL);
        pf_resp_header(&w, "Allow", allow);
        return send_resp(r, &w);
    }
    bind_params(r);
    const pf_route *rt = r->cr->rt;

    pf_err auth = resolve_auth(r, &eb);
    if (auth && rt->access != PF_ACCESS_PUBLIC) return send_error(r, auth, eb.msg);
    pf_err err = apply_limits(r);
    if (err) {
        pf_resp w = {0};
        char v[24];
        uint64_t now = now_ms();
        snprintf(v, sizeof v, "%llu",
                 (unsigned long long)(r->rl.reset_ms > now ? (r->rl.reset_ms - now + 999) / 1000 : 1));
        resp_from_err(r, &w, err, r->eb.msg);
        pf_resp_header(&w, "Retry-After", v);
        return send_resp(r, &w);
    }
    if ((err = pf_api_access_decide(rt, &r->who, &eb))) return send_error(r, err, eb.msg);
    if (twofa_setup_pending(r))
        return send_error(r, PF_E_FORBIDDEN,
                          "two-factor authentication is required: set it up first (GET /api/auth/setup-2fa)");

    /* Body checks that the headers already settle. */
    const char *ct = r->h_ctype;
    unsigned long long clen = r->clen;
    bool has_body = clen > 0 || r->h_te;
    if (rt->body == PF_BODY_MULTIPART) {
        const char *mb = pf_api_config_get(r->cfg, "site.max_file_size_mb", "50");
        unsigned long long mbv = strtoull(mb, NULL, 10);
        r->limit = rt->max_body ? rt->max_body : (size_t)(mbv ? mbv : 50) << 20;
        /* Multipart framing (boundaries, part headers, text fields) comes on top of the file itself. */
        if (!rt->max_body) r->limit += PF_API_FORM_TEXT_LIMIT;
    } else {
        r->limit = rt->max_body ? rt->max_body : PF_API_JSON_LIMIT;
    }
    if (clen > r->limit) {
        /* A body up to about twice the limit is read and dropped before the answer (see send_resp): a client
         * still sending when the connection is cut may see only the reset, never the 413. Larger ones are
         * cut at once. */
        if (clen <= 2 * (unsigned long long)r->limit + (1u << 20)) {
            r->has_body = false;
            r->drain_left = (size_t)clen;
        }
        return send_error(r, PF_E_TOO_LARGE, "request body too large");
    }
    if (has_body && rt->body == PF_BODY_JSON && !media_type_is(ct, "application/json")) {
        if (!is_msgpack_type(ct))
            return send_error(r, PF_E_UNSUPPORTED_MEDIA_TYPE,
                              "expected Content-Type: application/json or application/msgpack");
        r->body_msgpack = true;
    }
    if (rt->body == PF_BODY_MULTIPART) {
        if (!media_type_is(ct, "multipart/form-data"))
            return send_error(r, PF_E_UNSUPPORTED_MEDIA_TYPE, "expected Content-Type: multipart/form-data");
        if (!(r->pp = MHD_create_post_processor(r->conn, 64 << 10, post_iter, r)))
            return send_error(r, PF_E_INVAL, "malformed multipart/form-data header");
    }
    if (rt->body == PF_BODY_NONE) r->dropping = true;
    return MHD_YES;
}

/* Multipart iterator: text fields are collected (bounded), file parts go to the route's hook. */
static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                 const char *content_type, const char *transfer_encoding, const char *data,
                                 uint64_t off, size_t size)
{
    pf_req *r = cls;
    (void)kind, (void)transfer_encoding;
    if (r->part_err) return MHD_NO;
    if (filename) {
        if (!r->cr->rt->on_part) {
            r->part_err = pf_errf(&r->eb, PF_E_INVALID_FIELD, "%s: file fields are not accepted here", key);
            return MHD_NO;
        }
        pf_form_part p = {key, filename, content_type, off};
        if (size || !off) r->part_err = r->cr->rt->on_part(r, &p, data, size);
        return r->part_err ? MHD_NO : MHD_YES;
    }
    if ((r->form_bytes += size) > PF_API_FORM_TEXT_LIMIT) {
        r->part_err = pf_errf(&r->eb, PF_E_TOO_LARGE, "form text fields too large");
        return MHD_NO;
    }
    form_field *f = r->nform && off ? &r->form[r->nform - 1] : NULL;
    if (!f || strcmp(f->name, key)) {
        form_field *g = realloc(r->form, (r->nform + 1) * sizeof *g);
        if (!g) goto nomem;
        r->form = g;
        f = &r->form[r->nform];
        *f = (form_field){strdup(key), calloc(1, 1), 0};
        r->nform++;
        if (!f->name || !f->value) goto nomem;
    }
    char *v = realloc(f->value, f->len + size + 1);
    if (!v) goto nomem;
    memcpy(v + f->len, data, size);
    f->len += size;
    v[f->len] = 0;
    f->value = v;
    return MHD_YES;
nomem:
    r->part_err = pf_errf(&r->eb, PF_E_NOMEM, "form fields");
    return MHD_NO;
}

/* Takes one piece of the body. Returns false when the request must be answered now (r->part_err or 413). */
static pf_err take_body(pf_req *r, const char *data, size_t size)
{
    if ((r->total += size) > r->limit) return pf_errf(&r->eb, PF_E_TOO_LARGE, "request body too large");
    if (r->dropping) return PF_E_OK;
    if (r->pp) {
        if (MHD_post_process(r->pp, data, size) != MHD_YES && !r->part_err)
            r->part_err = pf_errf(&r->eb, PF_E_INVAL, "malformed multipart/form-data body");
        return r->part_err;
    }
    if (!r->body && size + 1 <= sizeof r->body_small) r->body = r->body_small, r->cap = sizeof r->body_small;
    if (r->len + size + 1 > r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4096;
        while (cap < r->len + size + 1)
            cap *= 2;
        bool small = r->body == r->body_small;
        char *b = small ? malloc(cap) : realloc(r->body, cap);
        if (!b) return pf_errf(&r->eb, PF_E_NOMEM, "request body");
        if (small) memcpy(b, r->body_small, r->len);
        r->body = b, r->cap = cap;
    }
    memcpy(r->body + r->len, data, size);
    r->len += size;
    r->body[r->len] = 0;
    return PF_E_OK;
}

static enum MHD_Result finish(pf_req *r)
{
    pf_err err = PF_E_OK;
    if (r->pp) {
        /* Ending the stream flushes the last part to the hook. */
        MHD_destroy_post_processor(r->pp);
        r->pp = NULL;
        if (r->part_err) return send_error(r, r->part_err, r->eb.msg);
    } else if (r->cr->rt->body == PF_BODY_JSON && r->len && r->body_msgpack) {
        if ((err = pf_msgpack_to_json(r->body, r->len, &r->json, &r->eb))) return send_error(r, err, r->eb.msg);
        if (!cJSON_IsObject(r->json)) return send_error(r, PF_E_INVAL, "msgpack body must be a map");
    } else if (r->cr->rt->body == PF_BODY_JSON && r->len) {
        const char *end = NULL;
        pf_json_arena_init(&r->arena, r->arena_buf, sizeof r->arena_buf);
        r->json_in_arena = true;
        r->json = pf_json_arena_parse(&r->arena, r->body, r->len, &end);
        if (!r->json) {
            size_t at = end ? (size_t)(end - r->body) : 0;
            return send_error(
                r, PF_E_INVAL,
                (snprintf(r->eb.msg, sizeof r->eb.msg, "malformed JSON near byte %zu", at), r->eb.msg));
        }
        /* Trailing whitespace is fine, trailing garbage is not. */
        while (end && end < r->body + r->len && isspace((unsigned char)*end))
            end++;
        if (end != r->body + r->len) return send_error(r, PF_E_INVAL, "malformed JSON: trailing data");
        if (!cJSON_IsObject(r->json)) return send_error(r, PF_E_INVAL, "JSON body must be an object");
    }
    pf_resp w = {.msgpack = r->want_msgpack};
    r->eb.msg[0] = 0;
    err = r->cr->rt->handler(r, &w);
    if (err) {
        resp_clear(&w);
        resp_from_err(r, &w, err, r->eb.msg);
    }
    return send_resp(r, &w);
}

/* MHD_get_connection_values_n's iterator: notes the headers of pf_req's h_ fields, as lookups would find
 * them (names compared without case, the first of repeated ones). One pass instead of a scan of the list per
 * header. */
static enum MHD_Result header_seen(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                   const char *value, size_t value_size)
{
    pf_req *r = cls;
    const char **slot = NULL;
    (void)kind, (void)value_size;
#define IS(name) (key_size == sizeof name - 1 && !strcasecmp(key, name))
    switch (key_size) {
    case 6:
        slot = IS("Origin") ? &r->h_origin : IS("Accept") ? &r->h_accept : NULL;
        break;
    case 12:
        slot = IS(MHD_HTTP_HEADER_CONTENT_TYPE) ? &r->h_ctype : NULL;
        break;
    case 13:
        slot = IS(MHD_HTTP_HEADER_AUTHORIZATION) ? &r->h_auth : NULL;
        break;
    case 14:
        slot = IS(MHD_HTTP_HEADER_CONTENT_LENGTH) ? &r->h_clen : NULL;
        break;
    case 17:
        slot = IS(MHD_HTTP_HEADER_TRANSFER_ENCODING) ? &r->h_te : NULL;
        break;
    default:
        break;
    }
#undef IS
    if (slot && !*slot) *slot = value;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    pf_server *s = cls;
    pf_req *r = *con_cls;
    (void)version;
    if (!r) {
        if (!(r = req_alloc())) return MHD_NO;
        if (s->log) clock_gettime(CLOCK_MONOTONIC, &r->t0);
        r->srv = s, r->conn = conn, r->method = method, r->m = method_of(method), r->bytes = 0;
        size_t ulen = strnlen(url, sizeof r->path - 1); /* longer paths are refused below */
        memcpy(r->path, url, ulen);
        r->path[ulen] = 0;
        r->path_len = ulen;
        client_ip(conn, r->ip, sizeof r->ip);
        *con_cls = r;
        atomic_fetch_add(&s->inflight, 1);
        MHD_get_connection_values_n(conn, MHD_HEADER_KIND, header_seen, r);
        r->clen = r->h_clen ? strtoull(r->h_clen, NULL, 10) : 0;
        r->has_body = r->clen > 0 || r->h_te;
        r->in_begin = true;
        enum MHD_Result res =
            strlen(url) >= sizeof r->path ? send_error(r, PF_E_NOT_FOUND, "path too long") : begin(r);
        r->in_begin = false;
        return res;
    }
    if (r->early) {
        /* MHD accepts a response only once the body is in: a little more is drained for a clean answer,
         * then the connection is cut. */
        if (*upload_data_size) {
            if (*upload_data_size > r->drain_left) return MHD_NO;
            r->drain_left -= *upload_data_size;
            *upload_data_size = 0;
            return MHD_YES;
        }
        pf_resp *w = r->early;
        r->early = NULL;
        *upload_data_size = 0;
        enum MHD_Result res = send_resp(r, w);
        free(w);
        return res;
    }
    if (r->responded) { /* answered early: drop whatever body still arrives */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        pf_err err = take_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        if (err) {
            /* Kept for the final callback (see above). */
            r->in_begin = true, r->has_body = false, r->drain_left = 1u << 20;
            enum MHD_Result res = send_error(r, err, r->eb.msg);
            r->in_begin = false;
            return res;
        }
        return MHD_YES;
    }
    return finish(r);
}

/* Bytes of a log value written safely: control characters, spaces, quotes and '%' are percent-encoded so a
 * path cannot forge log lines or fields. */
static void log_escape(const char *s, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s && n + 4 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == '"' || c == '%' || c >= 0x7f) {
            out[n++] = '%', out[n++] = hex[c >> 4], out[n++] = hex[c & 15];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = 0;
}

static pf_err pat_log_fn(pf_txn *t, void *ctx, pf_errbuf *eb)
{
    pf_req *r = ctx;
    int64_t now = (int64_t)time(NULL);
    pf_pat_log lg = {.pat_id = r->who.pat.id,
                     .at = now,
                     .method = (char *)r->method,
                     .path = r->path,
                     .status = (uint64_t)r->status,
                     .ip = r->ip};
    /* The token on a fresh copy: it may have changed since the request read it, or been deleted with its logs
     * by a request that committed after this one's answer went out (then no log row is left behind). */
    pf_pat p = {0};
    pf_err err = pf_store_pat_get(r->srv->st, t, r->who.pat.id, &p, eb);
    if (err) return err == PF_E_NOT_FOUND ? PF_E_OK : err;
    if (!(err = pf_store_pat_log_put(r->srv->st, t, &lg, eb))) {
        p.last_used_at = now;
        err = pf_store_pat_put(r->srv->st, t, &p, eb);
    }
    pf_pat_clear(&p);
    return err;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    pf_server *s = cls;
    pf_req *r = *con_cls;
    (void)conn;
    if (!r) return;
    if (r->who.kind == PF_AUTH_PAT && r->status) {
        pf_errbuf eb;
        pf_store_write(s->st, pat_log_fn, r, &eb);
    }
    if (s->log) {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
        char path[512], user[40], ts[32];
        log_escape(r->path, path, sizeof path);
        if (r->who.kind == PF_AUTH_JWT)
            snprintf(user, sizeof user, "%llu", (unsigned long long)r->who.user.id);
        else if (r->who.kind == PF_AUTH_PAT)
            snprintf(user, sizeof user, "pat:%llu", (unsigned long long)r->who.pat.id);
        else
            snprintf(user, sizeof user, "-");
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        /* One fprintf per line: stdio locks the stream, so lines from different threads never interleave. */
        fprintf(s->log, "ts=%s method=%s path=%s status=%d ms=%.3f bytes=%llu user=%s ip=%s%s\n", ts,
                r->method, path, r->status, ms, (unsigned long long)r->bytes, user, r->ip,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
    }
    req_free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* ---- lifecycle ---- */

static pf_err compile_routes(pf_server *s, pf_errbuf *eb)
{
    const pf_route_table *const *t = pf_api_route_tables();
    size_t n = 0;
    for (size_t i = 0; t[i]; i++)
        n += t[i]->n;
    if (!(s->routes = calloc(n ? n : 1, sizeof *s->routes))) return pf_errf(eb, PF_E_NOMEM, "routes");
    for (size_t i = 0; t[i]; i++)
        for (size_t j = 0; j < t[i]->n; j++) {
            pf_err err = compile_route(&t[i]->routes[j], &s->routes[s->nroutes], eb);
            if (err) return err;
            /* Two rows with the same method and shape would make the second unreachable. */
            for (size_t k = 0; k < s->nroutes; k++) {
                const compiled_route *a = &s->routes[k], *b = &s->routes[s->nroutes];
                if (a->rt->method == b->rt->method && a->nseg == b->nseg) {
                    bool same = true;
                    for (unsigned x = 0; x < a->nseg && same; x++)
                        same = a->param[x] == b->param[x] &&
                               (a->param[x] || (a->seglen[x] == b->seglen[x] &&
                                                !memcmp(a->seg[x], b->seg[x], a->seglen[x])));
                    if (same)
                        return pf_errf(eb, PF_E_INVAL, "route %s %s duplicates %s",
                                       pf_method_name(b->rt->method), b->rt->pattern, a->rt->pattern);
                }
            }
            s->nroutes++;
        }
    if (!(s->by_nseg = calloc(s->nroutes ? s->nroutes : 1, sizeof *s->by_nseg)))
        return pf_errf(eb, PF_E_NOMEM, "routes");
    size_t k = 0;
    for (unsigned nseg = 0; nseg <= MAX_SEGS; nseg++) {
        s->nseg_at[nseg] = k;
        for (size_t i = 0; i < s->nroutes; i++)
            if (s->routes[i].nseg == nseg) s->by_nseg[k++] = i;
    }
    s->nseg_at[MAX_SEGS + 1] = k;
    return PF_E_OK;
}

static void server_free(pf_server *s)
{
    if (!s) return;
    free(s->by_nseg);
    free(s->routes);
    pf_ratelimit_free(s->rl);
    pf_api_config_release(s->cfg);
    pthread_mutex_destroy(&s->cfg_mu);
    sodium_memzero(&s->key, sizeof s->key);
    free(s);
}

pf_err pf_server_start(const pf_server_options *opt, pf_store *st, pf_server **out, pf_errbuf *eb)
{
    pf_err err;
    pf_server *s = calloc(1, sizeof *s);
    if (!s) return pf_errf(eb, PF_E_NOMEM, "server");
    pthread_mutex_init(&s->cfg_mu, NULL);
    s->st = st;
    s->log = opt->access_log;
    s->mail_log = opt->mail_log ? opt->mail_log : stderr;
    s->pw_ops = opt->pw_opslimit ? opt->pw_opslimit : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    s->pw_mem = opt->pw_memlimit ? opt->pw_memlimit : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    s->ttl_ms = opt->settings_ttl_ms ? opt->settings_ttl_ms : 1000;
    s->cfg_checked_ms = now_ms();
    if ((err = pf_mhd_load(eb))) goto fail; /* opened here, not linked: see api/mhd.h */
    if ((err = compile_routes(s, eb))) goto fail;
    if ((err = pf_jwt_key_load(opt->data_dir ? opt->data_dir : "./data", &s->key, eb))) goto fail;
    if ((err = pf_api_config_load(st, &s->cfg, eb))) goto fail;
    {
        /* Uploads that expired while the server was down go now; later ones lazily (api/upload.c). */
        pf_errbuf peb;
        size_t purged = 0;
        if (!pf_upload_purge_expired(st, (int64_t)time(NULL), &purged, &peb) && purged && s->log)
            fprintf(s->log, "purged %zu expired uploads\n", purged);
    }
    if ((err = pf_ratelimit_new(RL_ENTRIES, &s->rl))) {
        pf_errf(eb, err, "rate limiter");
        goto fail;
    }

    struct sockaddr_storage ss = {0};
    const char *bind = opt->bind ? opt->bind : "127.0.0.1";
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, bind, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(opt->port);
    } else if (inet_pton(AF_INET6, bind, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(opt->port);
        flags |= MHD_USE_IPv6;
    } else {
        err = pf_errf(eb, PF_E_INVAL, "--bind %s: not an IPv4 or IPv6 address", bind);
        goto fail;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES) flags |= MHD_USE_EPOLL;
    unsigned threads = opt->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    s->d = MHD_start_daemon(flags, opt->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &ss,
                            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                            s, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT, 4096u,
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!s->d) {
        err = pf_errf(eb, PF_E_IO, "cannot listen on %s:%u", bind, opt->port);
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : opt->port;
    *out = s;
    return PF_E_OK;
fail:
    server_free(s);
    return err;
}

uint16_t pf_server_port(const pf_server *s)
{
    return s->port;
}

const pf_jwt_key *pf_server_jwt_key(const pf_server *s)
{
    return &s->key;
}

FILE *pf_server_mail_log(const pf_server *s)
{
    return s->mail_log;
}

void pf_server_pw_limits(const pf_server *s, unsigned long long *opslimit, size_t *memlimit)
{
    *opslimit = s->pw_ops;
    *memlimit = s->pw_mem;
}

void pf_server_stop(pf_server *s, unsigned grace_ms)
{
    if (!s) return;
    /* Stop accepting, then give requests already running their time before connections are cut. The
     * quiesced listening socket is closed only after MHD_stop_daemon: MHD's threads may still use it until
     * then (microhttpd.h, MHD_quiesce_daemon). Closed at once, as it was, a stop under load ended in
     * SIGABRT once in about 15 runs of test_api_checkout beside another suite. */
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    for (unsigned waited = 0; atomic_load(&s->inflight) > 0 && waited < grace_ms; waited += 10)
        usleep(10000);
    MHD_stop_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    if (s->log) fflush(s->log);
    server_free(s);
}
