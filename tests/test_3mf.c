/* 3MF intake: container, relationships, units, transforms, components, build, extensions and hostile
 * packages. The packages come from tests/data/3mf/make_3mf.py; expectations follow from the shapes it writes.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mesh.h"
#include "engine/zip.h"

#define D3 PF_TEST_DATA "/3mf/"
#define HOSTILE PF_TEST_DATA "/hostile/3mf_"

static pf_mesh *read_ok(const char *path, const pf_intake_limits *lim)
{
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    pf_err e = pf_mesh_read_file(path, lim, &m, &eb);
    cr_assert_eq(e, PF_E_OK, "%s: %s %s", path, pf_err_name(e), eb.msg);
    cr_assert_eq(m->format, PF_FORMAT_3MF);
    return m;
}

/* Reads a package that must fail with `want`, and checks the message names a position (`where`). */
static void read_fails(const char *path, const pf_intake_limits *lim, pf_err want, const char *where)
{
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    pf_err e = pf_mesh_read_file(path, lim, &m, &eb);
    cr_assert_eq(e, want, "%s: got %s (%s), want %s", path, pf_err_name(e), eb.msg, pf_err_name(want));
    cr_assert_null(m);
    cr_assert_neq(eb.msg[0], 0, "%s: empty message", path);
    cr_assert_not_null(strstr(eb.msg, where), "%s: message \"%s\" lacks \"%s\"", path, eb.msg, where);
}

/* Signed volume by tetrahedra against the origin: positive when the triangles wind outward. */
static double tri_volume(const pf_mesh *m, size_t first, size_t count)
{
    double v = 0;
    for (size_t t = first; t < first + count; t++) {
        const float *a = m->verts + 3 * m->tris[3 * t], *b = m->verts + 3 * m->tris[3 * t + 1],
                    *c = m->verts + 3 * m->tris[3 * t + 2];
        v += ((double)a[0] * ((double)b[1] * c[2] - (double)b[2] * c[1]) -
              (double)a[1] * ((double)b[0] * c[2] - (double)b[2] * c[0]) +
              (double)a[2] * ((double)b[0] * c[1] - (double)b[1] * c[0])) /
             6.0;
    }
    return v;
}

static double volume(const pf_mesh *m)
{
    return tri_volume(m, 0, m->ntris);
}

static void bbox(const pf_mesh *m, size_t first, size_t count, double lo[3], double hi[3])
{
    for (int k = 0; k < 3; k++)
        lo[k] = INFINITY, hi[k] = -INFINITY;
    for (size_t i = 3 * first; i < 3 * (first + count); i++)
        for (int k = 0; k < 3; k++) {
            double c = m->verts[3 * m->tris[i] + k];
            lo[k] = c < lo[k] ? c : lo[k];
            hi[k] = c > hi[k] ? c : hi[k];
        }
}

static void assert_box(const pf_mesh *m, size_t first, size_t count, double x0, double y0, double z0,
                       double x1, double y1, double z1)
{
    double lo[3], hi[3], want_lo[3] = {x0, y0, z0}, want_hi[3] = {x1, y1, z1};
    bbox(m, first, count, lo, hi);
    for (int k = 0; k < 3; k++) {
        double tol = 1e-5 * (fabs(want_hi[k]) + fabs(want_lo[k]) + 1);
        cr_assert_float_eq(lo[k], want_lo[k], tol, "axis %d low %g, want %g", k, lo[k], want_lo[k]);
        cr_assert_float_eq(hi[k], want_hi[k], tol, "axis %d high %g, want %g", k, hi[k], want_hi[k]);
    }
}

/* ---- Container ---- */

static void assert_model_method(const char *path, unsigned method)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static unsigned char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    pf_intake_limits lim = pf_intake_limits_resolve(NULL);
    pf_zip z;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_zip_open(&z, buf, n, &lim, &eb), PF_E_OK, "%s", eb.msg);
    const pf_zip_entry *e = pf_zip_find(&z, "/3d/3DMODEL.model", 17);
    cr_assert_not_null(e, "part names compare case-insensitively");
    cr_assert_eq(e->method, method);
    pf_zip_close(&z);
}

