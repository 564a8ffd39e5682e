/* OBJ intake: agreement with STL, corner forms, relative indices, polygon fans, o/g parts, hostile files. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/mesh.h"
#include "tests/intake_test_util.h"

static pf_mesh *load(const char *path)
{
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    pf_err err = pf_mesh_read_file(path, NULL, &m, &eb);
    cr_assert_eq(err, PF_E_OK, "%s: %s %s", path, pf_err_name(err), eb.msg);
    return m;
}

static pf_mesh *load_str(const char *text)
{
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    pf_err err = pf_mesh_read_mem(text, strlen(text), NULL, &m, &eb);
    cr_assert_eq(err, PF_E_OK, "%s %s", pf_err_name(err), eb.msg);
    cr_assert_eq(m->format, PF_FORMAT_OBJ);
    return m;
}

static pf_err fail_str(const char *text, pf_errbuf *eb)
{
    pf_mesh *m = NULL;
    pf_err err = pf_mesh_read_mem(text, strlen(text), NULL, &m, eb);
    cr_assert_null(m);
    return err;
}

/* Asserts triangle t of m has corners at the given x coordinates (test meshes put distinct x on each vertex).
 */
static void assert_tri_x(const pf_mesh *m, size_t t, float a, float b, float c)
{
    const uint32_t *i = m->tris + 3 * t;
    cr_assert(m->verts[3 * (size_t)i[0]] == a && m->verts[3 * (size_t)i[1]] == b &&
                  m->verts[3 * (size_t)i[2]] == c,
              "triangle %zu is (%g %g %g), want (%g %g %g)", t, m->verts[3 * (size_t)i[0]],
              m->verts[3 * (size_t)i[1]], m->verts[3 * (size_t)i[2]], a, b, c);
}

static void assert_same_geometry(const pf_mesh *a, const pf_mesh *b, float tol)
{
    cr_assert_eq(a->ntris, b->ntris);
    cr_assert_eq(a->nverts, b->nverts);
    for (size_t i = 0; i < a->ntris * 3; i++)
        for (int k = 0; k < 3; k++) {
            float x = a->verts[3 * (size_t)a->tris[i] + k], y = b->verts[3 * (size_t)b->tris[i] + k];
            cr_assert(fabsf(x - y) <= tol, "corner %zu axis %d: %.9g vs %.9g", i, k, x, y);
        }
}

Test(obj, cube20_matches_binary_stl_exactly)
{
    pf_mesh *bin = load(PF_TEST_DATA "/cube20.stl"), *obj = load(PF_TEST_DATA "/cube20.obj");
    cr_assert_eq(obj->format, PF_FORMAT_OBJ);
    cr_assert_eq(obj->ntris, 12);
    cr_assert_eq(obj->nverts, 8);
    assert_same_geometry(bin, obj, 0.0f);
    pf_mesh_free(bin);
    pf_mesh_free(obj);
}

Test(obj, gear_matches_binary_and_ascii_stl)
{
    pf_mesh *bin = load(PF_TEST_DATA "/gear.stl"), *asc = load(PF_TEST_DATA "/gear.ascii.stl"),
            *obj = load(PF_TEST_DATA "/gear.obj");
    cr_assert_eq(obj->ntris, 1764);
    cr_assert_eq(obj->nverts, 874);
    assert_same_geometry(bin, obj, 1e-5f);
    assert_same_geometry(asc, obj, 1e-5f);
    pf_mesh_free(bin);
    pf_mesh_free(asc);
    pf_mesh_free(obj);
}

Test(obj, all_corner_forms_name_the_same_vertex)
{
    pf_mesh *m = load_str("v 1 0 0\nv 2 0 0\nv 3 0 0\nvt 0 0\nvn 0 0 1\n"
                          "f 1 2 3\nf 1/1 2/1 3/1\nf 1//1 2//1 3//1\nf 1/1/1 2/1/1 3/1/1\n");
    cr_assert_eq(m->ntris, 4);
    for (size_t t = 0; t < 4; t++)
        assert_tri_x(m, t, 1, 2, 3);
    pf_mesh_free(m);
}

Test(obj, negative_indices_count_back_from_the_last_vertex_so_far)
{
    pf_mesh *m = load_str("v 1 0 0\nv 2 0 0\nv 3 0 0\nf -3 -2 -1\nv 4 0 0\nf -1 -3 -2\nf -4/1/1 2 -1//7\n");
    cr_assert_eq(m->ntris, 3);
    assert_tri_x(m, 0, 1, 2, 3);
    assert_tri_x(m, 1, 4, 2, 3);
    assert_tri_x(m, 2, 1, 2, 4);
    pf_mesh_free(m);
}

Test(obj, polygons_become_fans)
{
    pf_mesh *m = load_str("v 1 0 0\nv 2 0 0\nv 3 0 0\nv 4 0 0\nv 5 0 0\nv 6 0 0\n"
                          "f 1 2 3 4\nf 1 2 3 4 5 6\n");
    cr_assert_eq(m->ntris, 2 + 4);
    assert_tri_x(m, 0, 1, 2, 3);
    assert_tri_x(m, 1, 1, 3, 4);
    assert_tri_x(m, 2, 1, 2, 3);
    assert_tri_x(m, 5, 1, 5, 6);
    pf_mesh_free(m);
}

Test(obj, faces_may_name_vertices_defined_later)
{
    pf_mesh *m = load_str("f 1 2 3\nv 1 0 0\nv 2 0 0\nv 3 0 0\n");
    cr_assert_eq(m->ntris, 1);
    assert_tri_x(m, 0, 1, 2, 3);
    pf_mesh_free(m);
}

