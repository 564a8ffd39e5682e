/* GST tax invoices (PDF) for an order and a group. */
#include "api/routes.h"

const pf_route_table pf_api_invoice_routes = {NULL, 0};
