/* POST /api/checkout, /api/cart-checkout; admin coupons. */
#include "api/routes.h"

const pf_route_table pf_api_checkout_routes = {NULL, 0};
