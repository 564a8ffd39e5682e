/* Public lists and admin/moderator CRUD of materials, printer types and categories.
 *
 * Public: GET /api/materials (active materials: name, display name, density, colors with their preview hex;
 * the cost per kg stays out of the public answer), GET /api/printer-types (active printers: name, brand, bed
 * size, nozzle and the active materials they print; no address, wattage or notes), GET /api/categories
 * (ordered by display_order, then id).
 *
 * Staff: /api/admin/{materials,printer-types,categories} (GET: scope catalog:read; writes: admin session JWT
 * only), the moderator twins /api/mod/{materials,printer-types} (read and write) and GET /api/mod/categories
 * share the same handlers. Staff lists hold inactive entries too, with every field.
 *
 * Writes: POST creates (required fields below, defaults for the rest). PUT /:id is a PARTIAL update: only the
 * fields present in the body change (null counts as absent), the others keep their stored values. Unknown
 * JSON fields are ignored. Every check answers 422 "<field>: <why>"; an unknown id 404; a name clash 409.
 * Names are unique ignoring ASCII case ("pla" clashes with "PLA") but stored as given (trimmed): the store
 * indexes names byte for byte and the seeded names are mixed case ("Nylon"), so uniqueness is checked by a
 * scan inside the write transaction, which writers run one at a time.
 *
 * Materials: name (required, 1-40 characters), display_name (default: name), density_g_cm3 (required,
 * 0.5-3), cost_per_kg (required, 0-100000 INR, kept to the paisa), colors (required: a non-empty list of
 * {name, hex "#RRGGBB"} or of names, which get the palette's hex or a neutral grey), notes, is_active
 * (default true). Renaming a material renames it in every printer's material list, and deleting one removes
 * it from them, in the same transaction; orders keep the name they were placed with.
 *
 * Printer types: name (required), materials (required: names of existing materials in any case, stored as the
 * material's name; a JSON array or a comma-separated string), bed_x_mm, bed_y_mm, bed_z_mm (required,
 * 1-2000), nozzle_mm 0.1-2, wattage_w 1-5000, print_speed_cm3_hr 0.1-1000 (these three default to the
 * built-in printer's), brand, printer_pincode (a 6-digit Indian PIN, "" for none), printer_address, notes,
 * is_active (default true). DELETE answers 409 while orders are assigned to the printer (deactivate it).
 *
 * Categories: name (required, 1-100), icon, description, display_order (integer, default 0). DELETE answers
 * 409 while models are assigned to it.
 *
 * Quotes and checkout read materials and printers from the store per request, so a change applies to the
 * next quote without a restart. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/routes.h"
#include "engine/material.h"

#define EB(r) pf_req_eb(r)
#define PAGE 256         /* records per store list call */
#define MAX_COLORS 64    /* colors per material */
#define MAX_MATERIALS 64 /* materials per printer */
#define DEFAULT_HEX "#9E9E9E"

/* ---- small helpers ---- */

/* The number of characters (code points) of s when it is valid UTF-8 without control characters (tab and
 * line breaks allowed only when multiline), else -1. */
static long text_chars(const char *s, bool multiline)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        unsigned char c = *p;
        if (c < 0x80) {
            if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f) return -1;
            p++;
            continue;
        }
        int len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (!len) return -1;
        uint32_t cp = c & (0x7f >> len);
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80) return -1;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        /* overlong 3/4-byte forms, surrogates, beyond U+10FFFF */
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        p += len;
    }
    return n;
}

/* A malloc'd copy of s without leading and trailing ASCII white space, NULL on NOMEM. */
static char *trimmed_dup(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return strndup(s, n);
}

/* Replaces *dst with a copy of src (NULL stays NULL). */
static pf_err str_set(char **dst, const char *src)
{
    char *c = NULL;
    if (src && !(c = strdup(src))) return PF_E_NOMEM;
    free(*dst);
    *dst = c;
    return PF_E_OK;
}

static void strv_free(pf_strv *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->v[i]);
    free(v->v);
    *v = (pf_strv){0};
}

/* Replaces *dst with a deep copy of src. */
static pf_err strv_set(pf_strv *dst, const pf_strv *src)
{
    pf_strv c = {calloc(src->n ? src->n : 1, sizeof *c.v), 0};
    if (!c.v) return PF_E_NOMEM;
    for (; c.n < src->n; c.n++)
        if (!(c.v[c.n] = strdup(src->v[c.n]))) {
            strv_free(&c);
            return PF_E_NOMEM;
        }
    strv_free(dst);
    *dst = c;
    return PF_E_OK;
}

/* Appends a copy of s. v->v must have room (allocated for the maximum count). */
static pf_err strv_push(pf_strv *v, const char *s)
{
    if (!(v->v[v->n] = strdup(s))) return PF_E_NOMEM;
    v->n++;
    return PF_E_OK;
}

/* The body field name when present and not null. */
static const cJSON *field(pf_req *r, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), name);
    return v && !cJSON_IsNull(v) ? v : NULL;
}

/* Optional text field: when present (and not null) it must be a string of min..max bytes after trimming
 * (when trim) without control characters; *out gets a malloc'd copy and *given is set. */
static pf_err text_field(pf_req *r, const char *name, size_t min, size_t max, bool trim, bool multiline,
                         char **out, bool *given)
{
    const char *s = NULL;
    pf_err err = pf_req_json_string(r, name, false, &s);
    if (err || !s) return err;
    char *c = trim ? trimmed_dup(s) : strdup(s);
    if (!c) return PF_E_NOMEM;
    long n = text_chars(c, multiline);
    if (n < 0 || (size_t)n < min || (size_t)n > max) {
        free(c);
        return min ? pf_errf(EB(r), PF_E_INVALID_FIELD,
                             "%s: %zu to %zu characters of UTF-8 text, no control characters", name, min, max)
                   : pf_errf(EB(r), PF_E_INVALID_FIELD,
                             "%s: at most %zu characters of UTF-8 text, no control characters", name, max);
    }
    free(*out);
    *out = c;
    *given = true;
    return PF_E_OK;
}

