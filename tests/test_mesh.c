/* Mesh builder, welding and binary STL intake. */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/bigalloc.h"
#include "engine/mesh.h"
#include "engine/sched.h"

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

Test(mesh, upper_case_solid_is_ascii_stl)
{
    static const char text[] =
        "SOLID CUBE\n FACET NORMAL 0 0 1\n  OUTER LOOP\n   VERTEX 0 0 0\n   VERTEX 1 0 0\n"
        "   VERTEX 0 1 0\n  ENDLOOP\n ENDFACET\nENDSOLID CUBE\n";
    cr_assert_eq(pf_mesh_detect(text, sizeof text - 1), PF_FORMAT_STL_ASCII);
    cr_assert_eq(pf_mesh_detect("Solid\tx\nfacet", 13), PF_FORMAT_STL_ASCII);
    cr_assert_eq(pf_mesh_detect("solid", 5), PF_FORMAT_STL_ASCII);
    /* "solidity" is a word, not the keyword. */
    cr_assert_eq(pf_mesh_detect("solidity\n", 9), PF_FORMAT_UNKNOWN);
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_mesh_read_mem(text, sizeof text - 1, NULL, &m, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(m->format, PF_FORMAT_STL_ASCII);
    cr_assert_eq(m->ntris, 1);
    cr_assert_str_eq(m->parts[0].name, "CUBE");
    pf_mesh_free(m);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*len);
    cr_assert_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

static void assert_identical(const pf_mesh *a, const pf_mesh *b)
{
    cr_assert_eq(a->ntris, b->ntris);
    cr_assert_eq(a->nverts, b->nverts);
    cr_assert_eq(memcmp(a->tris, b->tris, a->ntris * 3 * sizeof *a->tris), 0, "triangles differ");
    cr_assert_eq(memcmp(a->verts, b->verts, a->nverts * 3 * sizeof *a->verts), 0, "vertices differ");
}

/* bumpy_100k has 298 k corners, enough for the two-thread weld; every path must give the one-thread mesh. */
Test(mesh, welding_is_identical_for_any_thread_count_and_input_path)
{
    pf_intake_limits one = {.threads = 1}, two = {.threads = 2};
    pf_mesh *ref = NULL, *m = NULL;
    cr_assert_eq(pf_mesh_read_file(PF_TEST_DATA "/bumpy_100k.stl", &one, &ref, NULL), PF_E_OK);
    cr_assert_eq(ref->ntris, 99224);
    cr_assert(ref->nverts > 40000 && ref->nverts < 60000, "%zu vertices", ref->nverts);
    /* From the file (streamed) and from memory (welded in place), with two threads. */
    /* The helper joins at a different point each time (or not at all), so the ranges meet elsewhere. */
    for (int round = 0; round < 6; round++) {
        cr_assert_eq(pf_mesh_read_file(PF_TEST_DATA "/bumpy_100k.stl", &two, &m, NULL), PF_E_OK);
        assert_identical(ref, m);
        pf_mesh_free(m);
    }
    size_t len;
    unsigned char *buf = slurp(PF_TEST_DATA "/bumpy_100k.stl", &len);
    cr_assert_eq(pf_mesh_read_mem(buf, len, &two, &m, NULL), PF_E_OK);
    assert_identical(ref, m);
    pf_mesh_free(m);
    /* As soup, one triangle at a time. */
    for (int th = 1; th <= 2; th++) {
        pf_mesh_builder b;
        pf_mesh_builder_init(&b, th == 1 ? &one : &two);
        for (size_t t = 0; t < ref->ntris; t++) {
            float v[9];
            for (int c = 0; c < 3; c++)
                memcpy(v + 3 * c, ref->verts + 3 * (size_t)ref->tris[3 * t + c], 12);
            cr_assert_eq(pf_mesh_builder_tri(&b, v, NULL), PF_E_OK);
        }
        cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
        assert_identical(ref, m);
        pf_mesh_free(m);
    }
    /* Indexed, with every vertex given twice (the copies welded away) and listed in reverse. */
    for (int th = 1; th <= 2; th++) {
        pf_mesh_builder b;
        pf_err err = PF_E_OK;
        size_t nv = ref->nverts;
        pf_mesh_builder_init(&b, th == 1 ? &one : &two);
        float *v = pf_mesh_builder_reserve_verts(&b, 2 * nv, &err, NULL);
        cr_assert_not_null(v);
        for (size_t i = 0; i < nv; i++) {
            memcpy(v + 3 * (nv - 1 - i), ref->verts + 3 * i, 12);
            memcpy(v + 3 * (nv + i), ref->verts + 3 * i, 12);
        }
        pf_mesh_builder_commit_verts(&b, 2 * nv);
        uint32_t *t = pf_mesh_builder_reserve_indexed(&b, ref->ntris, &err, NULL);
        cr_assert_not_null(t);
        for (size_t i = 0; i < ref->ntris * 3; i++)
            t[i] = i % 2 ? (uint32_t)(nv - 1 - ref->tris[i]) : (uint32_t)(nv + ref->tris[i]);
        pf_mesh_builder_commit_indexed(&b, ref->ntris);
        cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
        assert_identical(ref, m);
        pf_mesh_free(m);
    }
    /* Without welding: every corner its own vertex, the same from the file and from memory. */
    pf_intake_limits soup = {.no_weld = 1};
    pf_mesh *s1 = NULL, *s2 = NULL;
    cr_assert_eq(pf_mesh_read_file(PF_TEST_DATA "/bumpy_100k.stl", &soup, &s1, NULL), PF_E_OK);
    cr_assert_eq(pf_mesh_read_mem(buf, len, &soup, &s2, NULL), PF_E_OK);
    assert_identical(s1, s2);
    cr_assert_eq(s1->nverts, 3 * 99224);
    for (size_t i = 0; i < 3 * 99224; i++)
        cr_assert_eq(s1->tris[i], i);
    cr_assert_eq(memcmp(s1->verts + 3 * 7, buf + 84 + 2 * 50 + 12 + 12, 12), 0); /* corner 1 of triangle 2 */
    pf_mesh_free(s1);
    pf_mesh_free(s2);
    free(buf);
    pf_mesh_free(ref);
}

Test(mesh, soup_and_indexed_input_mix_in_order)
{
    static const float quad[4][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}};
    pf_mesh_builder b;
    pf_err err = PF_E_OK;
    pf_mesh_builder_init(&b, NULL);
    float t0[9] = {0, 0, 0, 1, 0, 0, 1, 1, 0}; /* soup first: triangle 0 */
    cr_assert_eq(pf_mesh_builder_tri(&b, t0, NULL), PF_E_OK);
    cr_assert_eq(pf_mesh_builder_part(&b, "indexed", 1), PF_E_OK);
    float *v = pf_mesh_builder_reserve_verts(&b, 4, &err, NULL);
    cr_assert_not_null(v);
    memcpy(v, quad, sizeof quad);
    pf_mesh_builder_commit_verts(&b, 4);
    cr_assert_eq(b.niverts, 7); /* the soup triangle's three corners came first */
    uint32_t *t = pf_mesh_builder_reserve_indexed(&b, 1, &err, NULL);
    t[0] = 3, t[1] = 5, t[2] = 6; /* (0 0 0) (1 1 0) (0 1 0) */
    pf_mesh_builder_commit_indexed(&b, 1);
    cr_assert_eq(pf_mesh_builder_part(&b, "soup again", 0), PF_E_OK);
    float t2[9] = {0, 1, 0, 1, 1, 0, 0, 1, -0.0f};
    cr_assert_eq(pf_mesh_builder_tri(&b, t2, NULL), PF_E_OK);
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &m, NULL), PF_E_OK);
    cr_assert_eq(m->ntris, 3);
    cr_assert_eq(m->nverts, 4); /* the quad welds with the soup corners, and -0 with +0 */
    static const uint32_t want[9] = {0, 1, 2, 0, 2, 3, 3, 2, 3};
    cr_assert_eq(memcmp(m->tris, want, sizeof want), 0);
    cr_assert_eq(m->verts[3 * 3 + 1], 1.0f);
    cr_assert_eq(m->nparts, 3);
    cr_assert_eq(m->parts[1].first_tri, 1);
    cr_assert_eq(m->parts[2].printed, 0);
    pf_mesh_free(m);
}

