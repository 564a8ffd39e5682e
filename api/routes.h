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
extern const pf_route_table pf_api_quote_routes; /* api/quote.c: POST /api/quote (numeric fast model or session_id; JSON or msgpack) */
extern const pf_route_table pf_api_upload_routes; /* api/upload.c: POST /api/upload-for-cart (streamed multipart, analysis, estimate, session) */
extern const pf_route_table pf_api_checkout_routes; /* api/checkout.c: POST /api/checkout, /api/cart-checkout; admin coupons */
extern const pf_route_table pf_api_invoice_routes; /* api/invoice.c: GST tax invoices (PDF) for an order and a group */
extern const pf_route_table pf_api_order_routes; /* api/orders.c: tracking, the user's orders, admin and moderator order fulfilment */
extern const pf_route_table pf_api_catalog_routes; /* api/catalog.c: public lists and admin/moderator CRUD of materials, printer types, categories */
extern const pf_route_table pf_api_cost_routes; /* api/cost.c: cost-engine administration: cost settings, price preview, settings with history */
extern const pf_route_table pf_api_contact_routes; /* api/contact.c: contact form with per-user daily limits, admin/moderator inquiries */
extern const pf_route_table pf_api_shipping_routes; /* api/shipping.c: PIN code lookup, admin shipping partners */

#endif
