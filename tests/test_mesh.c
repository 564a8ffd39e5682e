/* Mesh builder, welding and binary STL intake. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mesh.h"

Test(mesh, binary_stl_cube_welds_to_eight_vertices)
{
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_mesh_read_file(PF_TEST_DATA "/cube20.stl", NULL, &m, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(m->format, PF_FORMAT_STL_BINARY);
    cr_assert_eq(m->ntris, 12);
    cr_assert_eq(m->nverts, 8);
    cr_assert_eq(m->nparts, 1);
    cr_assert_eq(m->parts[0].tri_count, 12);
    pf_mesh_free(m);
}

Test(mesh, no_weld_keeps_the_soup)
{
    pf_mesh *m = NULL;
    pf_intake_limits lim = {.no_weld = 1};
    cr_assert_eq(pf_mesh_read_file(PF_TEST_DATA "/cube20.stl", &lim, &m, NULL), PF_E_OK);
    cr_assert_eq(m->nverts, 36);
    pf_mesh_free(m);
}

Test(mesh, binary_stl_with_leading_solid_is_still_binary)
{
    unsigned char buf[84 + 50] = {0};
    memcpy(buf, "solid made by a binary exporter", 31);
    buf[80] = 1;
    float v[9] = {0, 0, 0, 1, 0, 0, 0, 1, 0};
    memcpy(buf + 84 + 12, v, sizeof v);
    cr_assert_eq(pf_mesh_detect(buf, sizeof buf), PF_FORMAT_STL_BINARY);
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_read_mem(buf, sizeof buf, NULL, &m, NULL), PF_E_OK);
    cr_assert_eq(m->ntris, 1);
    pf_mesh_free(m);
}

Test(mesh, error_table_has_names_and_statuses)
{
    cr_assert_str_eq(pf_err_name(PF_E_TRUNCATED), "TRUNCATED");
    cr_assert_eq(pf_err_http_status(PF_E_TOO_LARGE), 413);
    cr_assert_str_eq(pf_err_name((pf_err)9999), "UNKNOWN");
}