Test(threemf, stored_and_deflated_entries_read_the_same)
{
    assert_model_method(D3 "zip_stored.3mf", 0);
    assert_model_method(D3 "zip_deflated.3mf", 8);
    const char *files[] = {D3 "zip_stored.3mf", D3 "zip_deflated.3mf", D3 "zip_descriptor.3mf",
                           D3 "zip64.3mf"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        pf_mesh *m = read_ok(files[i], NULL);
        cr_assert_eq(m->ntris, 12, "%s", files[i]);
        cr_assert_eq(m->nverts, 8, "%s", files[i]);
        cr_assert_float_eq(volume(m), 1000.0, 1e-6, "%s", files[i]);
        pf_mesh_free(m);
    }
}

Test(threemf, zip64_records_and_extra_fields_are_read)
{
    /* make_3mf.py saturates every 32-bit field, so the sizes only exist in the ZIP64 structures. */
    FILE *f = fopen(D3 "zip64.3mf", "rb");
    cr_assert_not_null(f);
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert_eq(buf[n - 22 + 10], 0xff, "end record count saturated");
    pf_intake_limits lim = pf_intake_limits_resolve(NULL);
    pf_zip z;
    cr_assert_eq(pf_zip_open(&z, buf, n, &lim, NULL), PF_E_OK);
    cr_assert_eq(z.n, 3);
    const pf_zip_entry *e = pf_zip_find(&z, "3D/3dmodel.model", 16);
    cr_assert_not_null(e);
    cr_assert_lt(e->size, 0xffffffffu);
    cr_assert_lt(e->data_off + e->comp_size, n);
    pf_zip_close(&z);
}

Test(threemf, data_descriptors_are_allowed)
{
    FILE *f = fopen(D3 "zip_descriptor.3mf", "rb");
    cr_assert_not_null(f);
    unsigned char hdr[8];
    cr_assert_eq(fread(hdr, 1, 8, f), 8);
    fclose(f);
    cr_assert(hdr[6] & 8, "general purpose flag bit 3 (data descriptor) set");
}

/* ---- Reference models: same triangles and volume as their STL ---- */

static void assert_same_as_stl(const char *tmf, const char *stl)
{
    pf_mesh *a = read_ok(tmf, NULL), *b = NULL;
    cr_assert_eq(pf_mesh_read_file(stl, NULL, &b, NULL), PF_E_OK);
    cr_assert_eq(a->ntris, b->ntris);
    double va = volume(a), vb = volume(b);
    cr_assert_gt(va, 0);
    cr_assert_float_eq(va, vb, 1e-5 * vb, "3MF %f vs STL %f", va, vb);
    pf_mesh_free(a);
    pf_mesh_free(b);
}

Test(threemf, gear_matches_its_stl)
{
    assert_same_as_stl(PF_TEST_DATA "/gear.3mf", PF_TEST_DATA "/gear.stl");
}

Test(threemf, cube20_matches_its_stl)
{
    assert_same_as_stl(PF_TEST_DATA "/cube20.3mf", PF_TEST_DATA "/cube20.stl");
}

/* ---- Units: a 10-unit cube translated by 5 units along x ---- */

Test(threemf, every_unit_converts_to_millimetres)
{
    static const struct {
        const char *file;
        double mm;
    } cases[] = {{"unit_micron.3mf", 0.001}, {"unit_millimeter.3mf", 1}, {"unit_centimeter.3mf", 10},
                 {"unit_inch.3mf", 25.4},    {"unit_foot.3mf", 304.8},   {"unit_meter.3mf", 1000},
                 {"unit_default.3mf", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, D3 "%s", cases[i].file);
        pf_mesh *m = read_ok(path, NULL);
        double s = cases[i].mm;
        assert_box(m, 0, m->ntris, 5 * s, 0, 0, 15 * s, 10 * s, 10 * s);
        cr_assert_float_eq(volume(m), 1000 * s * s * s, 1e-5 * 1000 * s * s * s, "%s", cases[i].file);
        pf_mesh_free(m);
    }
}

/* ---- Transforms on a 10×20×30 box ---- */

Test(threemf, translation_moves_the_box)
{
    pf_mesh *m = read_ok(D3 "xf_translate.3mf", NULL);
    assert_box(m, 0, m->ntris, 20, 30, 40, 30, 50, 70);
    cr_assert_float_eq(volume(m), 6000, 1e-6);
    pf_mesh_free(m);
}

