/* The PrintForge HTTP server: libmicrohttpd with a thread pool, the route table of api/routes.c, the
 * dispatcher (access, limits, CORS, security headers, body parsing) and one access-log line per request.
 *
 * Threads: pf_server_start returns once the daemon listens; requests run on MHD's worker threads. Stop from
 * one thread. Errors: PF_E_IO (cannot listen, cannot read/create the JWT key), PF_E_NOMEM, PF_E_INVAL (a
 * route table entry is malformed: the message names it). */
#ifndef PF_API_SERVER_H
#define PF_API_SERVER_H

#include <stdint.h>
#include <stdio.h>

#include "api/http.h"
#include "api/jwt.h"
#include "storage/store.h"

typedef struct pf_server_options {
    const char *bind;         /* IPv4 or IPv6 address to listen on (default "127.0.0.1") */
    uint16_t port;            /* 0 = any free port (read it back with pf_server_port) */
    unsigned threads;         /* worker threads; 0 = online cores */
    const char *data_dir;     /* where the JWT key file lives (the store's directory) */
    FILE *access_log;         /* one line per request; NULL = none */
    unsigned settings_ttl_ms; /* how often settings changed by another process are noticed (default 1000) */
    FILE *mail_log;           /* where emails go while site.email_driver is "disabled" (default stderr) */
    unsigned long long pw_opslimit; /* argon2id cost of new password hashes (0 = libsodium INTERACTIVE) */
    size_t pw_memlimit;             /* argon2id memory of new password hashes (0 = libsodium INTERACTIVE) */
} pf_server_options;

/* Starts serving st (borrowed: keep it open until pf_server_stop returned). */
pf_err pf_server_start(const pf_server_options *opt, pf_store *st, pf_server **out, pf_errbuf *eb);
/* The port actually bound. */
uint16_t pf_server_port(const pf_server *s);
/* Graceful stop: stops accepting, lets requests in flight finish (up to grace_ms), then closes every
 * connection and frees the server. Accepts NULL. */
void pf_server_stop(pf_server *s, unsigned grace_ms);
/* Makes the next request re-read the settings (handlers call it after changing settings). */
void pf_server_settings_changed(pf_server *s);
/* The JWT signing key (for the handlers that issue tokens). */
const pf_jwt_key *pf_server_jwt_key(const pf_server *s);
/* The console stream for emails in "disabled" mode. */
FILE *pf_server_mail_log(const pf_server *s);
/* argon2id parameters for hashing new passwords. */
void pf_server_pw_limits(const pf_server *s, unsigned long long *opslimit, size_t *memlimit);

#endif
