/* STL intake: binary and ASCII agree, multi-solid parts, the exact number parser, hostile files. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/intake_text.h"
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
    return m;
}

/* Signed volume of the closed mesh, by tetrahedra from the origin. */
static double volume(const pf_mesh *m)
{
    double v = 0;
    for (size_t i = 0; i < m->ntris; i++) {
        const float *a = m->verts + 3 * (size_t)m->tris[3 * i],
                    *b = m->verts + 3 * (size_t)m->tris[3 * i + 1],
                    *c = m->verts + 3 * (size_t)m->tris[3 * i + 2];
        v += ((double)a[0] * ((double)b[1] * c[2] - (double)b[2] * c[1]) -
              (double)a[1] * ((double)b[0] * c[2] - (double)b[2] * c[0]) +
              (double)a[2] * ((double)b[0] * c[1] - (double)b[1] * c[0])) /
             6.0;
    }
    return v;
}

/* Asserts that both meshes have the same triangles corner by corner (within tol) and the same welded count.
 */
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

Test(stl, cube20_ascii_matches_binary_exactly)
{
    pf_mesh *bin = load(PF_TEST_DATA "/cube20.stl"), *asc = load(PF_TEST_DATA "/cube20.ascii.stl");
    cr_assert_eq(asc->format, PF_FORMAT_STL_ASCII);
    cr_assert_eq(asc->ntris, 12);
    cr_assert_eq(asc->nverts, 8);
    assert_same_geometry(bin, asc, 0.0f);
    for (size_t i = 0; i < asc->nverts * 3; i++)
        cr_assert(asc->verts[i] == 0.0f || asc->verts[i] == 20.0f, "coordinate %g", asc->verts[i]);
    cr_assert_float_eq(volume(asc), 8000.0, 1e-9);
    pf_mesh_free(bin);
    pf_mesh_free(asc);
}

Test(stl, gear_ascii_matches_binary)
{
    pf_mesh *bin = load(PF_TEST_DATA "/gear.stl"), *asc = load(PF_TEST_DATA "/gear.ascii.stl");
    cr_assert_eq(bin->ntris, 1764);
    assert_same_geometry(bin, asc, 1e-5f);
    /* reference.csv: 11947.0 mm³ for every form of the gear */
    cr_assert(fabs(volume(asc) - 11947.0) <= 11947.0 * 1e-4, "volume %f", volume(asc));
    pf_mesh_free(bin);
    pf_mesh_free(asc);
}

#define FACET(x)                                                                                             \
    "facet normal 0 0 1\n outer loop\n  vertex " #x                                                          \
    " 0 0\n  vertex 1 0 0\n  vertex 0 1 0\n endloop\nendfacet\n"

Test(stl, each_solid_becomes_a_named_part)
{
    pf_mesh *m = load_str("solid first\n" FACET(0)
                              FACET(2) "endsolid first\n"
                                       "  solid the second one  \n" FACET(3) "endsolid\n"
                                                                             "solid\n" FACET(4) FACET(5)
                                                                                 FACET(6) "endsolid\n");
    cr_assert_eq(m->format, PF_FORMAT_STL_ASCII);
    cr_assert_eq(m->ntris, 6);
    cr_assert_eq(m->nparts, 3);
    cr_assert_str_eq(m->parts[0].name, "first");
    cr_assert_eq(m->parts[0].first_tri, 0);
    cr_assert_eq(m->parts[0].tri_count, 2);
    cr_assert_str_eq(m->parts[1].name, "the second one");
    cr_assert_eq(m->parts[1].first_tri, 2);
    cr_assert_eq(m->parts[1].tri_count, 1);
    cr_assert_str_eq(m->parts[2].name, "");
    cr_assert_eq(m->parts[2].tri_count, 3);
    cr_assert_eq(m->verts[3 * (size_t)m->tris[9]], 4.0f); /* first corner of the third part */
    pf_mesh_free(m);
}

Test(stl, empty_solid_between_others_leaves_no_part)
{
    pf_mesh *m = load_str(
        "solid a\n" FACET(0) "endsolid a\nsolid hollow\nendsolid hollow\nsolid c\n" FACET(1) "endsolid c\n");
    cr_assert_eq(m->nparts, 2);
    cr_assert_str_eq(m->parts[0].name, "a");
    cr_assert_str_eq(m->parts[1].name, "c");
    pf_mesh_free(m);
}

Test(stl, upper_case_keywords_crlf_and_free_layout_are_read)
{
    pf_mesh *m = load_str("solid block\r\nFACET NORMAL 0 0 1\r\nOUTER LOOP\r\nVERTEX 1.5 -2.25e+01 +3\r\n"
                          "VERTEX 1 0 0 VERTEX 0 1 0 ENDLOOP ENDFACET\r\n"
                          "facet outer loop vertex .5 0 0 vertex 1. 0 0 vertex 0 1 0 endloop endfacet\r\n"
                          "ENDSOLID block\r\n");
    cr_assert_eq(m->ntris, 2);
    cr_assert_str_eq(m->parts[0].name, "block");
    const float *v = m->verts + 3 * (size_t)m->tris[0];
    cr_assert(v[0] == 1.5f && v[1] == -22.5f && v[2] == 3.0f);
    cr_assert_eq(m->verts[3 * (size_t)m->tris[3]], 0.5f);
    pf_mesh_free(m);
}

