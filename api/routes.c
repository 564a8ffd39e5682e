/* The list of route tables the server serves, in match order. */
#include "api/routes.h"

const pf_route_table *const *pf_api_route_tables(void)
{
    static const pf_route_table *const tables[] = {
        &pf_api_public_routes, /* health, site info */
        &pf_api_auth_routes,   /* /api/auth */
        &pf_api_user_routes,   /* /api/user (account part) */
        &pf_api_token_routes,  /* /api/admin/tokens */
        &pf_api_mail_routes,   /* /api/admin/test-email */
        &pf_api_quote_routes,
        &pf_api_upload_routes,
        &pf_api_checkout_routes,
        &pf_api_invoice_routes,
        &pf_api_order_routes,
        &pf_api_catalog_routes,
        &pf_api_cost_routes,
        &pf_api_contact_routes,
        &pf_api_shipping_routes,
        NULL,
    };
    return tables;
}