Test(mesh, indexed_triangle_beyond_the_vertices_is_bad_index)
{
    pf_mesh_builder b;
    pf_err err = PF_E_OK;
    pf_errbuf eb = {{0}};
    pf_mesh_builder_init(&b, NULL);
    float *v = pf_mesh_builder_reserve_verts(&b, 3, &err, NULL);
    memset(v, 0, 9 * sizeof *v);
    v[3] = 1, v[7] = 1;
    pf_mesh_builder_commit_verts(&b, 3);
    uint32_t *t = pf_mesh_builder_reserve_indexed(&b, 2, &err, NULL);
    t[0] = 0, t[1] = 1, t[2] = 2, t[3] = 0, t[4] = 2, t[5] = 3;
    pf_mesh_builder_commit_indexed(&b, 2);
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_builder_finish(&b, &m, &eb), PF_E_BAD_INDEX);
    cr_assert_null(m);
    cr_assert(strstr(eb.msg, "triangle 1 refers to vertex 4 but there are 3"), "%s", eb.msg);
}

Test(mesh, thread_choice_honours_explicit_counts)
{
    cr_assert_eq(pf_sched_threads(1), 1);
    cr_assert_eq(pf_sched_threads(2), 2);
    int t = pf_sched_threads(0);
    cr_assert(t == 1 || t == 2, "%d", t);
}

