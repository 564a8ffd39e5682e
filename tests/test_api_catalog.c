/* End-to-end tests of api/catalog.c: the public lists of materials, printer types and categories (active
 * entries only, no internal fields), admin CRUD round trips with partial updates, every validation error,
 * deletes refused while orders or models depend on a record, and who may write what (moderators, PATs). */
#include <criterion/criterion.h>
#include <math.h>

#include "account_test_util.h"

static acct_env env;
static char admin[700], mod[700], user[700];
static const char *const pat_read = "Authorization: Bearer pf_test_catalog:read";
static const char *const pat_write = "Authorization: Bearer pf_test_catalog:write";

static void start(void)
{
    acct_start(&env, NULL);
    jwt_for(env.dir, env.ids.admin, NULL, admin, sizeof admin);
    jwt_for(env.dir, env.ids.moderator, NULL, mod, sizeof mod);
    jwt_for(env.dir, env.ids.user, NULL, user, sizeof user);
}

static void stop(void)
{
    cr_expect_eq(acct_stop(&env), 0, "server exits 0");
}

TestSuite(api_catalog, .init = start, .fini = stop, .timeout = 90);

/* One request; expects status want and returns the parsed body (NULL for an empty one). */
static cJSON *call(const char *method, const char *path, const char *auth, const char *body, long want)
{
    http_res r = req(&env, method, path, auth, body);
    cr_expect_eq(r.status, want, "%s %s %s: %ld, want %ld (%s)", method, path, body ? body : "", r.status,
                 want, r.body);
    cJSON *j = body_json(&r);
    http_free(&r);
    return j;
}

/* Expects a 4xx status whose error names field. */
static void expect_error(const char *method, const char *path, const char *auth, const char *body, long want,
                         const char *field)
{
    http_res r = req(&env, method, path, auth, body);
    cr_expect_eq(r.status, want, "%s %s %s: %ld, want %ld (%s)", method, path, body ? body : "", r.status,
                 want, r.body);
    cJSON *j = body_json(&r);
    const char *e = jstr(j, "error");
    cr_expect(e && strstr(e, field), "%s %s: error \"%s\" should name %s", method, body ? body : "",
              e ? e : "(none)", field);
    cJSON_Delete(j);
    http_free(&r);
}

/* The element of o[key] whose "name" is name, or NULL. */
static const cJSON *by_name(const cJSON *o, const char *key, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, key))
    {
        const char *n = jstr(e, "name");
        if (n && !strcmp(n, name)) return e;
    }
    return NULL;
}

static double jnum(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static uint64_t jid(const cJSON *o)
{
    return (uint64_t)jnum(o, "id");
}

/* The string list o[key] joined with commas, into out. */
static const char *joined(const cJSON *o, const char *key, char *out, size_t len)
{
    size_t n = 0;
    out[0] = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, key))
    {
        n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "",
                              cJSON_IsString(e) ? e->valuestring : "?");
    }
    return out;
}

/* Creates a material as admin; returns its id. */
static uint64_t new_material(const char *json)
{
    cJSON *j = call("POST", "/api/admin/materials", admin, json, 201);
    uint64_t id = jid(j);
    cJSON_Delete(j);
    cr_assert(id > 0);
    return id;
}

static uint64_t new_printer(const char *json)
{
    cJSON *j = call("POST", "/api/admin/printer-types", admin, json, 201);
    uint64_t id = jid(j);
    cJSON_Delete(j);
    cr_assert(id > 0);
    return id;
}

/* Opens the store beside the running server (LMDB allows a second process). */
static pf_store *store_open(FILE **console)
{
    pf_store_options o = fast_options(env.dir);
    o.console = *console = fopen("/dev/null", "w");
    pf_store *st = NULL;
    pf_errbuf eb;
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
    return st;
}

static void store_close(pf_store *st, FILE *console)
{
    pf_store_close(st);
    fclose(console);
}

