/* POST /api/quote (numeric fast model or session_id; JSON or msgpack). */
#include "api/routes.h"

const pf_route_table pf_api_quote_routes = {NULL, 0};
