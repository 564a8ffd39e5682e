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
        NULL,
    };
    return tables;
}