Test(api_catalog, public_lists_show_only_active_entries_without_internal_fields)
{
    new_material("{\"name\":\"Resin\",\"display_name\":\"Standard resin\",\"density_g_cm3\":1.1,"
                 "\"cost_per_kg\":2500,\"colors\":[\"Grey\"],\"is_active\":false}");
    new_printer("{\"name\":\"Old Ender\",\"materials\":[\"PLA\"],\"bed_x_mm\":220,\"bed_y_mm\":220,"
                "\"bed_z_mm\":250,\"is_active\":false}");
    new_printer(
        "{\"name\":\"Form\",\"brand\":\"Formlabs\",\"materials\":[\"Resin\",\"PLA\"],\"bed_x_mm\":145,"
        "\"bed_y_mm\":145,\"bed_z_mm\":185,\"printer_address\":\"Shop floor 2\"}");

    cJSON *pub = call("GET", "/api/materials", NULL, NULL, 200);
    const cJSON *pla = by_name(pub, "materials", "PLA");
    cr_assert(pla, "seeded PLA is listed");
    cr_expect_null(by_name(pub, "materials", "Resin"), "inactive material hidden");
    cr_expect_null(cJSON_GetObjectItem(pla, "cost_per_kg"), "cost per kg stays internal");
    cr_expect_null(cJSON_GetObjectItem(pla, "is_active"));
    cr_expect_float_eq(jnum(pla, "density_g_cm3"), 1.24, 1e-9);
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(pla, "colors"), 0);
    cr_expect(jstr(c0, "name") && jstr(c0, "hex") && strlen(jstr(c0, "hex")) == 7 &&
              jstr(c0, "hex")[0] == '#');
    cJSON_Delete(pub);

    cJSON *all = call("GET", "/api/admin/materials", admin, NULL, 200);
    const cJSON *resin = by_name(all, "materials", "Resin");
    cr_assert(resin, "admins see inactive materials");
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(resin, "is_active")));
    cr_expect_float_eq(jnum(resin, "cost_per_kg"), 2500, 1e-9);
    cJSON_Delete(all);

    char buf[256];
    pub = call("GET", "/api/printer-types", NULL, NULL, 200);
    cr_expect_null(by_name(pub, "printer_types", "Old Ender"), "inactive printer hidden");
    const cJSON *form = by_name(pub, "printer_types", "Form");
    cr_assert(form);
    cr_expect_str_eq(joined(form, "materials", buf, sizeof buf), "PLA", "inactive materials hidden");
    cr_expect_float_eq(jnum(form, "bed_z_mm"), 185, 1e-9);
    cr_expect_float_eq(jnum(form, "nozzle_mm"), 0.4, 1e-9, "default nozzle");
    cr_expect_null(cJSON_GetObjectItem(form, "printer_address"), "address stays internal");
    cr_expect_null(cJSON_GetObjectItem(form, "wattage_w"));
    cJSON_Delete(pub);

    all = call("GET", "/api/admin/printer-types", admin, NULL, 200);
    cr_expect(by_name(all, "printer_types", "Old Ender"));
    form = by_name(all, "printer_types", "Form");
    cr_expect_str_eq(joined(form, "materials", buf, sizeof buf), "Resin,PLA");
    cr_expect_str_eq(jstr(form, "printer_address"), "Shop floor 2");
    cJSON_Delete(all);

    /* Categories in display order, then creation order. */
    cJSON_Delete(
        call("POST", "/api/admin/categories", admin, "{\"name\":\"Gifts\",\"display_order\":5}", 201));
    cJSON_Delete(call("POST", "/api/admin/categories", admin,
                      "{\"name\":\"Tools\",\"icon\":\"🔧\",\"display_order\":-1}", 201));
    cJSON_Delete(
        call("POST", "/api/admin/categories", admin, "{\"name\":\"Toys\",\"display_order\":5}", 201));
    cJSON_Delete(call("POST", "/api/admin/categories", admin, "{\"name\":\"Art\"}", 201));
    pub = call("GET", "/api/categories", NULL, NULL, 200);
    const char *want[] = {"Tools", "Art", "Gifts", "Toys"};
    const cJSON *cats = cJSON_GetObjectItem(pub, "categories");
    cr_assert_eq(cJSON_GetArraySize(cats), 4);
    for (int i = 0; i < 4; i++)
        cr_expect_str_eq(jstr(cJSON_GetArrayItem(cats, i), "name"), want[i], "position %d", i);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(cats, 0), "icon"), "🔧");
    cJSON_Delete(pub);
}