/* Optional number field within [lo, hi]; *given set when present. */
static pf_err num_field(pf_req *r, const char *name, double lo, double hi, const char *unit, double *out,
                        bool *given)
{
    double v = 0;
    if (!field(r, name)) return PF_E_OK;
    pf_err err = pf_req_json_number(r, name, true, &v);
    if (err) return err;
    if (!(v >= lo && v <= hi))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be from %g to %g%s", name, lo, hi, unit);
    *out = v;
    *given = true;
    return PF_E_OK;
}

static pf_err bool_field(pf_req *r, const char *name, bool *out, bool *given)
{
    bool v = false;
    if (!field(r, name)) return PF_E_OK;
    pf_err err = pf_req_json_bool(r, name, true, &v);
    if (!err) *out = v, *given = true;
    return err;
}

static pf_err required(pf_req *r, bool given, const char *name)
{
    return given ? PF_E_OK : pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: required", name);
}

/* Every record of a kind, oldest first (ids ascending), as one array: load_<kind>(st, t, &arr, &n, eb). */
#define LOAD_ALL(k)                                                                                          \
    static pf_err load_##k(pf_store *st, pf_txn *t, pf_##k **out, size_t *n_out, pf_errbuf *eb)              \
    {                                                                                                        \
        pf_##k *all = NULL;                                                                                  \
        size_t n = 0;                                                                                        \
        uint64_t before = 0;                                                                                 \
        pf_err err = PF_E_OK;                                                                                \
        do {                                                                                                 \
            pf_##k *page = NULL;                                                                             \
            size_t pn = 0;                                                                                   \
            if ((err = pf_store_##k##_list(st, t, before, PAGE, &page, &pn, &before, eb))) break;            \
            pf_##k *g = pn ? realloc(all, (n + pn) * sizeof *all) : all;                                     \
            if (pn && !g) {                                                                                  \
                pf_##k##_list_free(page, pn);                                                                \
                err = PF_E_NOMEM;                                                                            \
                break;                                                                                       \
            }                                                                                                \
            all = g;                                                                                         \
            if (pn) memcpy(all + n, page, pn * sizeof *page);                                                \
            n += pn;                                                                                         \
            free(page); /* the records' strings moved into all */                                            \
        } while (before);                                                                                    \
        if (err) {                                                                                           \
            pf_##k##_list_free(all, n);                                                                      \
            return err;                                                                                      \
        }                                                                                                    \
        for (size_t i = 0; i < n / 2; i++) {                                                                 \
            pf_##k tmp = all[i];                                                                             \
            all[i] = all[n - 1 - i];                                                                         \
            all[n - 1 - i] = tmp;                                                                            \
        }                                                                                                    \
        *out = all;                                                                                          \
        *n_out = n;                                                                                          \
        return PF_E_OK;                                                                                      \
    }
LOAD_ALL(material)
LOAD_ALL(printer)
LOAD_ALL(category)
#undef LOAD_ALL

/* PF_E_CONFLICT when another record of the kind (id differs) has name, ignoring ASCII case:
 * name_taken_<kind>(st, t, id, name, what, eb). what names the kind in the message. */
#define NAME_TAKEN(k)                                                                                        \
    static pf_err name_taken_##k(pf_store *st, pf_txn *t, uint64_t id, const char *name, const char *what,   \
                                 pf_errbuf *eb)                                                              \
    {                                                                                                        \
        pf_##k *all = NULL;                                                                                  \
        size_t n = 0;                                                                                        \
        pf_err err = load_##k(st, t, &all, &n, eb);                                                          \
        for (size_t i = 0; i < n && !err; i++)                                                               \
            if (all[i].id != id && all[i].name && !strcasecmp(all[i].name, name))                            \
                err = pf_errf(eb, PF_E_CONFLICT, "name: a %s named \"%.60s\" already exists", what,          \
                              all[i].name);                                                                  \
        pf_##k##_list_free(all, n);                                                                          \
        return err;                                                                                          \
    }
NAME_TAKEN(material)
NAME_TAKEN(printer)
NAME_TAKEN(category)
#undef NAME_TAKEN

/* Responds {key: [items...]} from a built array (owned). */
static pf_err list_response(pf_resp *w, const char *key, cJSON *arr)
{
    cJSON *o = arr ? cJSON_CreateObject() : NULL;
    if (!o || !cJSON_AddItemToObject(o, key, arr)) {
        cJSON_Delete(o);
        cJSON_Delete(arr);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

static bool is_staff_path(pf_req *r)
{
    return pf_req_route(r)->access != PF_ACCESS_PUBLIC;
}

/* ---- materials ---- */

/* Preview colours for color names given without a hex: the built-in materials' palette first, then a few
 * common names; anything else gets DEFAULT_HEX. */
static const pf_color extra_colors[] = {
    {"Gray", "#8A8D91"}, {"Silver", "#C0C0C0"}, {"Gold", "#D4AF37"},        {"Purple", "#6A1B9A"},
    {"Pink", "#EC407A"}, {"Brown", "#6D4C41"},  {"Transparent", "#D8E6EA"}, {"Beige", "#E8DCC4"},
    {"Navy", "#1A237E"}, {"Cyan", "#00ACC1"},   {"Magenta", "#C2185B"},     {"Olive", "#6B8E23"},
};

static const char *default_hex(const char *name)
{
    for (size_t i = 0; i < pf_material_default_count(); i++) {
        const pf_material_def *d = pf_material_default_at(i);
        for (size_t c = 0; c < d->ncolors; c++)
            if (!strcasecmp(d->colors[c].name, name)) return d->colors[c].hex;
    }
    for (size_t i = 0; i < sizeof extra_colors / sizeof extra_colors[0]; i++)
        if (!strcasecmp(extra_colors[i].name, name)) return extra_colors[i].hex;
    return DEFAULT_HEX;
}

static bool hex_ok(const char *s)
{
    if (strlen(s) != 7 || s[0] != '#') return false;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

/* colors: a non-empty array of names or {name, hex} objects into names/hex (both allocated here). */
static pf_err parse_colors(pf_req *r, const cJSON *a, pf_strv *names, pf_strv *hex)
{
    int n = cJSON_GetArraySize(a);
    if (!cJSON_IsArray(a) || n < 1 || n > MAX_COLORS)
        return pf_errf(EB(r), PF_E_INVALID_FIELD,
                       "colors: must be a list of 1 to %d colors (names or {name, hex \"#RRGGBB\"})",
                       MAX_COLORS);
    if (!(names->v = calloc((size_t)n, sizeof *names->v)) || !(hex->v = calloc((size_t)n, sizeof *hex->v)))
        return PF_E_NOMEM;
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, a)
    {
        const cJSON *jn = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "name") : e;
        const cJSON *jh = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "hex") : NULL;
        if (!cJSON_IsString(jn))
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "colors[%d]: must be a name or {name, hex}", i);
        char *nm = trimmed_dup(jn->valuestring);
        if (!nm) return PF_E_NOMEM;
        names->v[names->n++] = nm;
        long nc = text_chars(nm, false);
        if (nc < 1 || nc > 40)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "colors[%d].name: 1 to 40 characters", i);
        for (size_t k = 0; k + 1 < names->n; k++)
            if (!strcasecmp(names->v[k], nm))
                return pf_errf(EB(r), PF_E_INVALID_FIELD, "colors[%d].name: \"%.60s\" is listed twice", i,
                               nm);
        const char *h;
        if (jh && !cJSON_IsNull(jh)) {
            if (!cJSON_IsString(jh) || !hex_ok(jh->valuestring))
                return pf_errf(EB(r), PF_E_INVALID_FIELD, "colors[%d].hex: must be \"#RRGGBB\"", i);
            h = jh->valuestring;
        } else {
            h = default_hex(nm);
        }
        char *hc = strdup(h);
        if (!hc) return PF_E_NOMEM;
        for (char *p = hc; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        hex->v[hex->n++] = hc;
        i++;
    }
    return PF_E_OK;
}