Test(stl, nan_normals_are_ignored)
{
    pf_mesh *m = load_str("solid d\nfacet normal nan nan nan\n outer loop\n  vertex 0 0 0\n  vertex 1 0 0\n"
                          "  vertex 0 1 0\n endloop\nendfacet\nendsolid d\n");
    cr_assert_eq(m->ntris, 1);
    pf_mesh_free(m);
}

Test(stl, binary_with_solid_header_and_wrong_size_is_not_ascii)
{
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    unsigned char buf[84 + 50 + 1] = {0};
    memcpy(buf, "solid pretending", 16);
    buf[80] = 1;
    cr_assert_eq(pf_mesh_read_mem(buf, sizeof buf, NULL, &m, &eb), PF_E_PARSE);
    cr_assert(strstr(eb.msg, "byte 134"), "%s", eb.msg);
}

/* A deterministic mix of the number shapes exporters write, plus random digit strings, all compared bit for
 * bit with strtof. */
Test(stl, number_parser_matches_strtof_bit_for_bit)
{
    static const char *fmts[] = {"%.6e", "%.6f", "%.9g", "%.17g", "%.3f", "%.8e", "%g", "%.12f"};
    uint64_t s = 0x9E3779B97F4A7C15ull;
    char text[128];
    for (int i = 0; i < 60000; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        int scale = (int)(s >> 59) - 12; /* 10^-12 … 10^19 */
        double x = (double)(s >> 11) / 9007199254740992.0 * pow(10.0, scale);
        if (s & 1) x = -x;
        if (i % 8 == 7) { /* random digit strings with up to 24 digits and a dot somewhere */
            int nd = 1 + (int)((s >> 20) % 24), dot = (int)((s >> 30) % (unsigned)(nd + 1)), k = 0;
            uint64_t r = s;
            for (int d = 0; d < nd; d++) {
                if (d == dot) text[k++] = '.';
                r = r * 6364136223846793005ull + 1;
                text[k++] = (char)('0' + (r >> 60) % 10);
            }
            snprintf(text + k, sizeof text - (size_t)k, "e%d", (int)((s >> 40) % 80) - 40);
        } else {
            snprintf(text, sizeof text, fmts[i % 8], x);
        }
        float got = -1.0f;
        const unsigned char *t = (const unsigned char *)text, *end = t + strlen(text);
        cr_assert_eq(pf__parse_float(t, end, &got), end, "%s", text);
        float want = strtof(text, NULL);
        cr_assert(memcmp(&got, &want, sizeof got) == 0, "%s: %.9g vs strtof %.9g", text, got, want);
    }
}

Test(stl, number_parser_handles_midpoints_and_edges)
{
    /* 2^24 + 1 is halfway between two floats: ties to even; the long forms sit just beside a midpoint. */
    static const char *cases[] = {"16777217",
                                  "16777217.000000000000000001",
                                  "16777216.99999999999999999",
                                  "3.4028235e38",
                                  "3.4028236e38",
                                  "1.17549435e-38",
                                  "1e-45",
                                  "1e-50",
                                  "0.000000000000000000000000001",
                                  "-0",
                                  "1e+0000000000000000000005",
                                  "123456789012345678901234567890",
                                  "7e22",
                                  "7e23",
                                  "0.1e-30"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const unsigned char *t = (const unsigned char *)cases[i], *end = t + strlen(cases[i]);
        float got = -1.0f, want = strtof(cases[i], NULL);
        cr_assert_eq(pf__parse_float(t, end, &got), end, "%s", cases[i]);
        cr_assert(memcmp(&got, &want, sizeof got) == 0, "%s: %.9g vs %.9g", cases[i], got, want);
    }
    float f;
    const unsigned char *t = (const unsigned char *)"1e";
    cr_assert_eq(pf__parse_float(t, t + 2, &f), t + 1, "a bare 'e' is not part of the number");
    t = (const unsigned char *)"-.";
    cr_assert_null(pf__parse_float(t, t + 2, &f));
    t = (const unsigned char *)"nan";
    cr_assert_null(pf__parse_float(t, t + 3, &f));
}

Test(stl, numbers_are_not_read_past_the_buffer)
{
    /* "12" followed by a digit outside the given length must read as 12. */
    const unsigned char text[] = "123";
    float f = 0;
    cr_assert_eq(pf__parse_float(text, text + 2, &f), text + 2);
    cr_assert_eq(f, 12.0f);
}

/* ---- hostile files: each gives its own code and says where ---- */