Test(api_catalog, material_crud_round_trip_with_partial_updates)
{
    cJSON *j =
        call("POST", "/api/admin/materials", admin,
             "{\"name\":\"  CF-PLA \",\"density_g_cm3\":1.3,\"cost_per_kg\":2999.999,\"notes\":\"abrasive\","
             "\"colors\":[\"black\",{\"name\":\"Forest\",\"hex\":\"#2e7d32\"},{\"name\":\"Mystery\"}],"
             "\"unknown_field\":[1,2,3]}",
             201);
    uint64_t id = jid(j);
    cr_expect_str_eq(jstr(j, "name"), "CF-PLA", "trimmed");
    cr_expect_str_eq(jstr(j, "display_name"), "CF-PLA", "display name defaults to the name");
    cr_expect_float_eq(jnum(j, "cost_per_kg"), 3000.0, 1e-9, "kept to the paisa");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(j, "is_active")));
    const cJSON *cols = cJSON_GetObjectItem(j, "colors");
    cr_assert_eq(cJSON_GetArraySize(cols), 3);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(cols, 0), "name"), "black");
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(cols, 0), "hex"), "#1A1A1A", "known name: palette hex");
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(cols, 1), "hex"), "#2E7D32", "given hex, upper-cased");
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(cols, 2), "hex"), "#9E9E9E", "unknown name: default hex");
    cJSON_Delete(j);

    uint64_t pid = new_printer("{\"name\":\"Bambu\",\"materials\":\"cf-pla, pla\",\"bed_x_mm\":256,"
                               "\"bed_y_mm\":256,\"bed_z_mm\":256}");
    char path[128], ppath[128], buf[256];
    snprintf(path, sizeof path, "/api/admin/materials/%llu", (unsigned long long)id);
    snprintf(ppath, sizeof ppath, "/api/admin/printer-types/%llu", (unsigned long long)pid);

    /* Partial: only density changes. */
    j = call("PUT", path, admin, "{\"density_g_cm3\":1.35,\"notes\":null}", 200);
    cr_expect_float_eq(jnum(j, "density_g_cm3"), 1.35, 1e-9);
    cr_expect_float_eq(jnum(j, "cost_per_kg"), 3000.0, 1e-9);
    cr_expect_str_eq(jstr(j, "notes"), "abrasive");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "colors")), 3);
    cJSON_Delete(j);
    j = call("GET", "/api/admin/materials", pat_read, NULL, 200);
    const cJSON *m = by_name(j, "materials", "CF-PLA");
    cr_assert(m);
    cr_expect_float_eq(jnum(m, "density_g_cm3"), 1.35, 1e-9, "stored");
    cr_expect_str_eq(jstr(m, "display_name"), "CF-PLA");
    cJSON_Delete(j);

    /* Rename: printers follow; deactivate: public list drops it. */
    j = call("PUT", path, admin,
             "{\"name\":\"PLA-CF\",\"display_name\":\"PLA carbon fibre\",\"is_active\":false}", 200);
    cr_expect_str_eq(jstr(j, "name"), "PLA-CF");
    cr_expect_float_eq(jnum(j, "density_g_cm3"), 1.35, 1e-9);
    cJSON_Delete(j);
    j = call("GET", "/api/admin/printer-types", admin, NULL, 200);
    cr_expect_str_eq(joined(by_name(j, "printer_types", "Bambu"), "materials", buf, sizeof buf),
                     "PLA-CF,PLA");
    cJSON_Delete(j);
    j = call("GET", "/api/materials", NULL, NULL, 200);
    cr_expect_null(by_name(j, "materials", "PLA-CF"));
    cJSON_Delete(j);
    /* A case-only rename of itself is not a clash. */
    cJSON_Delete(call("PUT", path, admin, "{\"name\":\"pla-cf\"}", 200));

    cJSON_Delete(call("DELETE", path, admin, NULL, 204));
    j = call("GET", "/api/admin/materials", admin, NULL, 200);
    cr_expect_null(by_name(j, "materials", "pla-cf"));
    cJSON_Delete(j);
    j = call("GET", "/api/admin/printer-types", admin, NULL, 200);
    cr_expect_str_eq(joined(by_name(j, "printer_types", "Bambu"), "materials", buf, sizeof buf), "PLA",
                     "deleted material leaves the printers");
    cJSON_Delete(j);
    expect_error("DELETE", path, admin, NULL, 404, "no such material");
    expect_error("PUT", path, admin, "{\"density_g_cm3\":1.2}", 404, "no such material");
    expect_error("PUT", "/api/admin/materials/abc", admin, "{}", 404, "");

    /* Printer partial update. */
    j = call("PUT", ppath, admin,
             "{\"nozzle_mm\":0.6,\"printer_pincode\":\"560001\",\"materials\":[\"petg\"]}", 200);
    cr_expect_float_eq(jnum(j, "nozzle_mm"), 0.6, 1e-9);
    cr_expect_float_eq(jnum(j, "bed_x_mm"), 256, 1e-9, "unchanged");
    cr_expect_str_eq(jstr(j, "printer_pincode"), "560001");
    cr_expect_str_eq(jstr(j, "name"), "Bambu");
    cr_expect_str_eq(joined(j, "materials", buf, sizeof buf), "PETG", "stored under the material's name");
    cJSON_Delete(j);
    cJSON_Delete(call("DELETE", ppath, admin, NULL, 204));
    expect_error("PUT", ppath, admin, "{\"nozzle_mm\":0.4}", 404, "no such printer");
}