/* A process (here: this thread) allowed on one core only must not split its work over two threads. */
Test(mesh, thread_choice_is_one_when_pinned_to_one_core)
{
    cpu_set_t all, one;
    cr_assert_eq(sched_getaffinity(0, sizeof all, &all), 0);
    int first = -1;
    for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
        if (CPU_ISSET(c, &all)) first = c;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
    int t = pf_sched_threads(0);
    cr_assert_eq(sched_setaffinity(0, sizeof all, &all), 0);
    cr_assert_eq(t, 1);
    cr_assert_eq(pf_sched_threads(2), 2, "an explicit count is still taken as it is");
}

/* A two-way step's pieces, taken from a counter by the caller and (maybe) the helper. */
typedef struct pair_job {
    atomic_int next;     /* the next piece */
    atomic_int hits[64]; /* how often each piece was done */
    atomic_int by[2];    /* pieces done by the caller, by the helper */
    int nested;          /* run a two-way step from inside this one */
} pair_job;

static void pair_piece(void *ctx, int who)
{
    pair_job *j = ctx;
    for (int p; (p = atomic_fetch_add(&j->next, 1)) < 64;) {
        if (j->nested) {
            pair_job inner = {0};
            pf_sched_pair(pair_piece, &inner, 1);
            for (int i = 0; i < 64; i++)
                cr_assert_eq(atomic_load(&inner.hits[i]), 1);
            cr_assert_eq(atomic_load(&inner.by[1]), 0, "a step inside a step runs on its caller alone");
        }
        for (volatile int spin = 0; spin < 20000; spin++)
            ;
        atomic_fetch_add(&j->hits[p], 1);
        atomic_fetch_add(&j->by[who], 1);
    }
}

/* Every piece is done exactly once whoever takes it, and the step is over when pf_sched_pair returns; also
 * when the helper was told to sleep between steps (pf_sched_rest), so that the next one must wake it. */
Test(mesh, two_way_step_does_every_piece_once)
{
    for (int round = 0; round < 40; round++) {
        pair_job j = {0};
        j.nested = round % 4 == 3; /* a two-way round */
        if (round >= 20) {
            pf_sched_rest();
            if (round % 3 == 0) usleep(2000); /* the helper asleep by now, not spinning */
        }
        pf_sched_pair(pair_piece, &j, round % 2 ? 1 : 0);
        for (int i = 0; i < 64; i++)
            cr_assert_eq(atomic_load(&j.hits[i]), 1, "round %d piece %d", round, i);
        cr_assert_eq(atomic_load(&j.by[0]) + atomic_load(&j.by[1]), 64);
        if (round % 2 == 0) cr_assert_eq(atomic_load(&j.by[1]), 0, "one thread asked for: no helper");
    }
}

/* A child of fork has no helper thread (only the forking thread is copied): it starts one of its own, which
 * takes part in the child's steps. Before, the child offered its steps to the parent's helper, which it does
 * not have, so it ran them alone. Under AddressSanitizer only that every piece is done once is checked: its
 * allocator's lock, when another thread of the test process (Criterion's) holds it at the fork, stays held
 * in the child, and the child's new thread waits on it for good while starting (seen in 6 of 40 runs beside
 * another test; glibc's malloc is reset in the child, so builds without the sanitizer check the helper). */
#if defined(__SANITIZE_ADDRESS__)
#define FORK_HELPER_CHECKED 0
#else
#define FORK_HELPER_CHECKED 1
#endif
Test(mesh, a_forked_child_starts_a_helper_of_its_own)
{
    pair_job j = {0};
    pf_sched_pair(pair_piece, &j, 1); /* the parent's helper exists from here on */
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int helped = 0;
        for (int round = 0; round < 200 && !helped; round++) {
            pair_job c = {0};
            pf_sched_pair(pair_piece, &c, 1);
            for (int i = 0; i < 64; i++)
                if (atomic_load(&c.hits[i]) != 1) _exit(2);
            helped = atomic_load(&c.by[1]) > 0;
        }
        _exit(helped || !FORK_HELPER_CHECKED ? 0 : 1);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "the child ended by signal %d", WTERMSIG(status));
    cr_assert_eq(WEXITSTATUS(status), 0,
                 "exit %d (1: the helper never took part in 200 steps; 2: a piece done twice)",
                 WEXITSTATUS(status));
}