Test(threemf, rotation_uses_row_vector_convention)
{
    /* "0 1 0 -1 0 0 0 0 1": x' = -y, y' = x, a quarter turn counter-clockwise about z. */
    pf_mesh *m = read_ok(D3 "xf_rotate.3mf", NULL);
    assert_box(m, 0, m->ntris, -20, 0, 0, 0, 10, 30);
    cr_assert_float_eq(volume(m), 6000, 1e-6);
    pf_mesh_free(m);
}

Test(threemf, mirror_reverses_winding_so_volume_stays_positive)
{
    pf_mesh *m = read_ok(D3 "xf_mirror.3mf", NULL);
    assert_box(m, 0, m->ntris, -10, 0, 0, 0, 20, 30);
    cr_assert_float_eq(volume(m), 6000, 1e-6);
    pf_mesh_free(m);
}

/* ---- Components ---- */

Test(threemf, shared_component_is_expanded_per_use)
{
    pf_mesh *m = read_ok(D3 "comp_shared.3mf", NULL);
    cr_assert_eq(m->ntris, 24);
    assert_box(m, 0, m->ntris, 0, 0, 0, 30, 10, 10);
    cr_assert_float_eq(volume(m), 2000, 1e-6);
    pf_mesh_free(m);
}

Test(threemf, nested_components_compose_inner_transform_first)
{
    /* inner: cube ×2 then +20 x; outer: inner +100 y, plus the plain cube; item +5 z. */
    pf_mesh *m = read_ok(D3 "comp_nested.3mf", NULL);
    cr_assert_eq(m->ntris, 24);
    assert_box(m, 0, 12, 20, 100, 5, 40, 120, 25);
    assert_box(m, 12, 12, 0, 0, 5, 10, 10, 15);
    cr_assert_float_eq(volume(m), 9000, 1e-6);
    pf_mesh_free(m);
}

Test(threemf, component_cycle_is_refused)
{
    read_fails(D3 "comp_cycle.3mf", NULL, PF_E_CYCLE, "3D/3dmodel.model line ");
}

Test(threemf, component_used_1000_times_counts_1000_times)
{
    pf_mesh *m = read_ok(D3 "comp_1000.3mf", NULL);
    cr_assert_eq(m->ntris, 12000);
    cr_assert_float_eq(volume(m), 1000 * 1000.0, 1e-3);
    pf_mesh_free(m);
    pf_intake_limits lim = {.max_triangles = 11999};
    read_fails(D3 "comp_1000.3mf", &lim, PF_E_TOO_MANY_TRIANGLES, "12000 triangles");
}

/* ---- Build ---- */

Test(threemf, object_outside_the_build_is_not_read)
{
    pf_mesh *m = read_ok(D3 "build_unreferenced.3mf", NULL);
    cr_assert_eq(m->ntris, 4, "only the tetrahedron is built, not the cube");
    pf_mesh_free(m);
}

Test(threemf, object_built_twice_gives_two_parts)
{
    pf_mesh *m = read_ok(D3 "build_twice.3mf", NULL);
    cr_assert_eq(m->ntris, 24);
    cr_assert_eq(m->nparts, 2);
    cr_assert_str_eq(m->parts[0].name, "object 1");
    cr_assert_eq(m->parts[1].first_tri, 12);
    assert_box(m, 12, 12, 50, 0, 0, 60, 10, 10);
    pf_mesh_free(m);
}

Test(threemf, support_object_is_a_part_not_printed)
{
    pf_mesh *m = read_ok(D3 "build_support.3mf", NULL);
    cr_assert_eq(m->nparts, 3);
    cr_assert_str_eq(m->parts[0].name, "body");
    cr_assert_eq(m->parts[0].printed, 1);
    cr_assert_eq(m->parts[0].tri_count, 12);
    cr_assert_str_eq(m->parts[1].name, "tree");
    cr_assert_eq(m->parts[1].printed, 0);
    cr_assert_eq(m->parts[1].tri_count, 12);
    cr_assert_float_eq(tri_volume(m, m->parts[1].first_tri, 12), 40, 1e-6);
    cr_assert_str_eq(m->parts[2].name, "object 3");
    cr_assert_eq(m->parts[2].printed, 1);
    cr_assert_eq(m->parts[2].tri_count, 4);
    pf_mesh_free(m);
}

/* ---- Extensions ---- */

