/* The list of route tables the server serves, in match order. */
#include "api/routes.h"

const pf_route_table *const *pf_api_route_tables(void)
{
    static const pf_route_table *const tables[] = {
        &pf_api_public_routes,
        NULL,
    };
    return tables;
}
