/* Intake and analysis bench: read + analyse a ~1 M-triangle bumpy sphere in every format, against admesh.
 *
 * usage: bench_intake [RUNS] [OUT.md] [STEPS]
 * Writes the meshes to /tmp, times each step (best of RUNS, default 5) in wall and CPU time (all threads) and
 * prints a Markdown section ("## Intake and analysis") to stdout, and to OUT.md when given (not "-"). STEPS,
 * e.g. "0,1,9", runs only those rows (9: the whole-process comparison), for quick iteration. */
#include <malloc.h>
#include <math.h>
#include <spawn.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/bigalloc.h"
#include "engine/analyze.h"
#include "engine/mesh.h"

extern char **environ;

#define NLAT 500 /* 4·NLAT·(NLAT−1) = 998 000 triangles, the size of reference.csv's bumpy_1m */
#define NLON (2 * NLAT)
#define PATH_BIN "/tmp/pf_bench_intake.stl"
#define PATH_ASCII "/tmp/pf_bench_intake.ascii.stl"
#define PATH_OBJ "/tmp/pf_bench_intake.obj"
#define PATH_3MF "/tmp/pf_bench_intake.3mf"

typedef struct grid {
    float *v;      /* vertices: north pole, NLAT−1 rings of NLON, south pole */
    uint32_t *t;   /* triangles, counter-clockwise from outside */
    size_t nv, nt; /* counts */
} grid;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_of(const struct rusage *u)
{
    return (double)u->ru_utime.tv_sec + u->ru_utime.tv_usec * 1e-6 + (double)u->ru_stime.tv_sec +
           u->ru_stime.tv_usec * 1e-6;
}

/* CPU seconds used by this process so far, all threads, user + system. */
static double cpu_now(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return cpu_of(&u);
}

