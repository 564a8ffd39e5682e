/* contact form with per-user daily limits, admin/moderator inquiries. */
#include "api/routes.h"

const pf_route_table pf_api_contact_routes = {NULL, 0};
