/* Helpers shared by the intake tests (test_stl.c, test_obj.c, test_3mf.c). */
#ifndef PF_INTAKE_TEST_UTIL_H
#define PF_INTAKE_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "engine/mesh.h"

/* Reads tests/data/hostile/<file> under a triangle limit (0: default) and asserts it fails with `want`,
 * leaves no mesh, and says `where` (the position) in its message. */
static inline void hostile(const char *file, size_t max_tris, pf_err want, const char *where)
{
    char path[512];
    snprintf(path, sizeof path, "%s/hostile/%s", PF_TEST_DATA, file);
    pf_intake_limits lim = {.max_triangles = max_tris};
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    pf_err err = pf_mesh_read_file(path, &lim, &m, &eb);
    cr_assert_eq(err, want, "%s: got %s (%s), want %s", file, pf_err_name(err), eb.msg, pf_err_name(want));
    cr_assert_null(m);
    cr_assert(strstr(eb.msg, where), "%s: message '%s' lacks '%s'", file, eb.msg, where);
}

#endif