Test(stl_hostile, binary_count_beyond_file_is_truncated)
{
    hostile("stl_binary_truncated.stl", 0, PF_E_TRUNCATED, "byte 184");
}
Test(stl_hostile, binary_with_solid_header_truncated_is_binary_truncated)
{
    hostile("stl_binary_solid_header_truncated.stl", 0, PF_E_TRUNCATED, "byte 134");
}
Test(stl_hostile, binary_nan_coordinate)
{
    hostile("stl_binary_nan.stl", 0, PF_E_BAD_NUMBER, "byte 162");
}
Test(stl_hostile, binary_inf_coordinate)
{
    hostile("stl_binary_inf.stl", 0, PF_E_BAD_NUMBER, "byte 128");
}
Test(stl_hostile, binary_zero_triangles_is_empty)
{
    hostile("stl_binary_zero.stl", 0, PF_E_EMPTY_MESH, "byte 80");
}
Test(stl_hostile, binary_trailing_bytes)
{
    hostile("stl_binary_trailing.stl", 0, PF_E_PARSE, "byte 134");
}
Test(stl_hostile, binary_over_triangle_limit)
{
    hostile("stl_binary_three.stl", 2, PF_E_TOO_MANY_TRIANGLES, "byte 80");
}
Test(stl_hostile, short_binary_junk_is_unknown)
{
    hostile("stl_binary_short.stl", 0, PF_E_FORMAT_UNKNOWN, "byte 0");
}
Test(stl_hostile, plain_words_are_unknown)
{
    hostile("stl_garbage.stl", 0, PF_E_FORMAT_UNKNOWN, "byte 0");
}
Test(stl_hostile, ascii_missing_endloop_is_truncated)
{
    hostile("stl_ascii_no_endloop.stl", 0, PF_E_TRUNCATED, "line 6");
}
Test(stl_hostile, ascii_missing_endfacet)
{
    hostile("stl_ascii_no_endfacet.stl", 0, PF_E_PARSE, "line 8");
}
Test(stl_hostile, ascii_missing_endsolid_is_truncated)
{
    hostile("stl_ascii_no_endsolid.stl", 0, PF_E_TRUNCATED, "line 15");
}
Test(stl_hostile, ascii_nan_coordinate)
{
    hostile("stl_ascii_nan.stl", 0, PF_E_BAD_NUMBER, "line 12");
}
Test(stl_hostile, ascii_overflowing_coordinate)
{
    hostile("stl_ascii_inf.stl", 0, PF_E_BAD_NUMBER, "line 6");
}
Test(stl_hostile, ascii_malformed_number)
{
    hostile("stl_ascii_bad_number.stl", 0, PF_E_BAD_NUMBER, "line 5");
}
Test(stl_hostile, ascii_missing_coordinate)
{
    hostile("stl_ascii_missing_coordinate.stl", 0, PF_E_BAD_NUMBER, "line 7");
}
Test(stl_hostile, ascii_four_vertex_loop)
{
    hostile("stl_ascii_four_vertices.stl", 0, PF_E_PARSE, "line 7");
}
Test(stl_hostile, ascii_without_facets_is_empty)
{
    hostile("stl_ascii_empty.stl", 0, PF_E_EMPTY_MESH, "line 2");
}
Test(stl_hostile, ascii_garbage_after_endsolid)
{
    hostile("stl_ascii_trailing_garbage.stl", 0, PF_E_PARSE, "line 10");
}
Test(stl_hostile, ascii_over_triangle_limit)
{
    hostile("stl_ascii_three.stl", 2, PF_E_TOO_MANY_TRIANGLES, "line 22");
}

Test(stl_hostile, over_size_limit_is_too_large)
{
    pf_intake_limits lim = {.max_file_bytes = 100};
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_mesh_read_file(PF_TEST_DATA "/cube20.stl", &lim, &m, &eb), PF_E_TOO_LARGE);
    cr_assert(strstr(eb.msg, "684 bytes"), "%s", eb.msg);
    cr_assert_eq(pf_mesh_read_mem("solid x\n", 8, &lim, &m, &eb), PF_E_TRUNCATED); /* under the limit: read */
}

Test(stl_hostile, every_truncation_of_an_ascii_file_fails_cleanly)
{
    /* Cutting cube20.ascii.stl anywhere short of its end must give an error with a line, never a crash. */
    FILE *f = fopen(PF_TEST_DATA "/cube20.ascii.stl", "rb");
    cr_assert_not_null(f);
    char buf[4096];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t end = len;
    while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == ' '))
        end--;
    for (size_t cut = 6; cut < end - 11; cut++) { /* a cut after "endsolid" still ends the file */
        pf_mesh *m = NULL;
        pf_errbuf eb = {{0}};
        pf_err err = pf_mesh_read_mem(buf, cut, NULL, &m, &eb);
        cr_assert_neq(err, PF_E_OK, "cut at %zu", cut);
        cr_assert(strstr(eb.msg, "line "), "cut at %zu: %s", cut, eb.msg);
    }
}