/* Which fields a material body gave. */
typedef struct mat_patch {
    pf_material v;                                            /* the given values */
    bool name, display, density, cost, colors, active, notes; /* which of v's fields were given */
} mat_patch;

static void mat_patch_clear(mat_patch *p)
{
    pf_material_clear(&p->v);
}

static pf_err parse_material(pf_req *r, bool create, mat_patch *p)
{
    pf_err err;
    if (!pf_req_json(r)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "body: a JSON object is required");
    if ((err = text_field(r, "name", 1, 40, true, false, &p->v.name, &p->name)) ||
        (err = text_field(r, "display_name", 1, 100, true, false, &p->v.display_name, &p->display)) ||
        (err = num_field(r, "density_g_cm3", 0.5, 3, " g/cm3", &p->v.density_g_cm3, &p->density)) ||
        (err = num_field(r, "cost_per_kg", 0, 100000, " INR", &p->v.cost_per_kg, &p->cost)) ||
        (err = text_field(r, "notes", 0, 1000, false, true, &p->v.notes, &p->notes)) ||
        (err = bool_field(r, "is_active", &p->v.is_active, &p->active)))
        return err;
    p->v.cost_per_kg = (double)llround(p->v.cost_per_kg * 100) / 100.0; /* to the paisa */
    const cJSON *c = field(r, "colors");
    if (c) {
        if ((err = parse_colors(r, c, &p->v.colors, &p->v.color_hex))) return err;
        p->colors = true;
    }
    if (create) {
        if ((err = required(r, p->name, "name")) || (err = required(r, p->density, "density_g_cm3")) ||
            (err = required(r, p->cost, "cost_per_kg")) || (err = required(r, p->colors, "colors")))
            return err;
        if (!p->display) {
            if ((err = str_set(&p->v.display_name, p->v.name))) return err;
            p->display = true;
        }
        if (!p->active) p->v.is_active = p->active = true;
        if (!p->notes) {
            if ((err = str_set(&p->v.notes, ""))) return err;
            p->notes = true;
        }
    }
    return PF_E_OK;
}

/* Replaces every occurrence of from (ignoring ASCII case, as names are unique that way) in a printer's
 * materials by to, or removes them when to is NULL. *changed tells whether the list changed. */
static pf_err printer_rename_material(pf_printer *pr, const char *from, const char *to, bool *changed)
{
    *changed = false;
    size_t k = 0;
    for (size_t i = 0; i < pr->materials.n; i++) {
        char *s = pr->materials.v[i];
        if (strcasecmp(s, from)) {
            pr->materials.v[k++] = s;
            continue;
        }
        *changed = true;
        if (!to) {
            free(s);
            continue;
        }
        char *c = strdup(to);
        if (!c) {
            pr->materials.v[k++] = s;
            for (size_t j = i + 1; j < pr->materials.n; j++)
                pr->materials.v[k++] = pr->materials.v[j];
            pr->materials.n = k;
            return PF_E_NOMEM;
        }
        free(s);
        pr->materials.v[k++] = c;
    }
    pr->materials.n = k;
    return PF_E_OK;
}

