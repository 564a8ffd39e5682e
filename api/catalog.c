/* public lists and admin/moderator CRUD of materials, printer types, categories. */
#include "api/routes.h"

const pf_route_table pf_api_catalog_routes = {NULL, 0};
