/* Outgoing email: SMTP through libcurl (STARTTLS by default, implicit TLS or plain for a local relay, login
 * with user and password), or the "disabled" driver that writes each email to a console stream instead.
 *
 * Settings (read by pf_mailer_config_from): site.email_driver ("disabled" default, "smtp" or "ses": both are
 * SMTP), email.smtp_host, email.smtp_port (587), email.smtp_user, email.smtp_password, email.from,
 * email.smtp_security ("starttls" default, "tls", "none").
 *
 * Errors: PF_E_INVALID_FIELD (an address or subject with CR/LF or otherwise unusable: header injection is
 * refused), PF_E_INVAL (SMTP driver without host or sender), PF_E_IO (delivery failed; libcurl's reason in
 * eb), PF_E_NOMEM. Thread-safe: each send uses its own curl handle; console lines are written under the
 * stream's lock and flushed. */
#ifndef PF_API_MAILER_H
#define PF_API_MAILER_H

#include <stdbool.h>
#include <stdio.h>

#include "api/http.h"

typedef struct pf_mailer_config {
    const char *driver;   /* "disabled", "smtp", "ses" */
    const char *host;     /* SMTP host */
    unsigned port;        /* SMTP port */
    const char *user;     /* login user, "" = no login */
    const char *password; /* login password */
    const char *from;     /* envelope and header sender */
    const char *security; /* "starttls", "tls", "none" */
    FILE *console;        /* disabled driver's stream */
} pf_mailer_config;

/* The configuration from the request's settings snapshot (strings borrowed from it). */
void pf_mailer_config_from(pf_req *r, pf_mailer_config *out);
/* Sends one plain-text email. */
pf_err pf_mailer_send(const pf_mailer_config *c, const char *to, const char *subject, const char *body,
                      pf_errbuf *eb);

#endif