/* Renames (to != NULL) or removes a material name in every printer, inside t. */
static pf_err cascade_printers(pf_store *st, pf_txn *t, const char *from, const char *to, pf_errbuf *eb)
{
    pf_printer *ps = NULL;
    size_t n = 0;
    pf_err err = load_printer(st, t, &ps, &n, eb);
    for (size_t i = 0; i < n && !err; i++) {
        bool changed = false;
        if (!(err = printer_rename_material(&ps[i], from, to, &changed)) && changed)
            err = pf_store_printer_put(st, t, &ps[i], eb);
    }
    pf_printer_list_free(ps, n);
    return err;
}

/* A write of one material: create (id 0), update (patch) or delete. */
typedef struct mat_txn {
    pf_store *st;       /* store */
    uint64_t id;        /* 0 = create */
    const mat_patch *p; /* given fields (NULL for delete) */
    pf_material out;    /* the record as stored (create/update) */
} mat_txn;

static pf_err mat_save_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    mat_txn *x = c;
    const mat_patch *p = x->p;
    pf_material m = {0};
    char *old_name = NULL;
    pf_err err = PF_E_OK;
    pf_material_clear(&x->out);
    if (x->id) {
        if ((err = pf_store_material_get(x->st, t, x->id, &m, eb))) {
            if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "no such material");
            goto done;
        }
        if (m.name && !(old_name = strdup(m.name))) {
            err = PF_E_NOMEM;
            goto done;
        }
    }
    if ((p->name && (err = str_set(&m.name, p->v.name))) ||
        (p->display && (err = str_set(&m.display_name, p->v.display_name))) ||
        (p->notes && (err = str_set(&m.notes, p->v.notes))) ||
        (p->colors &&
         ((err = strv_set(&m.colors, &p->v.colors)) || (err = strv_set(&m.color_hex, &p->v.color_hex)))))
        goto done;
    if (p->density) m.density_g_cm3 = p->v.density_g_cm3;
    if (p->cost) m.cost_per_kg = p->v.cost_per_kg;
    if (p->active) m.is_active = p->v.is_active;
    if (p->name && (err = name_taken_material(x->st, t, x->id, m.name, "material", eb))) goto done;
    if ((err = pf_store_material_put(x->st, t, &m, eb))) {
        if (err == PF_E_CONFLICT)
            pf_errf(eb, err, "name: a material named \"%s\" already exists", m.name); /* byte-equal */
        goto done;
    }
    if (old_name && strcmp(old_name, m.name) && (err = cascade_printers(x->st, t, old_name, m.name, eb)))
        goto done;
    x->out = m;
    m = (pf_material){0};
done:
    free(old_name);
    pf_material_clear(&m);
    return err;
}

static pf_err mat_del_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    mat_txn *x = c;
    pf_material m = {0};
    pf_err err = pf_store_material_get(x->st, t, x->id, &m, eb);
    if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "no such material");
    if (!err) err = pf_store_material_del(x->st, t, x->id, eb);
    if (!err && m.name) err = cascade_printers(x->st, t, m.name, NULL, eb);
    pf_material_clear(&m);
    return err;
}

static cJSON *material_json(const pf_material *m, bool staff)
{
    cJSON *o = cJSON_CreateObject(), *cols = NULL;
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)m->id) &&
              cJSON_AddStringToObject(o, "name", m->name ? m->name : "") &&
              cJSON_AddStringToObject(o, "display_name", m->display_name ? m->display_name : "") &&
              cJSON_AddNumberToObject(o, "density_g_cm3", m->density_g_cm3) &&
              (cols = cJSON_AddArrayToObject(o, "colors"));
    for (size_t i = 0; ok && i < m->colors.n; i++) {
        cJSON *c = cJSON_CreateObject();
        ok = c && cJSON_AddItemToArray(cols, c) && cJSON_AddStringToObject(c, "name", m->colors.v[i]) &&
             cJSON_AddStringToObject(c, "hex", i < m->color_hex.n ? m->color_hex.v[i] : DEFAULT_HEX);
        if (!c) ok = false;
    }
    if (ok && staff)
        ok = cJSON_AddNumberToObject(o, "cost_per_kg", m->cost_per_kg) &&
             cJSON_AddBoolToObject(o, "is_active", m->is_active) &&
             cJSON_AddStringToObject(o, "notes", m->notes ? m->notes : "");
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static pf_err materials_list(pf_req *r, pf_resp *w)
{
    bool staff = is_staff_path(r);
    pf_material *all = NULL;
    size_t n = 0;
    pf_err err = load_material(pf_req_store(r), NULL, &all, &n, EB(r));
    if (err) return err;
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        if (!staff && !all[i].is_active) continue;
        cJSON *o = material_json(&all[i], staff);
        if (!o || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    pf_material_list_free(all, n);
    return list_response(w, "materials", a);
}

/* Create (id 0) or update of a material from the request body. */
static pf_err material_save(pf_req *r, pf_resp *w, uint64_t id)
{
    mat_patch p = {0};
    mat_txn x = {pf_req_store(r), id, &p, {0}};
    pf_err err = parse_material(r, id == 0, &p);
    if (!err) err = pf_store_write(x.st, mat_save_txn, &x, EB(r));
    if (!err) {
        cJSON *o = material_json(&x.out, true);
        err = o ? pf_resp_json(w, id ? 200 : 201, o) : PF_E_NOMEM;
    }
    pf_material_clear(&x.out);
    mat_patch_clear(&p);
    return err;
}

static pf_err material_create(pf_req *r, pf_resp *w)
{
    return material_save(r, w, 0);
}

static pf_err material_update(pf_req *r, pf_resp *w)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    return err ? err : material_save(r, w, id);
}