Test(api_catalog, material_validation_errors_name_the_field)
{
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Black\"]}", "name: required"},
        {"{\"name\":\"   \",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Black\"]}", "name:"},
        {"{\"name\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNO\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,"
         "\"colors\":[\"Black\"]}",
         "name:"},
        {"{\"name\":42,\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Black\"]}", "name:"},
        {"{\"name\":\"X\\u0001\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Black\"]}",
         "name:"},
        {"{\"name\":\"X\xff\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Black\"]}", "name:"},
        {"{\"name\":\"X\xed\xa0\x80\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Black\"]}",
         "name:"},
        {"{\"name\":\"X\",\"cost_per_kg\":1000,\"colors\":[\"Black\"]}", "density_g_cm3: required"},
        {"{\"name\":\"X\",\"density_g_cm3\":0.49,\"cost_per_kg\":1000,\"colors\":[\"Black\"]}",
         "density_g_cm3:"},
        {"{\"name\":\"X\",\"density_g_cm3\":3.01,\"cost_per_kg\":1000,\"colors\":[\"Black\"]}",
         "density_g_cm3:"},
        {"{\"name\":\"X\",\"density_g_cm3\":\"1.2\",\"cost_per_kg\":1000,\"colors\":[\"Black\"]}",
         "density_g_cm3:"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"colors\":[\"Black\"]}", "cost_per_kg: required"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":-1,\"colors\":[\"Black\"]}", "cost_per_kg:"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":100000.5,\"colors\":[\"Black\"]}",
         "cost_per_kg:"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000}", "colors: required"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[]}", "colors:"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":\"Black\"}", "colors:"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[7]}", "colors[0]"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Red\",\"\"]}",
         "colors[1].name"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Red\",\"red\"]}",
         "colors[1].name"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[{\"name\":\"Red\",\"hex\":"
         "\"red\"}]}",
         "colors[0].hex"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,"
         "\"colors\":[{\"name\":\"Red\",\"hex\":\"#12345G\"}]}",
         "colors[0].hex"},
        {"{\"name\":\"X\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Red\"],\"is_active\":"
         "\"yes\"}",
         "is_active:"},
        {"{\"name\":\"X\",\"display_name\":\"\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":["
         "\"Red\"]}",
         "display_name:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error("POST", "/api/admin/materials", admin, bad[i].body, 422, bad[i].field);
    expect_error("POST", "/api/admin/materials", admin, NULL, 422, "body");

    /* Nothing was created by the refused requests. */
    cJSON *j = call("GET", "/api/admin/materials", admin, NULL, 200);
    cr_expect_null(by_name(j, "materials", "X"));
    int before = cJSON_GetArraySize(cJSON_GetObjectItem(j, "materials"));
    cJSON_Delete(j);

    /* Names are unique ignoring case. */
    expect_error("POST", "/api/admin/materials", admin,
                 "{\"name\":\"pla\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Red\"]}", 409,
                 "PLA");
    expect_error("POST", "/api/admin/materials", admin,
                 "{\"name\":\"PETG\",\"density_g_cm3\":1.2,\"cost_per_kg\":1000,\"colors\":[\"Red\"]}", 409,
                 "PETG");
    uint64_t id = new_material(
        "{\"name\":\"HIPS\",\"density_g_cm3\":1.04,\"cost_per_kg\":1500,\"colors\":[\"White\"]}");
    char path[128];
    snprintf(path, sizeof path, "/api/admin/materials/%llu", (unsigned long long)id);
    expect_error("PUT", path, admin, "{\"name\":\"Nylon\"}", 409, "name");
    expect_error("PUT", path, admin, "{\"name\":\"NYLON\"}", 409, "name");
    expect_error("PUT", path, admin, "{\"density_g_cm3\":5}", 422, "density_g_cm3");
    expect_error("PUT", path, admin, "{\"colors\":[]}", 422, "colors");
    j = call("GET", "/api/admin/materials", admin, NULL, 200);
    const cJSON *h = by_name(j, "materials", "HIPS");
    cr_expect(h, "refused updates changed nothing");
    cr_expect_float_eq(jnum(h, "density_g_cm3"), 1.04, 1e-9);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "materials")), before + 1);
    cJSON_Delete(j);
}

