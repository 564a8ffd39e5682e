/* POST /api/upload-for-cart (streamed multipart, analysis, estimate, session). */
#include "api/routes.h"

const pf_route_table pf_api_upload_routes = {NULL, 0};
