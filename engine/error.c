/* Names, messages and HTTP statuses of pf_err, generated from PF_ERRNO_MAP. */
#include "engine/error.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *name;
    const char *msg;
    int status;
} pf__errs[] = {
#define PF__ERR_ROW(name, status, msg) {#name, msg, status},
    PF_ERRNO_MAP(PF__ERR_ROW)
#undef PF__ERR_ROW
};

const char *pf_err_name(pf_err e)
{
    return (unsigned)e < PF_E__COUNT ? pf__errs[e].name : "UNKNOWN";
}

const char *pf_err_message(pf_err e)
{
    return (unsigned)e < PF_E__COUNT ? pf__errs[e].msg : "unknown error";
}

int pf_err_http_status(pf_err e)
{
    return (unsigned)e < PF_E__COUNT ? pf__errs[e].status : 500;
}

pf_err pf_errf(pf_errbuf *eb, pf_err e, const char *fmt, ...)
{
    if (eb) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
        va_end(ap);
    }
    return e;
}