static size_t file_size(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* A star-shaped bumpy sphere: closed, manifold, one shell, so the full analysis has real work to do. */
static void make_grid(grid *g)
{
    const double R = 40.0, pi = acos(-1.0);
    g->nv = 2 + (size_t)(NLAT - 1) * NLON;
    g->nt = (size_t)2 * NLON * (NLAT - 1);
    g->v = malloc(g->nv * 3 * sizeof *g->v);
    g->t = malloc(g->nt * 3 * sizeof *g->t);
    if (!g->v || !g->t) abort();
    size_t k = 0;
    for (int i = 0; i <= NLAT; i++) {
        double th = pi * i / NLAT;
        for (int j = 0; j < ((i == 0 || i == NLAT) ? 1 : NLON); j++, k++) {
            double ph = 2 * pi * j / NLON;
            double r = R * (1 + 0.06 * sin(5 * th) * cos(7 * ph) + 0.02 * sin(17 * th + 3 * ph));
            g->v[k * 3] = (float)(r * sin(th) * cos(ph));
            g->v[k * 3 + 1] = (float)(r * sin(th) * sin(ph));
            g->v[k * 3 + 2] = (float)(r * cos(th) + R);
        }
    }
    uint32_t *t = g->t;
    uint32_t south = (uint32_t)(g->nv - 1);
#define RING(i, j) (uint32_t)(1 + (size_t)((i)-1) * NLON + (size_t)((j) % NLON))
    for (int j = 0; j < NLON; j++) {
        *t++ = 0, *t++ = RING(1, j), *t++ = RING(1, j + 1);
        *t++ = south, *t++ = RING(NLAT - 1, j + 1), *t++ = RING(NLAT - 1, j);
    }
    for (int i = 1; i < NLAT - 1; i++) {
        for (int j = 0; j < NLON; j++) {
            uint32_t a = RING(i, j), b = RING(i, j + 1), c = RING(i + 1, j), d = RING(i + 1, j + 1);
            *t++ = a, *t++ = c, *t++ = d;
            *t++ = a, *t++ = d, *t++ = b;
        }
    }
#undef RING
}

static void normal(const grid *g, size_t i, float n[3])
{
    const float *a = g->v + g->t[i * 3] * 3, *b = g->v + g->t[i * 3 + 1] * 3, *c = g->v + g->t[i * 3 + 2] * 3;
    float u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, w[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    n[0] = u[1] * w[2] - u[2] * w[1];
    n[1] = u[2] * w[0] - u[0] * w[2];
    n[2] = u[0] * w[1] - u[1] * w[0];
    float l = sqrtf(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    for (int k = 0; k < 3; k++)
        n[k] = l > 0 ? n[k] / l : 0;
}

static void write_binary(const grid *g)
{
    FILE *f = fopen(PATH_BIN, "wb");
    if (!f) abort();
    char header[80] = "PrintForge bench_intake bumpy sphere";
    uint32_t n = (uint32_t)g->nt;
    fwrite(header, 1, 80, f);
    fwrite(&n, 4, 1, f);
    for (size_t i = 0; i < g->nt; i++) {
        unsigned char rec[50] = {0};
        float nn[3];
        normal(g, i, nn);
        memcpy(rec, nn, 12);
        for (int c = 0; c < 3; c++)
            memcpy(rec + 12 + 12 * c, g->v + g->t[i * 3 + c] * 3, 12);
        fwrite(rec, 1, 50, f);
    }
    fclose(f);
}

/* Text formats print %.9g, which reads back to the same float, so welding sees the same vertices. */
static void write_ascii(const grid *g)
{
    FILE *f = fopen(PATH_ASCII, "w");
    if (!f) abort();
    fprintf(f, "solid bench\n");
    for (size_t i = 0; i < g->nt; i++) {
        float n[3];
        normal(g, i, n);
        fprintf(f, "  facet normal %e %e %e\n    outer loop\n", n[0], n[1], n[2]);
        for (int c = 0; c < 3; c++) {
            const float *p = g->v + g->t[i * 3 + c] * 3;
            fprintf(f, "      vertex %.9g %.9g %.9g\n", p[0], p[1], p[2]);
        }
        fprintf(f, "    endloop\n  endfacet\n");
    }
    fprintf(f, "endsolid bench\n");
    fclose(f);
}

static void write_obj(const grid *g)
{
    FILE *f = fopen(PATH_OBJ, "w");
    if (!f) abort();
    fprintf(f, "# PrintForge bench_intake bumpy sphere\no bumpy\n");
    for (size_t i = 0; i < g->nv; i++)
        fprintf(f, "v %.9g %.9g %.9g\n", g->v[i * 3], g->v[i * 3 + 1], g->v[i * 3 + 2]);
    for (size_t i = 0; i < g->nt; i++)
        fprintf(f, "f %u %u %u\n", g->t[i * 3] + 1, g->t[i * 3 + 1] + 1, g->t[i * 3 + 2] + 1);
    fclose(f);
}

/* ---- A minimal ZIP writer (deflate via zlib) for the 3MF container. ---- */

typedef struct zentry {
    const char *name;
    uint32_t crc, csize, usize, offset;
} zentry;

static void put16(FILE *f, unsigned v)
{
    fputc(v & 0xff, f), fputc(v >> 8 & 0xff, f);
}
static void put32(FILE *f, uint32_t v)
{
    put16(f, v & 0xffff), put16(f, v >> 16);
}

static void zip_add(FILE *f, zentry *e, const char *name, const char *data, size_t len)
{
    uLong bound = compressBound((uLong)len) + 64;
    unsigned char *out = malloc(bound);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (!out || deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) abort();
    e->name = name;
    e->crc = (uint32_t)crc32(0, (const unsigned char *)data, (uInt)len);
    e->csize = (uint32_t)zs.total_out;
    e->usize = (uint32_t)len;
    e->offset = (uint32_t)ftell(f);
    deflateEnd(&zs);
    put32(f, 0x04034b50), put16(f, 20), put16(f, 0), put16(f, 8), put16(f, 0), put16(f, 0);
    put32(f, e->crc), put32(f, e->csize), put32(f, e->usize), put16(f, (unsigned)strlen(name)), put16(f, 0);
    fwrite(name, 1, strlen(name), f);
    fwrite(out, 1, e->csize, f);
    free(out);
}

static void zip_finish(FILE *f, const zentry *e, int n)
{
    uint32_t cd = (uint32_t)ftell(f);
    for (int i = 0; i < n; i++) {
        put32(f, 0x02014b50), put16(f, 20), put16(f, 20), put16(f, 0), put16(f, 8), put16(f, 0), put16(f, 0);
        put32(f, e[i].crc), put32(f, e[i].csize), put32(f, e[i].usize), put16(f, (unsigned)strlen(e[i].name));
        put16(f, 0), put16(f, 0), put16(f, 0), put16(f, 0), put32(f, 0), put32(f, e[i].offset);
        fwrite(e[i].name, 1, strlen(e[i].name), f);
    }
    uint32_t cdlen = (uint32_t)ftell(f) - cd;
    put32(f, 0x06054b50), put16(f, 0), put16(f, 0), put16(f, (unsigned)n), put16(f, (unsigned)n);
    put32(f, cdlen), put32(f, cd), put16(f, 0);
}

static void write_3mf(const grid *g)
{
    size_t cap = 64 + g->nv * 80 + g->nt * 64 + 512, len = 0;
    char *x = malloc(cap);
    if (!x) abort();
    len += (size_t)sprintf(x + len, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"millimeter\" "
                                    "xml:lang=\"en-US\" xmlns=\"http://schemas.microsoft.com/3dmanufacturing/"
                                    "core/2015/02\">\n <resources>\n  <object id=\"1\" type=\"model\">\n   "
                                    "<mesh>\n    <vertices>\n");
    for (size_t i = 0; i < g->nv; i++)
        len += (size_t)sprintf(x + len, "     <vertex x=\"%.9g\" y=\"%.9g\" z=\"%.9g\"/>\n", g->v[i * 3],
                               g->v[i * 3 + 1], g->v[i * 3 + 2]);
    len += (size_t)sprintf(x + len, "    </vertices>\n    <triangles>\n");
    for (size_t i = 0; i < g->nt; i++)
        len += (size_t)sprintf(x + len, "     <triangle v1=\"%u\" v2=\"%u\" v3=\"%u\"/>\n", g->t[i * 3],
                               g->t[i * 3 + 1], g->t[i * 3 + 2]);
    len += (size_t)sprintf(x + len, "    </triangles>\n   </mesh>\n  </object>\n </resources>\n <build>\n  "
                                    "<item objectid=\"1\"/>\n </build>\n</model>\n");
    static const char ct[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Types "
        "xmlns=\"http://schemas.openxmlformats.org/package/"
        "2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/"
        "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"model\" "
        "ContentType=\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/></Types>\n";
    static const char rels[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Relationships "
        "xmlns=\"http://schemas.openxmlformats.org/"
        "package/2006/relationships\"><Relationship Target=\"/3D/3dmodel.model\" Id=\"rel0\" "
        "Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/></Relationships>\n";
    FILE *f = fopen(PATH_3MF, "wb");
    if (!f) abort();
    zentry e[3];
    zip_add(f, &e[0], "[Content_Types].xml", ct, sizeof ct - 1);
    zip_add(f, &e[1], "_rels/.rels", rels, sizeof rels - 1);
    zip_add(f, &e[2], "3D/3dmodel.model", x, len);
    zip_finish(f, e, 3);
    fclose(f);
    free(x);
}

/* ---- Timed steps. ---- */

typedef struct result {
    const char *what;
    size_t bytes, tris;
    double best;                 /* wall seconds, best of the runs; < 0 when the step failed */
    double best_cpu;             /* CPU seconds (all threads), best of the runs */
    double first;                /* wall seconds of the first run */
    char note[400];              /* why it failed, or a remark */
    double goal_mbs, goal_mtris; /* goals, 0 when none */
} result;

static const pf_intake_limits big = {.max_file_bytes = (size_t)1 << 31};

/* kind: 0 read only, 1 read (no weld) + stats, 2 read + full analysis, 3 full analysis of an already read
 * mesh. */
static void timed(result *r, const char *path, int kind, int runs, const pf_mesh *pre)
{
    pf_intake_limits lim = big;
    lim.no_weld = kind == 1;
    r->bytes = pre ? 0 : file_size(path);
    r->best = -1;
    for (int i = 0; i < runs; i++) {
        pf_mesh *m = NULL;
        pf_errbuf eb = {{0}};
        pf_err err = PF_E_OK;
        double t0 = now(), c0 = cpu_now();
        if (!pre) err = pf_mesh_read_file(path, &lim, &m, &eb);
        const pf_mesh *use = pre ? pre : m;
        if (err == PF_E_OK && kind == 1) {
            pf_mesh_stats st;
            err = pf_mesh_stats_compute(use, &st, &eb);
        } else if (err == PF_E_OK && kind >= 2) {
            pf_analysis a;
            err = pf_mesh_analyze(use, NULL, &a, &eb);
            if (err == PF_E_OK && (!a.watertight || a.shells != 1))
                snprintf(r->note, sizeof r->note, "NOT CLOSED");
        }
        double dt = now() - t0, dc = cpu_now() - c0;
        if (err != PF_E_OK) {
            snprintf(r->note, sizeof r->note, "not available: %s: %s", pf_err_name(err), eb.msg);
            pf_mesh_free(m);
            return;
        }
        r->tris = use->ntris;
        if (i == 0) r->first = dt;
        if (r->best < 0 || dt < r->best) r->best = dt;
        if (i == 0 || dc < r->best_cpu) r->best_cpu = dc;
        pf_mesh_free(m);
    }
}

/* Runs a whole process once: its wall seconds (< 0 when it did not run or failed, with note set) and, into
 * *cpu, its CPU seconds (user + system). */
static double time_process(char *const argv[], double *cpu, char *note, size_t notelen)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    pid_t pid;
    double t0 = now();
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    int st = 0;
    struct rusage u;
    memset(&u, 0, sizeof u);
    if (rc == 0) wait4(pid, &st, 0, &u);
    double dt = now() - t0;
    *cpu = cpu_of(&u);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(note, notelen, "%s did not run (spawn %d, status %d)", argv[0], rc, st);
        return -1;
    }
    return dt;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v). */
static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (!strncmp(line, "model name", 10) && c) {
            snprintf(out, len, "%s", c + 2);
            out[strcspn(out, "\n")] = 0;
            break;
        }
    }
    if (f) fclose(f);
}

static void row(FILE *f, const result *r, double goal_mbs, double goal_mtris)
{
    if (r->best < 0) {
        fprintf(f, "| %s | | | | | | | %s |\n", r->what, r->note);
        return;
    }
    double mbs = r->bytes ? r->bytes / r->best / 1e6 : 0, mt = r->tris / r->best / 1e6;
    double mbs_cpu = r->bytes ? r->bytes / r->best_cpu / 1e6 : 0, mt_cpu = r->tris / r->best_cpu / 1e6;
    char goal[64] = "";
    if (goal_mbs > 0)
        snprintf(goal, sizeof goal, "≥ %.0f MB/s: %s", goal_mbs, mbs >= goal_mbs ? "met" : "MISSED");
    if (goal_mtris > 0)
        snprintf(goal, sizeof goal, "≥ %.0f M tri/s: %s", goal_mtris, mt >= goal_mtris ? "met" : "MISSED");
    char mb[32] = "";
    if (r->bytes) snprintf(mb, sizeof mb, "%.0f", mbs);
    char mbc[32] = "";
    if (r->bytes) snprintf(mbc, sizeof mbc, "%.0f MB/s, ", mbs_cpu);
    fprintf(f, "| %s | %.1f | %.1f | %.1f | %s | %.2f | %s%.2f M tri/s | %s%s%s |\n", r->what, r->best * 1e3,
            r->first * 1e3, r->best_cpu * 1e3, mb, mt, mbc, mt_cpu, goal, *goal && *r->note ? "; " : "",
            r->note);
}

#define PROC_RUNS 9 /* whole-process runs of each program, interleaved */

typedef struct procs {
    double admesh, ours;         /* whole-process wall seconds, best of runs; < 0 when not run */
    double admesh_med, ours_med; /* their medians */
    double admesh_cpu, ours_cpu; /* whole-process CPU seconds (user + system), best of runs */
    char note[256];              /* why a program did not run */
} procs;

static void report(FILE *f, const result *rs, int n, const procs *p, int runs, const double load0[3])
{
    char cpu[128], date[64];
    double load[3] = {0, 0, 0};
    cpu_model(cpu, sizeof cpu);
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    if (getloadavg(load, 3) < 0) load[0] = -1;
    size_t tris = 0;
    for (int i = 0; i < n && !tris; i++)
        tris = rs[i].tris;
    fprintf(f, "## Intake and analysis\n\n");
    fprintf(
        f,
        "Machine: %s, %ld cores online, shared with other jobs: load average %.1f %.1f %.1f at the start "
        "of the run and %.1f %.1f %.1f at the end, so wall times include waiting for a core; %s.\n"
        "Mesh: bumpy sphere of %zu triangles (closed, one shell) written by bench/bench_intake.c to /tmp "
        "in each format; files in the page cache. `best` is the best of %d runs in one process, `first` "
        "the first run, `CPU` the best CPU time of all threads (user + system, getrusage), which the load "
        "inflates much less. Goals are judged on wall time. Large buffers come from mmap with transparent "
        "huge pages and freed ones are reused (engine/bigalloc.c): on this VM the first touch of a 4 KB "
        "page costs about 3 µs. Binary STL is read in 130 KB chunks and welded straight from them; other "
        "files are mapped. Each parallel step uses a second thread only when /proc/loadavg shows an idle "
        "core (engine/sched.c), so under load most steps run on one thread. The whole-process rows include "
        "start-up: `printforge` opens libmicrohttpd, libcurl, libcrypto, libharu, libqrencode and zlib only "
        "when a command first needs them (engine/dynlib.h) and links the libraries Debian ships as .a "
        "statically, so it starts with libcjson, the OpenCL loader, libm and libc (27 shared objects "
        "before). Whole processes run %d times each, admesh and printforge "
        "alternately: the best row is the fastest run; each printforge run after admesh's (which touched "
        "~85 MB and freed it) takes fresh memory, which on this VM costs from 4 to 60 ms of system time.\n\n",
        cpu, sysconf(_SC_NPROCESSORS_ONLN), load0[0], load0[1], load0[2], load[0], load[1], load[2], date,
        tris, runs, PROC_RUNS);
    fprintf(f, "| step | best ms | first ms | CPU ms | MB/s | M tri/s | per CPU second | goal / note |\n"
               "|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++)
        if (rs[i].what) row(f, &rs[i], rs[i].goal_mbs, rs[i].goal_mtris);
    const result *full = &rs[1];
    if (p->admesh > 0)
        fprintf(f, "| admesh 0.98.4 `admesh FILE.stl`, whole process | %.1f | | %.1f | %.0f | %.2f | | |\n",
                p->admesh * 1e3, p->admesh_cpu * 1e3, rs[0].bytes / p->admesh / 1e6, tris / p->admesh / 1e6);
    if (p->ours > 0)
        fprintf(f,
                "| `printforge analyze FILE.stl --json`, whole process | %.1f | | %.1f | %.0f | %.2f | | |\n",
                p->ours * 1e3, p->ours_cpu * 1e3, rs[0].bytes / p->ours / 1e6, tris / p->ours / 1e6);
    if (p->admesh > 0) {
        fprintf(f, "\nAgainst admesh on the same binary STL, measured in this run (goal ≥ 10×):\n\n");
        if (full->best > 0) {
            double r = p->admesh / full->best, rc = p->admesh_cpu / full->best_cpu;
            fprintf(f,
                    "- in process (read + weld + full analysis, row 2, against the whole admesh process): "
                    "%.1f× in wall time (%s), %.1f× in CPU time\n",
                    r, r >= 10 ? "met" : "MISSED", rc);
        }
        if (p->ours > 0) {
            double r = p->admesh / p->ours, rc = p->admesh_cpu / p->ours_cpu,
                   rm = p->admesh_med / p->ours_med;
            fprintf(f,
                    "- process against process (`printforge analyze` does the same work plus the JSON "
                    "report; %d runs "
                    "of each, interleaved): %.1f× in wall time, best against best (%s), %.1f× median against "
                    "median "
                    "(%s: %.1f ms against %.1f ms), %.1f× in CPU time\n",
                    PROC_RUNS, r, r >= 10 ? "met" : "MISSED", rm, rm >= 10 ? "met" : "MISSED",
                    p->ours_med * 1e3, p->admesh_med * 1e3, rc);
        }
    }
    if (p->note[0]) fprintf(f, "\n%s\n", p->note);
    fprintf(f, "\n");
}

/* True when step i is selected by the comma-separated list (NULL selects all). */
static int wanted(const char *steps, int i)
{
    if (!steps) return 1;
    for (const char *s = steps; *s;) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s) break;
        if (v == i) return 1;
        s = *end == ',' ? end + 1 : end;
    }
    return 0;
}