Test(threemf, required_slice_extension_is_refused_by_name)
{
    read_fails(
        D3 "ext_slice_required.3mf", NULL, PF_E_UNSUPPORTED_EXTENSION,
        "line 2: requires unsupported extension http://schemas.microsoft.com/3dmanufacturing/slice/2015/07");
}

Test(threemf, production_path_is_followed_with_its_own_unit)
{
    pf_mesh *m = read_ok(D3 "ppath.3mf", NULL);
    cr_assert_eq(m->ntris, 24);
    cr_assert_eq(m->nparts, 2);
    cr_assert_str_eq(m->parts[0].name, "assembly");
    assert_box(m, 0, 12, 0, 0, 0, 10, 10, 10);
    cr_assert_str_eq(m->parts[1].name, "object 2");
    assert_box(m, 12, 12, 100, 0, 0, 125.4, 25.4, 25.4);
    cr_assert_float_eq(volume(m), 1000 + 25.4 * 25.4 * 25.4, 1e-3);
    pf_mesh_free(m);
}

Test(threemf, production_path_cycle_across_parts_is_refused)
{
    read_fails(D3 "ppath_cycle.3mf", NULL, PF_E_CYCLE, "line ");
}

/* ---- Hostile packages: each its own code and a position in the message ---- */

Test(threemf_hostile, truncated_upload)
{
    read_fails(HOSTILE "truncated.3mf", NULL, PF_E_TRUNCATED, "zip byte ");
}

Test(threemf_hostile, central_directory_offset_outside)
{
    read_fails(HOSTILE "bad_cd_offset.3mf", NULL, PF_E_ZIP, "zip byte ");
}

Test(threemf_hostile, local_header_offset_wrong)
{
    read_fails(HOSTILE "bad_local_offset.3mf", NULL, PF_E_ZIP, "local header offset 7");
}

Test(threemf_hostile, entry_data_past_the_end)
{
    read_fails(HOSTILE "data_past_end.3mf", NULL, PF_E_ZIP, "runs past the archive");
}

Test(threemf_hostile, size_lie_in_central_directory)
{
    read_fails(HOSTILE "lying_size.3mf", NULL, PF_E_ZIP, "3D/3dmodel.model (zip byte ");
}

Test(threemf_hostile, unknown_compression_method)
{
    read_fails(HOSTILE "unknown_method.3mf", NULL, PF_E_UNSUPPORTED, "method 12");
}

Test(threemf_hostile, corrupt_deflate_stream)
{
    read_fails(HOSTILE "corrupt_deflate.3mf", NULL, PF_E_ZIP, "3D/3dmodel.model (zip byte ");
}

Test(threemf_hostile, encrypted_entry)
{
    read_fails(HOSTILE "encrypted.3mf", NULL, PF_E_UNSUPPORTED, "zip byte ");
}

Test(threemf_hostile, duplicate_names_differing_in_case)
{
    read_fails(HOSTILE "duplicate_entry.3mf", NULL, PF_E_ZIP, "duplicate entry name");
}

Test(threemf_hostile, zip_bomb_entry_cap)
{
    pf_intake_limits lim = {.max_entry_inflated = 1 << 20};
    read_fails(HOSTILE "bomb.3mf", &lim, PF_E_ZIP_BOMB, "entry cap of 1048576 bytes");
}

Test(threemf_hostile, zip_bomb_ratio_cap)
{
    pf_intake_limits lim = {.max_inflate_ratio = 100};
    read_fails(HOSTILE "bomb.3mf", &lim, PF_E_ZIP_BOMB, "past 100 times its");
}

Test(threemf_hostile, zip_bomb_total_cap)
{
    pf_intake_limits lim = {.max_total_inflated = 2 << 20};
    read_fails(HOSTILE "bomb.3mf", &lim, PF_E_ZIP_BOMB, "total cap of 2097152 bytes");
}

Test(threemf_hostile, billion_laughs_refused_as_dtd)
{
    read_fails(HOSTILE "billion_laughs.3mf", NULL, PF_E_XML_DTD, "3D/3dmodel.model line 2");
}

Test(threemf_hostile, external_entity_refused_as_dtd)
{
    read_fails(HOSTILE "xxe.3mf", NULL, PF_E_XML_DTD, "3D/3dmodel.model line 2");
}