static pf_err material_delete(pf_req *r, pf_resp *w)
{
    (void)w;
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return err;
    mat_txn x = {pf_req_store(r), id, NULL, {0}};
    return pf_store_write(x.st, mat_del_txn, &x, EB(r)); /* 204 */
}

/* ---- printer types ---- */

typedef struct prn_patch {
    pf_printer v;                                                  /* the given values */
    bool name, brand, materials, bx, by, bz, nozzle, watts, speed; /* which of v's fields were given */
    bool pin, address, notes, active;                              /* which of v's fields were given */
} prn_patch;

/* materials: a JSON array of names or one comma-separated string; names trimmed, non-empty. */
static pf_err parse_printer_materials(pf_req *r, const cJSON *a, pf_strv *out)
{
    char *buf = NULL;
    pf_err err = PF_E_OK;
    if (cJSON_IsString(a)) {
        if (!(buf = strdup(a->valuestring))) return PF_E_NOMEM;
        if (!(out->v = calloc(MAX_MATERIALS, sizeof *out->v))) {
            err = PF_E_NOMEM;
            goto done;
        }
        char *save = NULL;
        for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *nm = trimmed_dup(tok);
            if (!nm) {
                err = PF_E_NOMEM;
                goto done;
            }
            if (!*nm) {
                free(nm);
                continue;
            }
            if (out->n == MAX_MATERIALS) {
                free(nm);
                err = pf_errf(EB(r), PF_E_INVALID_FIELD, "materials: at most %d", MAX_MATERIALS);
                goto done;
            }
            out->v[out->n++] = nm;
        }
    } else if (cJSON_IsArray(a)) {
        int n = cJSON_GetArraySize(a);
        if (n > MAX_MATERIALS) {
            err = pf_errf(EB(r), PF_E_INVALID_FIELD, "materials: at most %d", MAX_MATERIALS);
            goto done;
        }
        if (!(out->v = calloc(n ? (size_t)n : 1, sizeof *out->v))) {
            err = PF_E_NOMEM;
            goto done;
        }
        const cJSON *e;
        cJSON_ArrayForEach(e, a)
        {
            if (!cJSON_IsString(e)) {
                err = pf_errf(EB(r), PF_E_INVALID_FIELD, "materials: must be a list of material names");
                goto done;
            }
            char *nm = trimmed_dup(e->valuestring);
            if (!nm) {
                err = PF_E_NOMEM;
                goto done;
            }
            if (!*nm) {
                free(nm);
                err = pf_errf(EB(r), PF_E_INVALID_FIELD, "materials: a material name is empty");
                goto done;
            }
            out->v[out->n++] = nm;
        }
    } else {
        err = pf_errf(EB(r), PF_E_INVALID_FIELD, "materials: must be a list of material names");
        goto done;
    }
    if (!out->n) err = pf_errf(EB(r), PF_E_INVALID_FIELD, "materials: at least one material");
done:
    free(buf);
    return err;
}

static pf_err parse_printer(pf_req *r, bool create, prn_patch *p)
{
    pf_err err;
    if (!pf_req_json(r)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "body: a JSON object is required");
    if ((err = text_field(r, "name", 1, 100, true, false, &p->v.name, &p->name)) ||
        (err = text_field(r, "brand", 0, 100, true, false, &p->v.brand, &p->brand)) ||
        (err = num_field(r, "bed_x_mm", 1, 2000, " mm", &p->v.bed_x_mm, &p->bx)) ||
        (err = num_field(r, "bed_y_mm", 1, 2000, " mm", &p->v.bed_y_mm, &p->by)) ||
        (err = num_field(r, "bed_z_mm", 1, 2000, " mm", &p->v.bed_z_mm, &p->bz)) ||
        (err = num_field(r, "nozzle_mm", 0.1, 2, " mm", &p->v.nozzle_mm, &p->nozzle)) ||
        (err = num_field(r, "wattage_w", 1, 5000, " W", &p->v.wattage_w, &p->watts)) ||
        (err =
             num_field(r, "print_speed_cm3_hr", 0.1, 1000, " cm3/h", &p->v.print_speed_cm3_hr, &p->speed)) ||
        (err = text_field(r, "printer_pincode", 0, 20, true, false, &p->v.pincode, &p->pin)) ||
        (err = text_field(r, "printer_address", 0, 300, false, true, &p->v.address, &p->address)) ||
        (err = text_field(r, "notes", 0, 1000, false, true, &p->v.notes, &p->notes)) ||
        (err = bool_field(r, "is_active", &p->v.is_active, &p->active)))
        return err;
    if (p->pin && *p->v.pincode) {
        const char *s = p->v.pincode;
        bool ok = strlen(s) == 6 && s[0] >= '1' && s[0] <= '9';
        for (int i = 1; ok && i < 6; i++)
            ok = isdigit((unsigned char)s[i]);
        if (!ok)
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "printer_pincode: a 6-digit PIN code (e.g. 560001)");
    }
    const cJSON *m = field(r, "materials");
    if (m) {
        if ((err = parse_printer_materials(r, m, &p->v.materials))) return err;
        p->materials = true;
    }
    if (create) {
        const pf_printer_type *d = pf_printer_default();
        if ((err = required(r, p->name, "name")) || (err = required(r, p->materials, "materials")) ||
            (err = required(r, p->bx, "bed_x_mm")) || (err = required(r, p->by, "bed_y_mm")) ||
            (err = required(r, p->bz, "bed_z_mm")))
            return err;
        if (!p->nozzle) p->v.nozzle_mm = d->nozzle_mm, p->nozzle = true;
        if (!p->watts) p->v.wattage_w = d->wattage_w, p->watts = true;
        if (!p->speed) p->v.print_speed_cm3_hr = d->print_speed_cm3_hr, p->speed = true;
        if (!p->active) p->v.is_active = p->active = true;
        if ((!p->brand && (err = str_set(&p->v.brand, ""))) ||
            (!p->pin && (err = str_set(&p->v.pincode, ""))) ||
            (!p->address && (err = str_set(&p->v.address, ""))) ||
            (!p->notes && (err = str_set(&p->v.notes, ""))))
            return err;
        p->brand = p->pin = p->address = p->notes = true;
    }
    return PF_E_OK;
}

