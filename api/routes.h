/* The route table: every module's routes, listed once in api/routes.c, in the order they are matched. */
#ifndef PF_API_ROUTES_H
#define PF_API_ROUTES_H

#include <stddef.h>

#include "api/http.h"

/* One module's routes. */
typedef struct pf_route_table {
    const pf_route *routes; /* rows */
    size_t n;               /* row count */
} pf_route_table;

/* All tables (NULL-terminated list), static. To add a module: define its rows in api/<module>.c, declare the
 * table here, and list it in api/routes.c. */
const pf_route_table *const *pf_api_route_tables(void);

/* The dispatcher's access decision for a route and caller: PF_E_OK, PF_E_UNAUTHORIZED (no credentials) or
 * PF_E_FORBIDDEN (wrong role, token type or missing PAT scope), with the reason in eb. Pure. */
pf_err pf_api_access_decide(const pf_route *rt, const pf_principal *p, pf_errbuf *eb);
/* "user" / "moderator" / "admin" -> role; anything else PF_ROLE_NONE. */
pf_role pf_api_role_parse(const char *s);

/* Module tables. */
extern const pf_route_table pf_api_public_routes; /* api/public.c: health, site info, robots, rate limiter */
extern const pf_route_table pf_api_auth_routes;   /* api/auth.c: register, login, 2FA, verification, reset */
extern const pf_route_table pf_api_user_routes;   /* api/user.c: profile, password, email change, addresses */
extern const pf_route_table pf_api_token_routes;  /* api/tokens.c: admin PAT management and PAT logs */
extern const pf_route_table pf_api_mail_routes;   /* api/mailer.c: admin test email */

#endif
