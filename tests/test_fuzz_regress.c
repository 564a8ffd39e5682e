/* Every input a fuzzer once broke PrintForge's intake with: each must now read cleanly or fail with a
 * message. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mesh.h"
#include "tests/fuzz/fuzz_intake.h"

#define REGRESS_DIR PF_TEST_DATA "/fuzz-regress"


Test(fuzz_regress, every_saved_input_returns_with_a_code_and_message)
{
    DIR *d = opendir(REGRESS_DIR);
    cr_assert_not_null(d, "missing %s", REGRESS_DIR);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", REGRESS_DIR, e->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
        cr_assert_not_null(buf);
        cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
        fclose(f);
        pf_mesh *m = NULL;
        pf_errbuf eb = {{0}};
        pf_err err = pf_mesh_read_mem(buf, (size_t)len, &pf_fuzz_limits /* the fuzz targets' limits: findings reproduce as found */, &m, &eb);
        if (err == PF_E_OK) {
            cr_assert_not_null(m, "%s", e->d_name);
            cr_assert_gt(m->ntris, 0, "%s", e->d_name);
        } else {
            cr_assert_null(m, "%s", e->d_name);
            cr_assert_gt(strlen(eb.msg), 0, "%s: %s without a message", e->d_name, pf_err_name(err));
        }
        pf_mesh_free(m);
        /* and the fuzz targets' own checks, the analysis included (they trap on a broken invariant) */
        pf_format fmt = pf_mesh_detect(buf, (size_t)len);
        pf_fuzz_intake(buf, (size_t)len, fmt, fmt);
        free(buf);
        files++;
    }
    closedir(d);
    cr_assert_gt(files, 0, "no regression inputs in %s", REGRESS_DIR);
}