/* Resolves the given material names against the stored materials (ignoring case) into their stored names,
 * dropping duplicates. 422 for an unknown name. */
static pf_err resolve_materials(pf_store *st, pf_txn *t, const pf_strv *given, pf_strv *out, pf_errbuf *eb)
{
    pf_material *all = NULL;
    size_t n = 0;
    pf_strv res = {0};
    pf_err err = load_material(st, t, &all, &n, eb);
    if (err) return err;
    if (!(res.v = calloc(given->n ? given->n : 1, sizeof *res.v))) {
        err = PF_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < given->n; i++) {
        size_t k = 0;
        while (k < n && !(all[k].name && !strcasecmp(all[k].name, given->v[i])))
            k++;
        if (k == n) {
            err = pf_errf(eb, PF_E_INVALID_FIELD, "materials: no material named \"%.60s\"", given->v[i]);
            goto done;
        }
        bool dup = false;
        for (size_t j = 0; j < res.n && !dup; j++)
            dup = !strcmp(res.v[j], all[k].name);
        if (!dup && (err = strv_push(&res, all[k].name))) goto done;
    }
    strv_free(out);
    *out = res;
    res = (pf_strv){0};
done:
    strv_free(&res);
    pf_material_list_free(all, n);
    return err;
}

typedef struct prn_txn {
    pf_store *st;       /* store */
    uint64_t id;        /* 0 = create */
    const prn_patch *p; /* given fields (NULL for delete) */
    pf_printer out;     /* the record as stored */
} prn_txn;

static pf_err prn_save_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    prn_txn *x = c;
    const prn_patch *p = x->p;
    pf_printer m = {0};
    pf_err err = PF_E_OK;
    pf_printer_clear(&x->out);
    if (x->id && (err = pf_store_printer_get(x->st, t, x->id, &m, eb))) {
        if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "no such printer type");
        goto done;
    }
    if ((p->name && (err = str_set(&m.name, p->v.name))) ||
        (p->brand && (err = str_set(&m.brand, p->v.brand))) ||
        (p->pin && (err = str_set(&m.pincode, p->v.pincode))) ||
        (p->address && (err = str_set(&m.address, p->v.address))) ||
        (p->notes && (err = str_set(&m.notes, p->v.notes))) ||
        (p->materials && (err = resolve_materials(x->st, t, &p->v.materials, &m.materials, eb))))
        goto done;
    if (p->bx) m.bed_x_mm = p->v.bed_x_mm;
    if (p->by) m.bed_y_mm = p->v.bed_y_mm;
    if (p->bz) m.bed_z_mm = p->v.bed_z_mm;
    if (p->nozzle) m.nozzle_mm = p->v.nozzle_mm;
    if (p->watts) m.wattage_w = p->v.wattage_w;
    if (p->speed) m.print_speed_cm3_hr = p->v.print_speed_cm3_hr;
    if (p->active) m.is_active = p->v.is_active;
    if (p->name && (err = name_taken_printer(x->st, t, x->id, m.name, "printer type", eb))) goto done;
    if ((err = pf_store_printer_put(x->st, t, &m, eb))) goto done;
    x->out = m;
    m = (pf_printer){0};
done:
    pf_printer_clear(&m);
    return err;
}

static pf_err prn_del_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    prn_txn *x = c;
    pf_printer m = {0};
    pf_order *orders = NULL;
    size_t n = 0;
    uint64_t next = 0;
    pf_err err = pf_store_printer_get(x->st, t, x->id, &m, eb);
    if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "no such printer type");
    if (!err) err = pf_store_order_list_by_printer(x->st, t, x->id, 0, 1, &orders, &n, &next, eb);
    if (!err && n)
        err = pf_errf(eb, PF_E_CONFLICT,
                      "printer type has assigned orders (e.g. %s): reassign them or set is_active to false",
                      orders[0].tracking_no ? orders[0].tracking_no : "?");
    if (!err) err = pf_store_printer_del(x->st, t, x->id, eb);
    pf_order_list_free(orders, n);
    pf_printer_clear(&m);
    return err;
}

