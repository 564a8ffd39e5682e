/* The HTTP handler interface: routes as data, one handler signature, request accessors and response builders.
 *
 * How a request flows (api/server.c is the one dispatcher):
 *   1. the path is matched against the route table (404 when no pattern matches, 405 with Allow when a
 *      pattern matches but not the method; OPTIONS is answered by the CORS preflight logic);
 *   2. CORS is checked (403 when enforcement is on and the Origin is not allowed);
 *   3. the Authorization header is resolved into a principal (Bearer session JWT or `pf_` PAT; an invalid
 *      token on a public route is ignored, on any other route it is a 401);
 *   4. the route's rate limiters run (429 with Retry-After);
 *   5. the route's access is decided (401 no credentials, 403 insufficient role or scope or token type);
 *   6. body checks: Content-Type (415), size (413), JSON parsed into an object (400) or multipart streamed;
 *   7. the handler runs and fills the response, or returns an error that the dispatcher answers.
 * Handlers therefore never check access, parse bodies or limit sizes themselves.
 *
 * Errors: a handler returns PF_E_OK after setting a response (if it set none, 204 No Content is sent), or an
 * error code with a human detail in pf_req_eb(r); the dispatcher answers {"error": detail} with the status
 * of the code (engine/error.h). 5xx details are logged, not sent. Every error body is {"error": "..."}.
 *
 * Threads: handlers run on the server's worker threads, many at once; a request and its response belong to
 * one thread. Ownership: everything a pf_req accessor returns lives until the request completes. */
#ifndef PF_API_HTTP_H
#define PF_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "engine/error.h"
#include "storage/store.h"

typedef struct pf_req pf_req;
typedef struct pf_resp pf_resp;
typedef struct pf_server pf_server;

/* HTTP methods, as bits so a path's methods form a set (the Allow header). */
typedef enum pf_method {
    PF_GET = 1,
    PF_POST = 2,
    PF_PUT = 4,
    PF_PATCH = 8,
    PF_DELETE = 16,
} pf_method;

/* Who may call a route. The dispatcher decides; handlers never do. */
typedef enum pf_access {
    PF_ACCESS_PUBLIC,    /* anyone; a valid token still sets the principal (for rate-limit bypass, "liked") */
    PF_ACCESS_USER,      /* a session JWT of any active user (PATs refused) */
    PF_ACCESS_MODERATOR, /* a session JWT of a moderator or admin (PATs refused) */
    PF_ACCESS_ADMIN,     /* a session JWT of an admin, or a PAT holding route->scope (scope must be set) */
    PF_ACCESS_ADMIN_JWT, /* a session JWT of an admin only ("JWT only" in the API reference) */
} pf_access;

/* Which per-IP limiter a route counts against, besides the general one (see api/ratelimit.h). The general
 * limiter applies to every /api/ route except those marked AUTH, UPLOAD or NONE. */
typedef enum pf_limiter {
    PF_LIMIT_GENERAL,    /* general only */
    PF_LIMIT_AUTH,       /* auth limiter instead of general; never bypassed by role */
    PF_LIMIT_UPLOAD,     /* upload/checkout limiter instead of general */
    PF_LIMIT_QUOTE,      /* general + quote */
    PF_LIMIT_MODEL_FILE, /* general + model file */
    PF_LIMIT_NONE,       /* no limiter (non-API paths such as /robots.txt) */
} pf_limiter;

/* What body a route accepts. Bodies on PF_BODY_NONE routes are read and dropped (up to the JSON limit). */
typedef enum pf_body {
    PF_BODY_NONE,
    PF_BODY_JSON,      /* application/json; an empty body gives pf_req_json() == NULL */
    PF_BODY_MULTIPART, /* multipart/form-data, streamed: text fields collected, file parts to on_part */
} pf_body;

/* Default body limits. Multipart routes default to site.max_file_size_mb. */
#define PF_API_JSON_LIMIT ((size_t)1 << 20)
#define PF_API_FORM_TEXT_LIMIT ((size_t)64 << 10) /* all text fields of one multipart body together */

/* One part of a multipart body, as given to a route's on_part hook (not pf_part: engine/mesh.h has that name). */
typedef struct pf_form_part {
    const char *name;         /* form field name */
    const char *filename;     /* client file name (file parts only) */
    const char *content_type; /* part Content-Type, may be NULL */
    uint64_t offset;          /* offset of data within this part: 0 starts a new part */
} pf_form_part;

/* The one handler signature. */
typedef pf_err (*pf_handler)(pf_req *r, pf_resp *w);
/* Streaming hook for file parts of multipart bodies: called with consecutive pieces of each file part, in
 * order, before the handler runs. Returning an error stops reading and answers that error (e.g.
 * PF_E_TOO_LARGE, PF_E_FORMAT_UNKNOWN). Keep per-request state with pf_req_set_ctx. */
typedef pf_err (*pf_part_fn)(pf_req *r, const pf_form_part *part, const char *data, size_t len);

/* One route. Tables of these are listed in api/routes.c. */
typedef struct pf_route {
    pf_method method;    /* exactly one method */
    const char *pattern; /* "/api/catalog/:id": literal segments and :name parameters */
    pf_handler handler;  /* runs after every dispatcher check passed */
    pf_access access;    /* who may call it */
    const char *scope;   /* PAT scope for PF_ACCESS_ADMIN, e.g. "orders:read"; NULL otherwise */
    pf_limiter limiter;  /* rate limiter(s) */
    pf_body body;        /* accepted body */
    size_t max_body;     /* byte limit; 0 = the default for the body kind */
    pf_part_fn on_part;  /* PF_BODY_MULTIPART only: file part sink (NULL = file parts refused with 422) */
} pf_route;

