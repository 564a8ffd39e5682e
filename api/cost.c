/* cost-engine administration: cost settings, price preview, settings with history. */
#include "api/routes.h"

const pf_route_table pf_api_cost_routes = {NULL, 0};