static cJSON *printer_json(const pf_printer *p, bool staff, const pf_material *mats, size_t nm)
{
    cJSON *o = cJSON_CreateObject(), *a = NULL;
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)p->id) &&
              cJSON_AddStringToObject(o, "name", p->name ? p->name : "") &&
              cJSON_AddStringToObject(o, "brand", p->brand ? p->brand : "") &&
              cJSON_AddNumberToObject(o, "bed_x_mm", p->bed_x_mm) &&
              cJSON_AddNumberToObject(o, "bed_y_mm", p->bed_y_mm) &&
              cJSON_AddNumberToObject(o, "bed_z_mm", p->bed_z_mm) &&
              cJSON_AddNumberToObject(o, "nozzle_mm", p->nozzle_mm) &&
              (a = cJSON_AddArrayToObject(o, "materials"));
    for (size_t i = 0; ok && i < p->materials.n; i++) {
        if (!staff) { /* customers see only materials they can order */
            size_t k = 0;
            while (k < nm &&
                   !(mats[k].is_active && mats[k].name && !strcasecmp(mats[k].name, p->materials.v[i])))
                k++;
            if (k == nm) continue;
        }
        ok = cJSON_AddItemToArray(a, cJSON_CreateString(p->materials.v[i]));
    }
    if (ok && staff)
        ok = cJSON_AddNumberToObject(o, "wattage_w", p->wattage_w) &&
             cJSON_AddNumberToObject(o, "print_speed_cm3_hr", p->print_speed_cm3_hr) &&
             cJSON_AddStringToObject(o, "printer_pincode", p->pincode ? p->pincode : "") &&
             cJSON_AddStringToObject(o, "printer_address", p->address ? p->address : "") &&
             cJSON_AddStringToObject(o, "notes", p->notes ? p->notes : "") &&
             cJSON_AddBoolToObject(o, "is_active", p->is_active);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static pf_err printers_list(pf_req *r, pf_resp *w)
{
    bool staff = is_staff_path(r);
    pf_printer *all = NULL;
    pf_material *mats = NULL;
    size_t n = 0, nm = 0;
    pf_err err = load_printer(pf_req_store(r), NULL, &all, &n, EB(r));
    if (!err && !staff) err = load_material(pf_req_store(r), NULL, &mats, &nm, EB(r));
    cJSON *a = err ? NULL : cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        if (!staff && !all[i].is_active) continue;
        cJSON *o = printer_json(&all[i], staff, mats, nm);
        if (!o || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    pf_printer_list_free(all, n);
    pf_material_list_free(mats, nm);
    return err ? err : list_response(w, "printer_types", a);
}

static pf_err printer_save(pf_req *r, pf_resp *w, uint64_t id)
{
    prn_patch p = {0};
    prn_txn x = {pf_req_store(r), id, &p, {0}};
    pf_err err = parse_printer(r, id == 0, &p);
    if (!err) err = pf_store_write(x.st, prn_save_txn, &x, EB(r));
    if (!err) {
        cJSON *o = printer_json(&x.out, true, NULL, 0);
        err = o ? pf_resp_json(w, id ? 200 : 201, o) : PF_E_NOMEM;
    }
    pf_printer_clear(&x.out);
    pf_printer_clear(&p.v);
    return err;
}

static pf_err printer_create(pf_req *r, pf_resp *w)
{
    return printer_save(r, w, 0);
}

static pf_err printer_update(pf_req *r, pf_resp *w)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    return err ? err : printer_save(r, w, id);
}

static pf_err printer_delete(pf_req *r, pf_resp *w)
{
    (void)w;
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return err;
    prn_txn x = {pf_req_store(r), id, NULL, {0}};
    return pf_store_write(x.st, prn_del_txn, &x, EB(r)); /* 204 */
}

/* ---- categories ---- */

typedef struct cat_patch {
    pf_category v;                       /* the given values */
    bool name, icon, description, order; /* which of v's fields were given */
} cat_patch;

static pf_err parse_category(pf_req *r, bool create, cat_patch *p)
{
    pf_err err;
    double order = 0;
    if (!pf_req_json(r)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "body: a JSON object is required");
    if ((err = text_field(r, "name", 1, 100, true, false, &p->v.name, &p->name)) ||
        (err = text_field(r, "icon", 0, 40, true, false, &p->v.icon, &p->icon)) ||
        (err = text_field(r, "description", 0, 1000, false, true, &p->v.description, &p->description)) ||
        (err = num_field(r, "display_order", -1000000, 1000000, "", &order, &p->order)))
        return err;
    if (p->order && floor(order) != order)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "display_order: must be a whole number");
    p->v.display_order = (int64_t)order;
    if (create) {
        if ((err = required(r, p->name, "name"))) return err;
        if ((!p->icon && (err = str_set(&p->v.icon, ""))) ||
            (!p->description && (err = str_set(&p->v.description, ""))))
            return err;
        p->icon = p->description = p->order = true;
    }
    return PF_E_OK;
}

typedef struct cat_txn {
    pf_store *st;       /* store */
    uint64_t id;        /* 0 = create */
    const cat_patch *p; /* given fields (NULL for delete) */
    pf_category out;    /* the record as stored */
} cat_txn;

static pf_err cat_save_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    cat_txn *x = c;
    const cat_patch *p = x->p;
    pf_category m = {0};
    pf_err err = PF_E_OK;
    pf_category_clear(&x->out);
    if (x->id && (err = pf_store_category_get(x->st, t, x->id, &m, eb))) {
        if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "no such category");
        goto done;
    }
    if ((p->name && (err = str_set(&m.name, p->v.name))) ||
        (p->icon && (err = str_set(&m.icon, p->v.icon))) ||
        (p->description && (err = str_set(&m.description, p->v.description))))
        goto done;
    if (p->order) m.display_order = p->v.display_order;
    if (p->name && (err = name_taken_category(x->st, t, x->id, m.name, "category", eb))) goto done;
    if ((err = pf_store_category_put(x->st, t, &m, eb))) goto done;
    x->out = m;
    m = (pf_category){0};
done:
    pf_category_clear(&m);
    return err;
}

static pf_err cat_del_txn(pf_txn *t, void *c, pf_errbuf *eb)
{
    cat_txn *x = c;
    pf_category m = {0};
    pf_model *models = NULL;
    size_t n = 0;
    uint64_t next = 0;
    pf_err err = pf_store_category_get(x->st, t, x->id, &m, eb);
    if (err == PF_E_NOT_FOUND) pf_errf(eb, err, "no such category");
    if (!err) err = pf_store_model_list_by_category(x->st, t, x->id, 0, 1, &models, &n, &next, eb);
    if (!err && n)
        err = pf_errf(eb, PF_E_CONFLICT, "category has models assigned (e.g. \"%.60s\"): move them first",
                      models[0].name ? models[0].name : "");
    if (!err) err = pf_store_category_del(x->st, t, x->id, eb);
    pf_model_list_free(models, n);
    pf_category_clear(&m);
    return err;
}