int main(int argc, char **argv)
{
    pf_big_keep_heap(); /* as printforge does (cli/main.c) */
    double load0[3] = {0, 0, 0};
    getloadavg(load0, 3);
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1) runs = 1;
    const char *out = argc > 2 && strcmp(argv[2], "-") ? argv[2] : NULL, *steps = argc > 3 ? argv[3] : NULL;
    /* Keep freed small blocks in the heap, as a long-running server does; big buffers bypass malloc. */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    grid g;
    make_grid(&g);
    write_binary(&g);
    if (wanted(steps, 4) || wanted(steps, 7)) write_ascii(&g);
    if (wanted(steps, 5) || wanted(steps, 8)) write_obj(&g);
    if (wanted(steps, 6)) write_3mf(&g);
    /* Write the files back now: the kernel's flusher threads would otherwise still be writing them during the
     * timed runs, taking a core and making engine/sched.c's count of running tasks say the machine is busy.
     */
    sync();

    result rs[9];
    memset(rs, 0, sizeof rs);
    static const struct {
        const char *what, *path;
        int kind;
        double goal_mbs, goal_mtris;
    } plan[9] = {
        {"binary STL: read (no weld) + bbox + volume + area", PATH_BIN, 1, 1000, 0},
        {"binary STL: read + weld + full analysis (edges, shells)", PATH_BIN, 2, 0, 5},
        {"binary STL: read + weld only", PATH_BIN, 0, 0, 0},
        {"full analysis alone (mesh already read and welded)", NULL, 3, 0, 5},
        {"ASCII STL: read + weld", PATH_ASCII, 0, 150, 0},
        {"OBJ: read + weld", PATH_OBJ, 0, 150, 0},
        {"3MF: read + weld", PATH_3MF, 0, 0, 0},
        {"ASCII STL: read + weld + full analysis", PATH_ASCII, 2, 0, 0},
        {"OBJ: read + weld + full analysis", PATH_OBJ, 2, 0, 0},
    };
    for (int i = 0; i < 9; i++) {
        if (!wanted(steps, i)) continue;
        rs[i].what = plan[i].what;
        rs[i].goal_mbs = plan[i].goal_mbs;
        rs[i].goal_mtris = plan[i].goal_mtris;
        if (plan[i].kind == 3) {
            pf_mesh *pre = NULL;
            pf_mesh_read_file(PATH_BIN, &big, &pre, NULL);
            if (pre) timed(&rs[i], NULL, 3, runs, pre);
            pf_mesh_free(pre);
        } else {
            timed(&rs[i], plan[i].path, plan[i].kind, runs, NULL);
        }
    }

    procs p = {-1, -1, -1, -1, 0, 0, ""};
    if (wanted(steps, 9)) {
        /* printforge sits next to this bench in the build directory. */
        char exe[4096], pf[4200] = "";
        ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (len > 0) {
            exe[len] = 0;
            char *slash = strrchr(exe, '/');
            if (slash) *slash = 0;
            snprintf(pf, sizeof pf, "%s/printforge", exe);
        }
        char *admesh_argv[] = {"admesh", PATH_BIN, NULL};
        char *pf_argv[] = {pf, "analyze", PATH_BIN, "--json", NULL};
        bool have_pf = *pf && access(pf, X_OK) == 0, have_admesh = true;
        double aw[PROC_RUNS], ow[PROC_RUNS], cpu;
        char note[256] = "";
        /* Interleaved, so that a burst of load from other jobs hits both alike. */
        for (int i = 0; i < PROC_RUNS; i++) {
            if (have_admesh && (aw[i] = time_process(admesh_argv, &cpu, p.note, sizeof p.note)) < 0)
                have_admesh = false;
            if (have_admesh && (i == 0 || cpu < p.admesh_cpu)) p.admesh_cpu = cpu;
            if (have_pf && (ow[i] = time_process(pf_argv, &cpu, note, sizeof note)) < 0) have_pf = false;
            if (have_pf && (i == 0 || cpu < p.ours_cpu)) p.ours_cpu = cpu;
        }
        if (have_admesh) {
            p.admesh_med = median_of(aw, PROC_RUNS);
            p.admesh = aw[0];
        }
        if (have_pf) {
            p.ours_med = median_of(ow, PROC_RUNS);
            p.ours = ow[0];
        }
    }
    report(stdout, rs, 9, &p, runs, load0);
    if (out) {
        FILE *f = fopen(out, "w");
        if (f) {
            report(f, rs, 9, &p, runs, load0);
            fclose(f);
        }
    }
    free(g.v);
    free(g.t);
    return 0;
}