/* Roles, ordered by privilege. */
typedef enum pf_role {
    PF_ROLE_NONE,
    PF_ROLE_USER,
    PF_ROLE_MODERATOR,
    PF_ROLE_ADMIN,
} pf_role;

/* How the request authenticated. */
typedef enum pf_auth_kind {
    PF_AUTH_NONE, /* anonymous */
    PF_AUTH_JWT,  /* session JWT; user holds the account as stored now */
    PF_AUTH_PAT,  /* personal access token; pat holds the token record */
} pf_auth_kind;

/* The authenticated caller. The role comes from the stored user at request time, not from the token, so a
 * demotion takes effect at once. */
typedef struct pf_principal {
    pf_auth_kind kind; /* how it authenticated */
    pf_role role;      /* the user's role (PF_ROLE_NONE for anonymous and PATs) */
    pf_user user;      /* PF_AUTH_JWT: the user record (zeroed otherwise) */
    pf_pat pat;        /* PF_AUTH_PAT: the token record (zeroed otherwise) */
} pf_principal;

/* ---- request ---- */

/* Path parameter of the matched pattern (":id" -> "id"), percent-decoded; NULL if the pattern has none. */
const char *pf_req_param(const pf_req *r, const char *name);
/* Path parameter as a positive decimal id. PF_E_NOT_FOUND (not a valid id: no such resource) otherwise. */
pf_err pf_req_param_id(pf_req *r, const char *name, uint64_t *out);
/* Query string argument, NULL if absent. */
const char *pf_req_query(const pf_req *r, const char *name);
/* Query argument as a whole decimal number in [lo, hi], def when absent or empty. PF_E_INVALID_FIELD ("name: a whole
 * number from lo to hi" in pf_req_eb) otherwise; *out is set only on success. */
pf_err pf_req_query_uint(pf_req *r, const char *name, uint64_t lo, uint64_t hi, uint64_t def, uint64_t *out);
/* Request header (case-insensitive name), NULL if absent. */
const char *pf_req_header(const pf_req *r, const char *name);
/* The parsed JSON body (always an object), NULL when the body was empty or the route takes none. */
const cJSON *pf_req_json(const pf_req *r);
/* A text field of a multipart body, NULL if absent. */
const char *pf_req_form(const pf_req *r, const char *name);
/* The caller (kind PF_AUTH_NONE when anonymous). */
const pf_principal *pf_req_principal(const pf_req *r);
/* The route that matched. */
const pf_route *pf_req_route(const pf_req *r);
/* Method and path as received ("GET", "/api/health"). */
const char *pf_req_method(const pf_req *r);
const char *pf_req_path(const pf_req *r);
/* Client IP address as text. */
const char *pf_req_ip(const pf_req *r);
/* The server, its store, and the settings snapshot this request sees (consistent for the whole request). */
pf_server *pf_req_server(const pf_req *r);
pf_store *pf_req_store(const pf_req *r);
/* A setting from the snapshot, or def when unset. Borrowed until the request completes. */
const char *pf_req_setting(const pf_req *r, const char *key, const char *def);
/* Where handlers put error details (see the errors note at the top). */
pf_errbuf *pf_req_eb(pf_req *r);
/* Per-request state for multipart hooks and handlers; free_fn (may be NULL) runs when the request ends. */
void pf_req_set_ctx(pf_req *r, void *ctx, void (*free_fn)(void *));
void *pf_req_ctx(const pf_req *r);

/* JSON body field helpers: PF_E_INVALID_FIELD (422) with "<name>: <why>" in pf_req_eb when the field is
 * missing (required) or has the wrong type; when optional and absent they return PF_E_OK and leave *out. */
pf_err pf_req_json_string(pf_req *r, const char *name, bool required, const char **out);
pf_err pf_req_json_number(pf_req *r, const char *name, bool required, double *out);
pf_err pf_req_json_bool(pf_req *r, const char *name, bool required, bool *out);

/* ---- response ---- */

/* JSON response; takes ownership of body (also on failure). */
pf_err pf_resp_json(pf_resp *w, int status, cJSON *body);
/* True when JSON answers are packed as msgpack (the client Accepts it): a handler with a pf_jw writer
 * (api/json_write.h) then builds a tree (PF_JW_TREE) rather than text. */
bool pf_resp_msgpack(const pf_resp *w);
/* JSON response from a writer of either sink (text is sent as it is, or packed when pf_resp_msgpack); the
 * writer is cleared, also on failure. Errors: the writer's (PF_E_NOMEM, PF_E_INVAL). */
typedef struct pf_jw pf_jw;
pf_err pf_resp_jw(pf_resp *w, int status, pf_jw *jw);
/* Response from a copy of len bytes. */
pf_err pf_resp_bytes(pf_resp *w, int status, const char *content_type, const void *data, size_t len);
/* {"error": message} with status. */
pf_err pf_resp_error(pf_resp *w, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Adds a header (name and value copied). */
pf_err pf_resp_header(pf_resp *w, const char *name, const char *value);
/* Streamed response: read(ctx, pos, buf, max) returns bytes written (0 < n <= max), -1 at the end, -2 on
 * error (the connection is closed); size is the total or -1 if unknown. free_fn(ctx) runs when done. */
typedef ssize_t (*pf_resp_read_fn)(void *ctx, uint64_t pos, char *buf, size_t max);
pf_err pf_resp_stream(pf_resp *w, int status, const char *content_type, int64_t size, pf_resp_read_fn read,
                      void *ctx, void (*free_fn)(void *));

/* Name of a method bit ("GET"), NULL for anything else. */
const char *pf_method_name(pf_method m);

#endif