static cJSON *category_json(const pf_category *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddNumberToObject(o, "id", (double)c->id) ||
        !cJSON_AddStringToObject(o, "name", c->name ? c->name : "") ||
        !cJSON_AddStringToObject(o, "icon", c->icon ? c->icon : "") ||
        !cJSON_AddStringToObject(o, "description", c->description ? c->description : "") ||
        !cJSON_AddNumberToObject(o, "display_order", (double)c->display_order)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int category_cmp(const void *a, const void *b)
{
    const pf_category *x = a, *y = b;
    if (x->display_order != y->display_order) return x->display_order < y->display_order ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static pf_err categories_list(pf_req *r, pf_resp *w)
{
    pf_category *all = NULL;
    size_t n = 0;
    pf_err err = load_category(pf_req_store(r), NULL, &all, &n, EB(r));
    if (err) return err;
    if (n) qsort(all, n, sizeof *all, category_cmp);
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *o = category_json(&all[i]);
        if (!o || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    pf_category_list_free(all, n);
    return list_response(w, "categories", a);
}

static pf_err category_save(pf_req *r, pf_resp *w, uint64_t id)
{
    cat_patch p = {0};
    cat_txn x = {pf_req_store(r), id, &p, {0}};
    pf_err err = parse_category(r, id == 0, &p);
    if (!err) err = pf_store_write(x.st, cat_save_txn, &x, EB(r));
    if (!err) {
        cJSON *o = category_json(&x.out);
        err = o ? pf_resp_json(w, id ? 200 : 201, o) : PF_E_NOMEM;
    }
    pf_category_clear(&x.out);
    pf_category_clear(&p.v);
    return err;
}

static pf_err category_create(pf_req *r, pf_resp *w)
{
    return category_save(r, w, 0);
}

static pf_err category_update(pf_req *r, pf_resp *w)
{
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    return err ? err : category_save(r, w, id);
}

static pf_err category_delete(pf_req *r, pf_resp *w)
{
    (void)w;
    uint64_t id;
    pf_err err = pf_req_param_id(r, "id", &id);
    if (err) return err;
    cat_txn x = {pf_req_store(r), id, NULL, {0}};
    return pf_store_write(x.st, cat_del_txn, &x, EB(r)); /* 204 */
}

/* ---- routes ---- */

#define P PF_ACCESS_PUBLIC
#define A PF_ACCESS_ADMIN
#define J PF_ACCESS_ADMIN_JWT
#define M PF_ACCESS_MODERATOR
#define G PF_LIMIT_GENERAL
#define NB PF_BODY_NONE
#define JB PF_BODY_JSON
static const pf_route routes[] = {
    {PF_GET, "/api/materials", materials_list, P, NULL, G, NB, 0, NULL},
    {PF_GET, "/api/printer-types", printers_list, P, NULL, G, NB, 0, NULL},
    {PF_GET, "/api/categories", categories_list, P, NULL, G, NB, 0, NULL},

    {PF_GET, "/api/admin/materials", materials_list, A, "catalog:read", G, NB, 0, NULL},
    {PF_POST, "/api/admin/materials", material_create, J, NULL, G, JB, 0, NULL},
    {PF_PUT, "/api/admin/materials/:id", material_update, J, NULL, G, JB, 0, NULL},
    {PF_DELETE, "/api/admin/materials/:id", material_delete, J, NULL, G, NB, 0, NULL},
    {PF_GET, "/api/admin/printer-types", printers_list, A, "catalog:read", G, NB, 0, NULL},
    {PF_POST, "/api/admin/printer-types", printer_create, J, NULL, G, JB, 0, NULL},
    {PF_PUT, "/api/admin/printer-types/:id", printer_update, J, NULL, G, JB, 0, NULL},
    {PF_DELETE, "/api/admin/printer-types/:id", printer_delete, J, NULL, G, NB, 0, NULL},
    {PF_GET, "/api/admin/categories", categories_list, A, "catalog:read", G, NB, 0, NULL},
    {PF_POST, "/api/admin/categories", category_create, J, NULL, G, JB, 0, NULL},
    {PF_PUT, "/api/admin/categories/:id", category_update, J, NULL, G, JB, 0, NULL},
    {PF_DELETE, "/api/admin/categories/:id", category_delete, J, NULL, G, NB, 0, NULL},

    {PF_GET, "/api/mod/materials", materials_list, M, NULL, G, NB, 0, NULL},
    {PF_POST, "/api/mod/materials", material_create, M, NULL, G, JB, 0, NULL},
    {PF_PUT, "/api/mod/materials/:id", material_update, M, NULL, G, JB, 0, NULL},
    {PF_DELETE, "/api/mod/materials/:id", material_delete, M, NULL, G, NB, 0, NULL},
    {PF_GET, "/api/mod/printer-types", printers_list, M, NULL, G, NB, 0, NULL},
    {PF_POST, "/api/mod/printer-types", printer_create, M, NULL, G, JB, 0, NULL},
    {PF_PUT, "/api/mod/printer-types/:id", printer_update, M, NULL, G, JB, 0, NULL},
    {PF_DELETE, "/api/mod/printer-types/:id", printer_delete, M, NULL, G, NB, 0, NULL},
    {PF_GET, "/api/mod/categories", categories_list, M, NULL, G, NB, 0, NULL},
};
#undef P
#undef A
#undef J
#undef M
#undef G
#undef NB
#undef JB

const pf_route_table pf_api_catalog_routes = {routes, sizeof routes / sizeof routes[0]};