Test(api_catalog, printer_validation_errors_name_the_field)
{
#define PR(extra)                                                                                            \
    "{\"name\":\"P\",\"materials\":[\"PLA\"],\"bed_x_mm\":200,\"bed_y_mm\":200,\"bed_z_mm\":200" extra "}"
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"materials\":[\"PLA\"],\"bed_x_mm\":200,\"bed_y_mm\":200,\"bed_z_mm\":200}", "name: required"},
        {"{\"name\":\"P\",\"bed_x_mm\":200,\"bed_y_mm\":200,\"bed_z_mm\":200}", "materials: required"},
        {"{\"name\":\"P\",\"materials\":[],\"bed_x_mm\":200,\"bed_y_mm\":200,\"bed_z_mm\":200}",
         "materials:"},
        {"{\"name\":\"P\",\"materials\":\" , \",\"bed_x_mm\":200,\"bed_y_mm\":200,\"bed_z_mm\":200}",
         "materials:"},
        {"{\"name\":\"P\",\"materials\":[3],\"bed_x_mm\":200,\"bed_y_mm\":200,\"bed_z_mm\":200}",
         "materials:"},
        {"{\"name\":\"P\",\"materials\":[\"PLA\",\"Unobtainium\"],\"bed_x_mm\":200,\"bed_y_mm\":200,"
         "\"bed_z_mm\":200}",
         "materials: no material named \"Unobtainium\""},
        {"{\"name\":\"P\",\"materials\":[\"PLA\"],\"bed_y_mm\":200,\"bed_z_mm\":200}", "bed_x_mm: required"},
        {"{\"name\":\"P\",\"materials\":[\"PLA\"],\"bed_x_mm\":200,\"bed_z_mm\":200}", "bed_y_mm: required"},
        {"{\"name\":\"P\",\"materials\":[\"PLA\"],\"bed_x_mm\":200,\"bed_y_mm\":200}", "bed_z_mm: required"},
        {"{\"name\":\"P\",\"materials\":[\"PLA\"],\"bed_x_mm\":0.5,\"bed_y_mm\":200,\"bed_z_mm\":200}",
         "bed_x_mm:"},
        {"{\"name\":\"P\",\"materials\":[\"PLA\"],\"bed_x_mm\":200,\"bed_y_mm\":2001,\"bed_z_mm\":200}",
         "bed_y_mm:"},
        {"{\"name\":\"P\",\"materials\":[\"PLA\"],\"bed_x_mm\":200,\"bed_y_mm\":200,\"bed_z_mm\":-3}",
         "bed_z_mm:"},
        {PR(",\"nozzle_mm\":0.05"), "nozzle_mm:"},
        {PR(",\"nozzle_mm\":2.5"), "nozzle_mm:"},
        {PR(",\"wattage_w\":0"), "wattage_w:"},
        {PR(",\"wattage_w\":5001"), "wattage_w:"},
        {PR(",\"print_speed_cm3_hr\":0"), "print_speed_cm3_hr:"},
        {PR(",\"printer_pincode\":\"56001\""), "printer_pincode:"},
        {PR(",\"printer_pincode\":\"5600011\""), "printer_pincode:"},
        {PR(",\"printer_pincode\":\"056001\""), "printer_pincode:"},
        {PR(",\"printer_pincode\":\"56A001\""), "printer_pincode:"},
        {PR(",\"printer_pincode\":560001"), "printer_pincode:"},
        {"{\"name\":\"\",\"materials\":[\"PLA\"],\"bed_x_mm\":200,\"bed_y_mm\":200,\"bed_z_mm\":200}",
         "name:"},
        {PR(",\"is_active\":1"), "is_active:"},
    };
