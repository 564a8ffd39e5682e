/* Every input a fuzzer once broke PrintForge's intake or estimator with: each must now read cleanly or fail
 * with a message, and estimate within the fuzz target's checks; and the API targets' seeds and findings
 * (tokens, JSON bodies) within theirs. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mesh.h"
#include "tests/fuzz/fuzz_api.h"
#include "tests/fuzz/fuzz_estimate.h"
#include "tests/fuzz/fuzz_intake.h"
#include "tests/fuzz/fuzz_union.h"

#define REGRESS_DIR PF_TEST_DATA "/fuzz-regress"
#define ESTIMATE_DIR PF_TEST_DATA "/fuzz-estimate" /* the estimator target's seeds and findings */
#define UNION_DIR PF_TEST_DATA "/fuzz-union"       /* the contour-union target's */
#define API_DIR PF_TEST_DATA "/fuzz-api"           /* the API targets': tok_* tokens, json_* bodies */

/* The contents of dir/name (malloc'd; free() it), its length in *len. */
static unsigned char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Runs fn on every saved input of dir (*files: how many); returns the sum of what it returned. */
static size_t replay(const char *dir, int (*fn)(const uint8_t *, size_t), size_t *files)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "missing %s", dir);
    size_t sum = 0;
    *files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t len;
        unsigned char *buf = slurp(dir, e->d_name, &len);
        sum += (size_t)fn(buf, len);
        free(buf);
        ++*files;
    }
    closedir(d);
    cr_assert_gt(*files, 0, "no inputs in %s", dir);
    return sum;
}

Test(fuzz_regress, every_saved_input_returns_with_a_code_and_message)
{
    DIR *d = opendir(REGRESS_DIR);
    cr_assert_not_null(d, "missing %s", REGRESS_DIR);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t len;
        unsigned char *buf = slurp(REGRESS_DIR, e->d_name, &len);
        pf_mesh *m = NULL;
        pf_errbuf eb = {{0}};
        pf_err err = pf_mesh_read_mem(
            buf, len, &pf_fuzz_limits /* the fuzz targets' limits: findings reproduce as found */, &m, &eb);
        if (err == PF_E_OK) {
            cr_assert_not_null(m, "%s", e->d_name);
            cr_assert_gt(m->ntris, 0, "%s", e->d_name);
        } else {
            cr_assert_null(m, "%s", e->d_name);
            cr_assert_gt(strlen(eb.msg), 0, "%s: %s without a message", e->d_name, pf_err_name(err));
        }
        pf_mesh_free(m);
        /* and the fuzz targets' own checks, the analysis included (they trap on a broken invariant) */
        pf_format fmt = pf_mesh_detect(buf, len);
        pf_fuzz_intake(buf, len, fmt, fmt);
        free(buf);
        files++;
    }
    closedir(d);
    cr_assert_gt(files, 0, "no regression inputs in %s", REGRESS_DIR);
}

/* The estimator target's inputs: triangle soups it prepares on the scalar backend and on SIMD with one and
 * two threads (tests/fuzz/fuzz_estimate.h traps on a crash-free failure too: a non-finite or negative figure,
 * SIMD off the scalar oracle, a thread count changing the answer, an error without a message). */
Test(fuzz_regress, every_saved_estimator_input_estimates_within_the_checks, .timeout = 300)
{
    size_t files, estimated = replay(ESTIMATE_DIR, pf_fuzz_estimate, &files);
    /* the seeds (seed_*) are printable parts: the checks ran on them, not only on refusals */
    cr_assert_geq(estimated, 11, "%zu of %zu inputs estimated", estimated, files);
}

/* The contour-union target's inputs (tests/fuzz/fuzz_union.h traps on a non-finite outline or a runaway):
 * the seeds are soups of boxes whose outlines it makes. */
Test(fuzz_regress, every_saved_union_input_makes_a_finite_outline)
{
    size_t files, made = replay(UNION_DIR, pf_fuzz_union, &files);
    cr_assert_geq(made, 4, "%zu of %zu inputs made an outline", made, files);
}

/* The API targets' inputs (tests/fuzz/fuzz_api.h traps on a broken check: a verified token outside the
 * rules or not signing back to the same claims, a refusal without a message, an arena parse unlike cJSON's).
 * The seeds include a valid session token, signed claims payloads and bodies that parse, so the checks run on
 * accepted input, not only on refusals. */
Test(fuzz_regress, every_saved_token_and_body_passes_the_api_checks)
{
    DIR *d = opendir(API_DIR);
    cr_assert_not_null(d, "missing %s", API_DIR);
    size_t tokens = 0, verified = 0, bodies = 0, parsed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        size_t len;
        unsigned char *buf = slurp(API_DIR, e->d_name, &len);
        if (!strncmp(e->d_name, "tok_", 4)) {
            tokens++;
            verified += (size_t)pf_fuzz_tokens(buf, len);
        } else if (!strncmp(e->d_name, "json_", 5)) {
            bodies++;
            parsed += (size_t)pf_fuzz_json_arena(buf, len);
        } else {
            cr_assert_fail("%s: neither tok_ nor json_", e->d_name);
        }
        free(buf);
    }
    closedir(d);
    cr_assert_geq(tokens, 10, "%zu token inputs", tokens);
    cr_assert_geq(bodies, 5, "%zu body inputs", bodies);
    cr_assert(verified >= 2 && verified < tokens, "%zu of %zu tokens verified", verified, tokens);
    cr_assert(parsed >= 3 && parsed < bodies, "%zu of %zu bodies parsed", parsed, bodies);
}
