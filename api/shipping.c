/* PIN code lookup, admin shipping partners. */
#include "api/routes.h"

const pf_route_table pf_api_shipping_routes = {NULL, 0};