#undef PR
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error("POST", "/api/admin/printer-types", admin, bad[i].body, 422, bad[i].field);
    cJSON *j = call("GET", "/api/admin/printer-types", admin, NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "printer_types")), 1, "only the seeded printer");
    cJSON_Delete(j);

    uint64_t id = new_printer("{\"name\":\"Voron\",\"brand\":\"Voron Design\",\"materials\":[\"ABS\",\"asa\","
                              "\"ABS\"],\"bed_x_mm\":350,\"bed_y_mm\":350,\"bed_z_mm\":340,\"nozzle_mm\":0.4,"
                              "\"wattage_w\":450,\"print_speed_cm3_hr\":60,\"printer_pincode\":\"400001\","
                              "\"printer_address\":\"Lower Parel\",\"notes\":\"enclosed\"}");
    char path[128], buf[128];
    snprintf(path, sizeof path, "/api/admin/printer-types/%llu", (unsigned long long)id);
    expect_error("POST", "/api/admin/printer-types", admin,
                 "{\"name\":\"mk3s\",\"materials\":[\"PLA\"],\"bed_x_mm\":1,\"bed_y_mm\":1,\"bed_z_mm\":1}",
                 409, "MK3S");
    expect_error("PUT", path, admin, "{\"name\":\"MK3S \"}", 409, "name");
    expect_error("PUT", path, admin, "{\"materials\":[\"Wood\"]}", 422, "materials");
    expect_error("PUT", path, admin, "{\"wattage_w\":9000}", 422, "wattage_w");
    j = call("GET", "/api/admin/printer-types", admin, NULL, 200);
    const cJSON *v = by_name(j, "printer_types", "Voron");
    cr_assert(v);
    cr_expect_str_eq(joined(v, "materials", buf, sizeof buf), "ABS,ASA", "canonical names, no duplicates");
    cr_expect_float_eq(jnum(v, "wattage_w"), 450, 1e-9, "refused update changed nothing");
    cr_expect_float_eq(jnum(v, "print_speed_cm3_hr"), 60, 1e-9);
    cr_expect_str_eq(jstr(v, "brand"), "Voron Design");
    cr_expect_str_eq(jstr(v, "printer_pincode"), "400001");
    cr_expect_str_eq(jstr(v, "notes"), "enclosed");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(v, "is_active")));
    cJSON_Delete(j);
}

Test(api_catalog, printer_with_assigned_orders_cannot_be_deleted)
{
    uint64_t id = new_printer("{\"name\":\"Busy\",\"materials\":[\"PLA\"],\"bed_x_mm\":200,\"bed_y_mm\":200,"
                              "\"bed_z_mm\":200}");
    FILE *con;
    pf_store *st = store_open(&con);
    pf_errbuf eb;
    pf_order o = {.user_id = env.ids.user,
                  .tracking_no = strdup("PF-TEST-0001"),
                  .status = strdup("printing"),
                  .material = strdup("PLA"),
                  .quantity = 1,
                  .printer_id = id};
    cr_assert_eq(pf_store_order_put(st, NULL, &o, &eb), PF_E_OK, "%s", eb.msg);
    store_close(st, con);

    char path[128];
    snprintf(path, sizeof path, "/api/admin/printer-types/%llu", (unsigned long long)id);
    expect_error("DELETE", path, admin, NULL, 409, "PF-TEST-0001");
    expect_error("DELETE", "/api/mod/printer-types/999999", mod, NULL, 404, "no such printer");
    cJSON *j = call("GET", "/api/admin/printer-types", admin, NULL, 200);
    cr_expect(by_name(j, "printer_types", "Busy"), "still there");
    cJSON_Delete(j);
    /* Deactivating is the way out while orders remain. */
    cJSON_Delete(call("PUT", path, admin, "{\"is_active\":false}", 200));

    st = store_open(&con);
    o.printer_id = 0; /* reassigned */
    cr_assert_eq(pf_store_order_put(st, NULL, &o, &eb), PF_E_OK, "%s", eb.msg);
    store_close(st, con);
    pf_order_clear(&o);
    cJSON_Delete(call("DELETE", path, admin, NULL, 204));
    j = call("GET", "/api/admin/printer-types", admin, NULL, 200);
    cr_expect_null(by_name(j, "printer_types", "Busy"));
    cJSON_Delete(j);
}