Test(obj, parts_survive_a_forward_reference)
{
    pf_mesh *m = load_str("o early\nf 1 2 3\nf 3 2 1\no late\nv 1 0 0\nv 2 0 0\nv 3 0 0\nf -3 -2 -1\n");
    cr_assert_eq(m->ntris, 3);
    cr_assert_eq(m->nparts, 2);
    cr_assert_str_eq(m->parts[0].name, "early");
    cr_assert_eq(m->parts[0].tri_count, 2);
    cr_assert_str_eq(m->parts[1].name, "late");
    cr_assert_eq(m->parts[1].tri_count, 1);
    assert_tri_x(m, 1, 3, 2, 1);
    pf_mesh_free(m);
}

Test(obj, o_and_g_start_named_parts)
{
    pf_mesh *m = load_str("mtllib x.mtl\nv 1 0 0\nv 2 0 0\nv 3 0 0\nv 4 0 0\n"
                          "f 1 2 3\n"
                          "o body\nusemtl red\ns off\nf 1 2 3 4\n"
                          "g  lid part \r\nf 1 2 3\nl 1 2\n"
                          "o skipped\ng\nf 2 3 4\n");
    cr_assert_eq(m->ntris, 5);
    cr_assert_eq(m->nparts, 4);
    cr_assert_str_eq(m->parts[0].name, "");
    cr_assert_eq(m->parts[0].tri_count, 1);
    cr_assert_str_eq(m->parts[1].name, "body");
    cr_assert_eq(m->parts[1].first_tri, 1);
    cr_assert_eq(m->parts[1].tri_count, 2);
    cr_assert_str_eq(m->parts[2].name, "lid part");
    cr_assert_eq(m->parts[2].tri_count, 1);
    cr_assert_str_eq(m->parts[3].name, "");
    cr_assert_eq(m->parts[3].first_tri, 4);
    assert_tri_x(m, 4, 2, 3, 4);
    pf_mesh_free(m);
}

Test(obj, comments_blank_lines_and_extra_vertex_values_are_ignored)
{
    pf_mesh *m = load_str("# header\n\n   \nv 1 0 0 1.0\nv 2 0 0 0.5 0.5 0.5\r\nv 3 0 0 # note\n"
                          "vp 0.5\nf 1 2 3 # tri\n# end");
    cr_assert_eq(m->ntris, 1);
    assert_tri_x(m, 0, 1, 2, 3);
    pf_mesh_free(m);
}

Test(obj, last_line_without_newline_is_read)
{
    pf_mesh *m = load_str("v 1 0 0\nv 2 0 0\nv 3 0 0\nf 1 2 3");
    cr_assert_eq(m->ntris, 1);
    pf_mesh_free(m);
}

Test(obj, errors_in_memory_name_their_line)
{
    pf_errbuf eb = {{0}};
    cr_assert_eq(fail_str("v 1 0 0\nv 2 0 0\nv 3 0 0\nf 1 2 3\nf 1 2 -4\n", &eb), PF_E_BAD_INDEX);
    cr_assert(strstr(eb.msg, "line 5"), "%s", eb.msg);
    cr_assert_eq(fail_str("f 1 2 3\nv 1 0 0\nv 2 0 0\nf 1 2 5\n", &eb), PF_E_BAD_INDEX);
    cr_assert(strstr(eb.msg, "line 4"), "%s", eb.msg);
    cr_assert_eq(fail_str("v 1 0 0\nv 2 0 0\nv 3 0 0\n\nf 1 2 3/x\n", &eb), PF_E_PARSE);
    cr_assert(strstr(eb.msg, "line 5"), "%s", eb.msg);
}

/* ---- hostile files ---- */


Test(obj_hostile, index_zero)
{
    hostile("obj_index_zero.obj", 0, PF_E_BAD_INDEX, "line 4");
}
Test(obj_hostile, index_past_the_last_vertex)
{
    hostile("obj_index_out_of_range.obj", 0, PF_E_BAD_INDEX, "line 5");
}
Test(obj_hostile, relative_index_before_the_first_vertex)
{
    hostile("obj_negative_out_of_range.obj", 0, PF_E_BAD_INDEX, "line 4");
}
Test(obj_hostile, index_with_twenty_digits)
{
    hostile("obj_huge_index.obj", 0, PF_E_BAD_INDEX, "line 4");
}
Test(obj_hostile, nan_coordinate)
{
    hostile("obj_nan.obj", 0, PF_E_BAD_NUMBER, "line 2");
}
Test(obj_hostile, overflowing_coordinate)
{
    hostile("obj_inf.obj", 0, PF_E_BAD_NUMBER, "line 3");
}
Test(obj_hostile, vertex_with_two_coordinates)
{
    hostile("obj_missing_coordinate.obj", 0, PF_E_PARSE, "line 2");
}
Test(obj_hostile, face_with_two_corners)
{
    hostile("obj_two_corners.obj", 0, PF_E_PARSE, "line 5");
}
Test(obj_hostile, face_corner_that_is_not_an_index)
{
    hostile("obj_bad_corner.obj", 0, PF_E_PARSE, "line 4");
}
Test(obj_hostile, vertices_without_faces_is_empty)
{
    hostile("obj_no_faces.obj", 0, PF_E_EMPTY_MESH, "line 4");
}
Test(obj_hostile, over_triangle_limit)
{
    hostile("obj_three_faces.obj", 2, PF_E_TOO_MANY_TRIANGLES, "line 6");
}
