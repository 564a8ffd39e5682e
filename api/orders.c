/* tracking, the user's orders, admin and moderator order fulfilment. */
#include "api/routes.h"

const pf_route_table pf_api_order_routes = {NULL, 0};