Test(api_catalog, category_crud_validation_and_models_block_delete)
{
    cJSON *j = call("POST", "/api/admin/categories", admin,
                    "{\"name\":\" Home decor \",\"icon\":\"🏠\",\"description\":\"Vases,\\nplanters\","
                    "\"display_order\":3,\"extra\":true}",
                    201);
    uint64_t id = jid(j);
    cr_expect_str_eq(jstr(j, "name"), "Home decor");
    cr_expect_str_eq(jstr(j, "description"), "Vases,\nplanters");
    cr_expect_float_eq(jnum(j, "display_order"), 3, 1e-9);
    cJSON_Delete(j);
    char path[128];
    snprintf(path, sizeof path, "/api/admin/categories/%llu", (unsigned long long)id);
    j = call("PUT", path, admin, "{\"display_order\":-2}", 200);
    cr_expect_str_eq(jstr(j, "name"), "Home decor", "partial update");
    cr_expect_str_eq(jstr(j, "icon"), "🏠");
    cr_expect_float_eq(jnum(j, "display_order"), -2, 1e-9);
    cJSON_Delete(j);
    j = call("GET", "/api/categories", NULL, NULL, 200);
    const cJSON *c = by_name(j, "categories", "Home decor");
    cr_expect(c && jnum(c, "display_order") == -2);
    cJSON_Delete(j);

    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{}", "name: required"},
        {"{\"name\":\"\"}", "name:"},
        {"{\"name\":\"A\",\"display_order\":1.5}", "display_order:"},
        {"{\"name\":\"A\",\"display_order\":\"1\"}", "display_order:"},
        {"{\"name\":\"A\",\"display_order\":10000001}", "display_order:"},
        {"{\"name\":\"A\",\"icon\":\"this icon name is far too long to be an icon name\"}", "icon:"},
        {"{\"name\":\"A\",\"description\":5}", "description:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error("POST", "/api/admin/categories", admin, bad[i].body, 422, bad[i].field);
    expect_error("PUT", path, admin, "{\"name\":\"   \"}", 422, "name:");
    expect_error("POST", "/api/admin/categories", admin, "{\"name\":\"HOME DECOR\"}", 409, "Home decor");
    /* Lengths count characters: 100 three-byte characters fit, 101 do not. */
    char longname[400] = "{\"name\":\"";
    for (int i = 0; i < 100; i++)
        strcat(longname, "\xe0\xa4\x96"); /* Devanagari KHA */
    strcat(longname, "\"}");
    j = call("POST", "/api/admin/categories", admin, longname, 201);
    cr_expect_eq(strlen(jstr(j, "name")), 300);
    cJSON_Delete(j);
    longname[strlen(longname) - 2] = 0;
    strcat(longname, "\xe0\xa4\x96\"}");
    expect_error("POST", "/api/admin/categories", admin, longname, 422, "name:");
    cJSON_Delete(call("POST", "/api/admin/categories", admin, "{\"name\":\"Home decor 2\"}", 201));
    expect_error("PUT", "/api/admin/categories/999999", admin, "{\"name\":\"B\"}", 404, "no such category");

    FILE *con;
    pf_store *st = store_open(&con);
    pf_errbuf eb;
    pf_model m = {.owner_id = 1, .name = strdup("Hex vase"), .category_id = id, .created_at = 1};
    cr_assert_eq(pf_store_model_put(st, NULL, &m, &eb), PF_E_OK, "%s", eb.msg);
    store_close(st, con);
    expect_error("DELETE", path, admin, NULL, 409, "Hex vase");
    j = call("GET", "/api/mod/categories", mod, NULL, 200);
    cr_expect(by_name(j, "categories", "Home decor"), "still there");
    cJSON_Delete(j);

    st = store_open(&con);
    cr_assert_eq(pf_store_model_del(st, NULL, m.id, &eb), PF_E_OK, "%s", eb.msg);
    store_close(st, con);
    pf_model_clear(&m);
    cJSON_Delete(call("DELETE", path, admin, NULL, 204));
    expect_error("DELETE", path, admin, NULL, 404, "no such category");
    j = call("GET", "/api/categories", NULL, NULL, 200);
    cr_expect_null(by_name(j, "categories", "Home decor"));
    cJSON_Delete(j);
}

Test(api_catalog, moderators_write_materials_and_printers_but_not_categories)
{
    cJSON *j =
        call("POST", "/api/mod/materials", mod,
             "{\"name\":\"PVA\",\"density_g_cm3\":1.23,\"cost_per_kg\":4000,\"colors\":[\"Natural\"]}", 201);
    uint64_t id = jid(j);
    cJSON_Delete(j);
    char path[128];
    snprintf(path, sizeof path, "/api/mod/materials/%llu", (unsigned long long)id);
    j = call("PUT", path, mod, "{\"cost_per_kg\":4200}", 200);
    cr_expect_float_eq(jnum(j, "cost_per_kg"), 4200, 1e-9);
    cJSON_Delete(j);
    j = call("GET", "/api/mod/materials", mod, NULL, 200);
    cr_expect(by_name(j, "materials", "PVA"));
    cJSON_Delete(j);
    expect_error("POST", "/api/mod/materials", mod,
                 "{\"name\":\"pva\",\"density_g_cm3\":1.23,\"cost_per_kg\":4000,\"colors\":[\"Natural\"]}",
                 409, "PVA");

    j = call("POST", "/api/mod/printer-types", mod,
             "{\"name\":\"Dual\",\"materials\":[\"PLA\",\"PVA\"],\"bed_x_mm\":300,\"bed_y_mm\":300,"
             "\"bed_z_mm\":300}",
             201);
    uint64_t pid = jid(j);
    cJSON_Delete(j);
    char ppath[128];
    snprintf(ppath, sizeof ppath, "/api/mod/printer-types/%llu", (unsigned long long)pid);
    cJSON_Delete(call("PUT", ppath, mod, "{\"bed_z_mm\":250}", 200));
    j = call("GET", "/api/mod/printer-types", mod, NULL, 200);
    cr_expect_float_eq(jnum(by_name(j, "printer_types", "Dual"), "bed_z_mm"), 250, 1e-9);
    cJSON_Delete(j);
    cJSON_Delete(call("DELETE", ppath, mod, NULL, 204));
    cJSON_Delete(call("DELETE", path, mod, NULL, 204));

    /* Categories: moderators read only. */
    cJSON_Delete(call("GET", "/api/mod/categories", mod, NULL, 200));
    cJSON_Delete(call("POST", "/api/mod/categories", mod, "{\"name\":\"M\"}", 405));
    cJSON_Delete(call("POST", "/api/admin/categories", mod, "{\"name\":\"M\"}", 403));
    cJSON_Delete(call("PUT", "/api/admin/categories/1", mod, "{\"name\":\"M\"}", 403));
    cJSON_Delete(call("DELETE", "/api/admin/categories/1", mod, NULL, 403));
    /* The admin rows stay admin-only for them, and users get nothing. */
    cJSON_Delete(call("POST", "/api/admin/materials", mod,
                      "{\"name\":\"Q\",\"density_g_cm3\":1.2,\"cost_per_kg\":1,\"colors\":[\"Red\"]}", 403));
    cJSON_Delete(call("GET", "/api/admin/materials", mod, NULL, 403));
    cJSON_Delete(call("GET", "/api/mod/materials", user, NULL, 403));
    cJSON_Delete(call("POST", "/api/mod/printer-types", user, "{}", 403));
    j = call("GET", "/api/categories", NULL, NULL, 200);
    cr_expect_null(by_name(j, "categories", "M"), "no refused write went through");
    cJSON_Delete(j);
}

Test(api_catalog, catalog_read_pat_lists_but_cannot_write)
{
    static const char *const lists[] = {"/api/admin/materials", "/api/admin/printer-types",
                                        "/api/admin/categories"};
    for (size_t i = 0; i < 3; i++) {
        cJSON *j = call("GET", lists[i], pat_read, NULL, 200);
        cr_expect(cJSON_GetArraySize(j) == 1 && cJSON_IsArray(j->child), "%s: one list", lists[i]);
        cJSON_Delete(j);
        cJSON_Delete(call("GET", lists[i], pat_write, NULL, 403));
    }
    cJSON *j = call("GET", "/api/admin/materials", pat_read, NULL, 200);
    cr_expect(cJSON_GetObjectItem(by_name(j, "materials", "PLA"), "cost_per_kg"), "staff fields for the PAT");
    cJSON_Delete(j);
    static const char *const body =
        "{\"name\":\"Z\",\"density_g_cm3\":1.2,\"cost_per_kg\":1,\"colors\":[\"Red\"]}";
    for (int k = 0; k < 2; k++) {
        const char *pat = k ? pat_write : pat_read;
        cJSON_Delete(call("POST", "/api/admin/materials", pat, body, 403));
        cJSON_Delete(call("PUT", "/api/admin/materials/1", pat, "{\"cost_per_kg\":1}", 403));
        cJSON_Delete(call("DELETE", "/api/admin/materials/1", pat, NULL, 403));
        cJSON_Delete(call("POST", "/api/admin/categories", pat, "{\"name\":\"Z\"}", 403));
        cJSON_Delete(call("DELETE", "/api/admin/printer-types/1", pat, NULL, 403));
        cJSON_Delete(call("GET", "/api/mod/materials", pat, NULL, 403));
    }
    j = call("GET", "/api/admin/materials", admin, NULL, 200);
    cr_expect_null(by_name(j, "materials", "Z"));
    const cJSON *pla = by_name(j, "materials", "PLA");
    cr_expect_float_eq(jnum(pla, "cost_per_kg"), 1000, 1e-9, "seeded price untouched");
    cJSON_Delete(j);
    j = call("GET", "/api/admin/printer-types", admin, NULL, 200);
    cr_expect(by_name(j, "printer_types", "MK3S"), "seeded printer untouched");
    cJSON_Delete(j);
}