Test(threemf_hostile, doctype_in_relationships_refused)
{
    read_fails(HOSTILE "rels_doctype.3mf", NULL, PF_E_XML_DTD, "_rels/.rels line 2");
}

Test(threemf_hostile, malformed_xml_gives_its_line)
{
    read_fails(HOSTILE "malformed_xml.3mf", NULL, PF_E_XML, "3D/3dmodel.model line 15: mismatched tag");
}

Test(threemf_hostile, missing_relationships_part)
{
    read_fails(HOSTILE "no_rels.3mf", NULL, PF_E_NOT_FOUND, "_rels/.rels");
}

Test(threemf_hostile, relationships_without_a_model)
{
    read_fails(HOSTILE "rels_no_model.3mf", NULL, PF_E_NOT_FOUND, "_rels/.rels (zip byte ");
}

Test(threemf_hostile, relationship_target_missing)
{
    read_fails(HOSTILE "rels_missing_target.3mf", NULL, PF_E_NOT_FOUND,
               "\"/3D/3dmodel.model\" is not in the package");
}

Test(threemf_hostile, triangle_index_out_of_range)
{
    read_fails(HOSTILE "bad_index.3mf", NULL, PF_E_BAD_INDEX, "3D/3dmodel.model line 21: triangle v3=8");
}

Test(threemf_hostile, nan_coordinate)
{
    read_fails(HOSTILE "nan.3mf", NULL, PF_E_BAD_NUMBER, "3D/3dmodel.model line 8");
}

Test(threemf_hostile, infinite_transform)
{
    read_fails(HOSTILE "inf_transform.3mf", NULL, PF_E_BAD_NUMBER, "3D/3dmodel.model line 34");
}

Test(threemf_hostile, item_references_undefined_object)
{
    read_fails(HOSTILE "undefined_object.3mf", NULL, PF_E_PARSE, "line 34: <item> references object 9");
}

Test(threemf_hostile, expansion_bomb_counted_before_allocating)
{
    read_fails(HOSTILE "expansion_bomb.3mf", NULL, PF_E_TOO_MANY_TRIANGLES, "1200000000 triangles");
}

Test(threemf_hostile, nesting_deeper_than_the_limit)
{
    read_fails(HOSTILE "deep_nesting.3mf", NULL, PF_E_CYCLE, "deeper than 32 levels");
    pf_intake_limits lim = {.max_depth = 40};
    pf_mesh *m = read_ok(HOSTILE "deep_nesting.3mf", &lim);
    cr_assert_eq(m->ntris, 12);
    pf_mesh_free(m);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*len);
    cr_assert_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

Test(threemf_hostile, every_truncation_fails_cleanly)
{
    size_t len;
    unsigned char *buf = slurp(D3 "zip_deflated.3mf", &len);
    for (size_t n = 4; n < len; n++) {
        pf_mesh *m = NULL;
        pf_errbuf eb = {{0}};
        pf_err e = pf_mesh_read_mem(buf, n, NULL, &m, &eb);
        cr_assert_neq(e, PF_E_OK, "truncated to %zu bytes", n);
        cr_assert_neq(eb.msg[0], 0, "truncated to %zu bytes", n);
    }
    free(buf);
}

Test(threemf_hostile, every_single_byte_corruption_is_survived)
{
    size_t len;
    unsigned char *buf = slurp(D3 "zip_stored.3mf", &len);
    pf_intake_limits lim = {.max_triangles = 1000};
    for (size_t i = 0; i < len; i++) {
        unsigned char keep = buf[i];
        buf[i] ^= 0x5a;
        pf_mesh *m = NULL;
        pf_errbuf eb = {{0}};
        pf_err e = pf_mesh_read_mem(buf, len, &lim, &m, &eb);
        cr_assert(e == PF_E_OK || eb.msg[0], "byte %zu: %s without a message", i, pf_err_name(e));
        pf_mesh_free(m);
        buf[i] = keep;
    }
    free(buf);
}

Test(threemf_hostile, empty_fanout_is_not_walked, .timeout = 20)
{
    /* 10^8 paths to an empty object: the reader must skip them, not walk them. */
    pf_mesh *m = read_ok(HOSTILE "empty_fanout.3mf", NULL);
    cr_assert_eq(m->ntris, 4);
    cr_assert_eq(m->nparts, 1);
    cr_assert_str_eq(m->parts[0].name, "object 20");
    pf_mesh_free(m);
}
