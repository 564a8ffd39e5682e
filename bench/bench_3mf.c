/* 3MF read speed: builds a 1 M-triangle sphere package in memory, then times the reader and the full read. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "engine/bigalloc.h"
#include "engine/intake_internal.h"
#include "engine/mesh.h"

typedef struct {
    unsigned char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        while (b->n + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 1 << 20;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void putf(buf *b, const char *fmt, double x, double y, double z)
{
    char tmp[128];
    int n = snprintf(tmp, sizeof tmp, fmt, x, y, z);
    put(b, tmp, (size_t)n);
}

static void le(buf *b, uint64_t v, int bytes)
{
    unsigned char t[8];
    for (int i = 0; i < bytes; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    put(b, t, (size_t)bytes);
}

/* A UV sphere of radius 40 mm with `rings` × `segs` quads (pole fans included): 2·segs·(rings-1) triangles.
 */
static void sphere_model(buf *x, int rings, int segs)
{
    const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"millimeter\" "
                       "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\">\n<resources>\n"
                       "<object id=\"1\" type=\"model\"><mesh><vertices>\n";
    put(x, head, strlen(head));
    putf(x, "<vertex x=\"%.6f\" y=\"%.6f\" z=\"%.6f\"/>\n", 0, 0, 40);
    for (int r = 1; r < rings; r++)
        for (int s = 0; s < segs; s++) {
            double th = 3.14159265358979 * r / rings, ph = 2 * 3.14159265358979 * s / segs;
            putf(x, "<vertex x=\"%.6f\" y=\"%.6f\" z=\"%.6f\"/>\n", 40 * sin(th) * cos(ph),
                 40 * sin(th) * sin(ph), 40 * cos(th));
        }
    putf(x, "<vertex x=\"%.6f\" y=\"%.6f\" z=\"%.6f\"/>\n", 0, 0, -40);
    put(x, "</vertices><triangles>\n", 23);
    int south = 1 + (rings - 1) * segs;
    for (int s = 0; s < segs; s++) {
        int a = 1 + s, b = 1 + (s + 1) % segs;
        putf(x, "<triangle v1=\"%.0f\" v2=\"%.0f\" v3=\"%.0f\"/>\n", 0, a, b);
        a = 1 + (rings - 2) * segs + s, b = 1 + (rings - 2) * segs + (s + 1) % segs;
        putf(x, "<triangle v1=\"%.0f\" v2=\"%.0f\" v3=\"%.0f\"/>\n", south, b, a);
    }
    for (int r = 1; r < rings - 1; r++)
        for (int s = 0; s < segs; s++) {
            int a = 1 + (r - 1) * segs + s, b = 1 + (r - 1) * segs + (s + 1) % segs;
            int c = a + segs, d = b + segs;
            putf(x, "<triangle v1=\"%.0f\" v2=\"%.0f\" v3=\"%.0f\"/>\n", a, c, d);
            putf(x, "<triangle v1=\"%.0f\" v2=\"%.0f\" v3=\"%.0f\"/>\n", a, d, b);
        }
    const char *tail =
        "</triangles></mesh></object>\n</resources>\n<build><item objectid=\"1\"/></build>\n</model>\n";
    put(x, tail, strlen(tail));
}

/* A two-entry ZIP (rels stored, model deflated) written by hand with zlib's raw deflate. */
static void zip_package(buf *z, const buf *model)
{
    const char *rels =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
        "Target=\"/3D/3dmodel.model\" Id=\"r0\" "
        "Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/></Relationships>";
    const char *names[2] = {"_rels/.rels", "3D/3dmodel.model"};
    const unsigned char *data[2] = {(const unsigned char *)rels, model->p};
    size_t sizes[2] = {strlen(rels), model->n};
    unsigned char *comp[2] = {NULL, NULL};
    size_t csize[2];
    uint64_t offs[2];
    for (int i = 0; i < 2; i++) {
        z_stream s = {0};
        deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        csize[i] = deflateBound(&s, sizes[i]);
        comp[i] = malloc(csize[i]);
        s.next_in = (unsigned char *)data[i];
        s.avail_in = (uInt)sizes[i];
        s.next_out = comp[i];
        s.avail_out = (uInt)csize[i];
        deflate(&s, Z_FINISH);
        csize[i] = s.total_out;
        deflateEnd(&s);
        offs[i] = z->n;
        le(z, 0x04034b50, 4), le(z, 20, 2), le(z, 0, 2), le(z, 8, 2), le(z, 0, 4);
        le(z, crc32(0, data[i], (uInt)sizes[i]), 4), le(z, csize[i], 4), le(z, sizes[i], 4);
        le(z, strlen(names[i]), 2), le(z, 0, 2);
        put(z, names[i], strlen(names[i]));
        put(z, comp[i], csize[i]);
    }
    uint64_t cd = z->n;
    for (int i = 0; i < 2; i++) {
        le(z, 0x02014b50, 4), le(z, 20, 2), le(z, 20, 2), le(z, 0, 2), le(z, 8, 2), le(z, 0, 4);
        le(z, crc32(0, data[i], (uInt)sizes[i]), 4), le(z, csize[i], 4), le(z, sizes[i], 4);
        le(z, strlen(names[i]), 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 4);
        le(z, offs[i], 4);
        put(z, names[i], strlen(names[i]));
        free(comp[i]);
    }
    uint64_t cdsize = z->n - cd;
    le(z, 0x06054b50, 4), le(z, 0, 2), le(z, 0, 2), le(z, 2, 2), le(z, 2, 2), le(z, cdsize, 4), le(z, cd, 4);
    le(z, 0, 2);
}

/* CPU time of this process: the bench machine is shared, so wall time would measure the neighbours. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    pf_big_keep_heap(); /* as printforge does (cli/main.c) */
    buf model = {0}, pkg = {0};
    sphere_model(&model, 501, 1000);
    zip_package(&pkg, &model);
    pf_intake_limits lim = pf_intake_limits_resolve(NULL);
    double best_read = 1e9, best_full = 1e9;
    size_t ntris = 0;
    for (int rep = 0; rep < 3; rep++) {
        pf_mesh_builder b;
        pf_mesh_builder_init(&b, &lim);
        pf_errbuf eb = {{0}};
        double t0 = now();
        pf_err e = pf__3mf_read(pkg.p, pkg.n, &lim, &b, &eb);
        double t1 = now();
        if (e != PF_E_OK) {
            fprintf(stderr, "read failed: %s %s\n", pf_err_name(e), eb.msg);
            return 1;
        }
        ntris = b.ntris;
        pf_mesh_builder_free(&b);
        pf_mesh *m = NULL;
        double t2 = now();
        if (pf_mesh_read_mem(pkg.p, pkg.n, &lim, &m, &eb) != PF_E_OK) return 1;
        double t3 = now();
        pf_mesh_free(m);
        if (t1 - t0 < best_read) best_read = t1 - t0;
        if (t3 - t2 < best_full) best_full = t3 - t2;
    }
    printf("3mf package: %zu triangles, %.1f MB model XML, %.1f MB zipped\n", ntris, model.n / 1e6,
           pkg.n / 1e6);
    printf(
        "reader (inflate + XML + expand): %.3f CPU s = %.0f MB/s of XML, %.0f MB/s of package, %.2f Mtri/s\n",
        best_read, model.n / 1e6 / best_read, pkg.n / 1e6 / best_read, ntris / 1e6 / best_read);
    printf("pf_mesh_read_mem (with weld):    %.3f CPU s = %.0f MB/s of XML\n", best_full,
           model.n / 1e6 / best_full);
    free(model.p);
    free(pkg.p);
    return 0;
}