/* Pages of [p, p + n) that are resident (touched before: a reused mapping), as a fraction. */
static double resident_fraction(const void *p, size_t n)
{
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)p & ~(uintptr_t)(pg - 1);
    size_t len = (size_t)((uintptr_t)p + n - a), npg = (len + (size_t)pg - 1) / (size_t)pg, in = 0;
    unsigned char *vec = malloc(npg);
    cr_assert_not_null(vec);
    cr_assert_eq(mincore((void *)a, len, vec), 0);
    for (size_t i = 0; i < npg; i++)
        in += vec[i] & 1;
    free(vec);
    return (double)in / (double)npg;
}

/* After pf_big_keep_heap, what a request frees in blocks below PF_BIG_MIN stays mapped for the next one:
 * glibc handed its heap's free top back to the kernel once it passed 128 KB, so an estimate's scratch came
 * back as fresh pages every time. 64 blocks of 48 KB stand for that scratch; a fresh block has only its first
 * page touched (malloc's header). ASan brings its own allocator, which mallopt does not reach: skipped there.
 */
Test(mesh, kept_heap_serves_the_next_request_warm)
{
#if defined(__SANITIZE_ADDRESS__)
    cr_skip_test("AddressSanitizer replaces malloc");
#endif
    pf_big_keep_heap();
    enum { N = 64, SZ = 48 << 10 };
    char *b[N];
    for (int i = 0; i < N; i++) {
        b[i] = malloc(SZ);
        cr_assert_not_null(b[i]);
        memset(b[i], 1, SZ);
    }
    for (int i = N - 1; i >= 0; i--)
        free(b[i]);
    double warm = 0;
    for (int i = 0; i < N; i++) {
        b[i] = malloc(SZ);
        cr_assert_not_null(b[i]);
        warm += resident_fraction(b[i], SZ) / N;
    }
    for (int i = N - 1; i >= 0; i--)
        free(b[i]);
    cr_assert(warm > 0.9, "%.0f %% of the blocks' pages were resident", 100 * warm);
}

/* A one-thread weld's freed scratch is big enough for the analysis' edge array (a uint32 per triangle
 * corner), which follows it in `printforge analyze`: that array then comes in warm instead of as fresh pages
 * (each one costs microseconds on the VMs here). A height field of 392 k triangles welds with 2.4 MB of
 * tables and buffers (4 MB of mapping) against 4.7 MB of edge array (6 MB). The weld touches about half of
 * what the array then gets; a fresh mapping has nothing resident. */
Test(mesh, one_thread_weld_leaves_scratch_the_edge_array_reuses)
{
    enum { R = 443 };
    size_t ntris = 2u * R * R;
    char path[] = "/tmp/pf_mesh_reuse_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    cr_assert_not_null(f);
    unsigned char head[84] = {0};
    uint32_t n32 = (uint32_t)ntris;
    memcpy(head + 80, &n32, 4);
    fwrite(head, 1, sizeof head, f);
    for (int y = 0; y < R; y++)
        for (int x = 0; x < R; x++) {
            float z00 = (float)((x * 7 + y * 3) % 11), z10 = (float)(((x + 1) * 7 + y * 3) % 11),
                  z01 = (float)((x * 7 + (y + 1) * 3) % 11), z11 = (float)(((x + 1) * 7 + (y + 1) * 3) % 11);
            float t[2][12] = {{0, 0, 1, (float)x, (float)y, z00, (float)x + 1, (float)y, z10, (float)x + 1,
                               (float)y + 1, z11},
                              {0, 0, 1, (float)x, (float)y, z00, (float)x + 1, (float)y + 1, z11, (float)x,
                               (float)y + 1, z01}};
            for (int k = 0; k < 2; k++) {
                fwrite(t[k], 4, 12, f);
                fwrite("\0\0", 1, 2, f);
            }
        }
    cr_assert_eq(fclose(f), 0);
    pf_intake_limits one = {.threads = 1};
    pf_mesh *m = NULL;
    cr_assert_eq(pf_mesh_read_file(path, &one, &m, NULL), PF_E_OK);
    unlink(path);
    cr_assert_eq(m->ntris, ntris);
    cr_assert_eq(m->nverts, (size_t)(R + 1) * (R + 1));
    size_t n = 3 * ntris * sizeof(uint32_t);
    void *e = pf_big_alloc(n);
    cr_assert_not_null(e);
    double warm = resident_fraction(e, n);
    cr_assert(warm > 0.2, "the edge array got %.0f %% warm pages", 100 * warm);
    pf_big_free(e, n);
    pf_mesh_free(m);
}
