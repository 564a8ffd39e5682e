/* PrintForge's one error type: every code, its message and the HTTP status it maps to, from one X-macro list. */
#ifndef PF_ERROR_H
#define PF_ERROR_H

#include <stddef.h>

/* X(name, http_status, message). Add new codes at the end of their group; names are stable API strings. */
#define PF_ERRNO_MAP(X)                                                                                     \
    X(OK, 200, "success")                                                                                   \
    X(NOMEM, 500, "out of memory")                                                                          \
    X(IO, 500, "input/output error")                                                                        \
    X(INVAL, 400, "invalid argument")                                                                       \
    X(NOT_FOUND, 404, "not found")                                                                          \
    X(TOO_LARGE, 413, "input larger than the configured limit")                                             \
    X(FORMAT_UNKNOWN, 415, "unrecognised file format")                                                      \
    X(TRUNCATED, 422, "file is truncated")                                                                  \
    X(PARSE, 422, "malformed file")                                                                         \
    X(BAD_NUMBER, 422, "non-finite or malformed number")                                                    \
    X(BAD_INDEX, 422, "index out of range")                                                                 \
    X(EMPTY_MESH, 422, "nothing to print")                                                                  \
    X(TOO_MANY_TRIANGLES, 413, "triangle count over the configured limit")                                  \
    X(ZIP, 422, "malformed ZIP container")                                                                  \
    X(ZIP_BOMB, 413, "compressed entry inflates beyond the configured limits")                              \
    X(XML, 422, "malformed XML")                                                                            \
    X(XML_DTD, 422, "XML with a DTD or entity declarations is refused")                                     \
    X(UNSUPPORTED_EXTENSION, 422, "3MF requires an extension PrintForge does not support")                  \
    X(CYCLE, 422, "component references form a cycle or nest too deeply")                                   \
    X(UNSUPPORTED, 422, "unsupported feature")                                                              \
    X(DEVICE, 503, "compute device unavailable or failed")                                                  \
    X(STORAGE, 500, "storage error")                                                                        \
    X(CONFLICT, 409, "conflict")                                                                            \
    X(UNAUTHORIZED, 401, "authentication required")                                                         \
    X(FORBIDDEN, 403, "forbidden")                                                                          \
    X(RATE_LIMITED, 429, "too many requests")                                                               \
    X(METHOD_NOT_ALLOWED, 405, "method not allowed")                                                        \
    X(UNSUPPORTED_MEDIA_TYPE, 415, "unsupported content type")                                              \
    X(INVALID_FIELD, 422, "invalid field")

typedef enum pf_err {
#define PF__ERR_ENUM(name, status, msg) PF_E_##name,
    PF_ERRNO_MAP(PF__ERR_ENUM)
#undef PF__ERR_ENUM
    PF_E__COUNT
} pf_err;

/* Human detail for one failure (position, offending value), filled by the failing function. */
typedef struct pf_errbuf {
    char msg[256];
} pf_errbuf;

/* The stable name of a code, e.g. "TRUNCATED". Never NULL. */
const char *pf_err_name(pf_err e);
/* The default message of a code. Never NULL. */
const char *pf_err_message(pf_err e);
/* The HTTP status a code maps to. */
int pf_err_http_status(pf_err e);
/* Formats detail into eb (which may be NULL) and returns e, so callers can write `return pf_errf(...)`. */
pf_err pf_errf(pf_errbuf *eb, pf_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
