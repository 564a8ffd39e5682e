/* Printer ranking for an order (see assign.h). */
#include "api/assign.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/order_geom.h"
#include "engine/shipping.h"

#define CHUNK 256 /* records per store list call */

static const char *const open_statuses[] = {"pending", "confirmed", "printing", "post_processing"};

bool pf_assign_status_open(const char *status)
{
    for (size_t i = 0; status && i < sizeof open_statuses / sizeof *open_statuses; i++)
        if (!strcmp(status, open_statuses[i])) return true;
    return false;
}

double pf_assign_pin_distance(const char *a, const char *b)
{
    pf_pin_info x, y;
    pf_errbuf ignore;
    if (!a || !b || pf_pin_lookup(a, &x, &ignore) || pf_pin_lookup(b, &y, &ignore)) return -1;
    if (!strncmp(a, b, 3)) return 0;
    const double rad = 3.14159265358979323846 / 180.0;
    double dlat = (y.lat - x.lat) * rad, dlon = (y.lon - x.lon) * rad;
    double h =
        sin(dlat / 2) * sin(dlat / 2) + cos(x.lat * rad) * cos(y.lat * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * 6371.0 * asin(fmin(1.0, sqrt(h)));
}

static int pin_prefix(const char *a, const char *b)
{
    int n = 0;
    while (a && b && n < 6 && isdigit((unsigned char)a[n]) && a[n] == b[n])
        n++;
    return n;
}

bool pf_assign_has_material(const pf_printer *p, const char *material)
{
    for (size_t i = 0; material && i < p->materials.n; i++)
        if (!strcasecmp(p->materials.v[i], material)) return true;
    return false;
}

static int cmp_cand(const void *a, const void *b)
{
    const pf_assign_cand *x = a, *y = b;
    if (x->compatible != y->compatible) return x->compatible ? -1 : 1;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->load != y->load) return x->load < y->load ? -1 : 1;
    return x->p.id < y->p.id ? -1 : x->p.id > y->p.id;
}

/* Appends every printer to *c. */
static pf_err list_printers(pf_store *st, pf_txn *t, pf_assign_cand **c, size_t *n, pf_errbuf *eb)
{
    size_t cap = 0;
    uint64_t before = 0;
    do {
        pf_printer *arr = NULL;
        size_t got = 0;
        pf_err err = pf_store_printer_list(st, t, before, CHUNK, &arr, &got, &before, eb);
        if (err) return err;
        if (*n + got > cap) {
            size_t nc = cap + got + 16;
            pf_assign_cand *g = realloc(*c, nc * sizeof *g);
            if (!g) {
                pf_printer_list_free(arr, got);
                return pf_errf(eb, PF_E_NOMEM, "printer ranking");
            }
            *c = g, cap = nc;
        }
        for (size_t i = 0; i < got; i++)
            (*c)[(*n)++] = (pf_assign_cand){.p = arr[i]}; /* takes the strings */
        free(arr);
    } while (before);
    return PF_E_OK;
}

/* Open orders on printer id, the order `skip` left out. */
static pf_err count_load(pf_store *st, pf_txn *t, uint64_t id, uint64_t skip, uint64_t *load, pf_errbuf *eb)
{
    uint64_t before = 0, sum = 0;
    do {
        pf_order *arr = NULL;
        size_t got = 0;
        pf_err err = pf_store_order_list_by_printer(st, t, id, before, CHUNK, &arr, &got, &before, eb);
        if (err) return err;
        for (size_t k = 0; k < got; k++)
            sum += arr[k].id != skip && pf_assign_status_open(arr[k].status);
        pf_order_list_free(arr, got);
    } while (before);
    *load = sum;
    return PF_E_OK;
}

pf_err pf_assign_rank(pf_store *st, pf_txn *t, const pf_assign_part *part, pf_assign_cand **out, size_t *n,
                      pf_errbuf *eb)
{
    pf_assign_cand *c = NULL;
    size_t m = 0;
    pf_err err = list_printers(st, t, &c, &m, eb);
    for (size_t i = 0; i < m && !err; i++) {
        pf_assign_cand *x = &c[i];
        if ((err = count_load(st, t, x->p.id, part->order_id, &x->load, eb))) break;
        double bed[3] = {x->p.bed_x_mm, x->p.bed_y_mm, x->p.bed_z_mm};
        x->material_ok = pf_assign_has_material(&x->p, part->material);
        x->fit = part->known ? pf_order_geom_fit(part->dims, bed) : -1;
        x->compatible = x->p.is_active && x->material_ok && x->fit != 0;
        x->prefix = pin_prefix(x->p.pincode, part->dest_pin);
        x->distance_km = pf_assign_pin_distance(x->p.pincode, part->dest_pin);
        /* 100 in the same district, half at 250 km; by shared PIN digits when a PIN is not in the table. */
        x->proximity = x->distance_km >= 0 ? 100.0 / (1.0 + x->distance_km / 250.0) : 100.0 * x->prefix / 6.0;
        /* Four open orders halve a printer's appeal: a queue matters, but less than shipping distance. */
        x->load_score = 100.0 / (1.0 + (double)x->load / 4.0);
        /* Proximity decides shipping cost and time; load breaks near-ties. */
        x->score = x->compatible ? round(10.0 * (0.6 * x->proximity + 0.4 * x->load_score)) / 10.0 : 0;
    }
    if (err) {
        pf_assign_free(c, m);
        return err;
    }
    if (m) qsort(c, m, sizeof *c, cmp_cand);
    *out = c;
    *n = m;
    return PF_E_OK;
}

void pf_assign_free(pf_assign_cand *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++)
        pf_printer_clear(&c[i].p);
    free(c);
}
