/* Prepares bench/run_commerce.sh: seeds a data directory with every rate limiter switched off
 * (ratelimit.enabled=false), prints an admin session JWT (the uploader), and writes a closed bumpy sphere of
 * about TRIANGLES triangles (default 50 000) as a binary STL for the upload bench.
 * usage: bench_commerce_prep DATA_DIR MESH_OUT [TRIANGLES] */
#include <math.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/jwt.h"
#include "storage/store.h"

/* Radius of the bumpy sphere at polar angle t and azimuth p, mm. */
static double radius(double t, double p)
{
    return 40 * (1 + 0.06 * sin(7 * t) * sin(5 * p));
}

static void vertex(double t, double p, float out[3])
{
    double r = radius(t, p);
    out[0] = (float)(r * sin(t) * cos(p) + 45);
    out[1] = (float)(r * sin(t) * sin(p) + 45);
    out[2] = (float)(r * cos(t) + 40);
}

/* A latitude-longitude sphere: nlon triangles around each pole, two per quad between; counter-clockwise
 * seen from outside. */
static int write_sphere(const char *path, long want)
{
    long nlon = (long)sqrt((double)want / 1.25), nlat = want / (2 * nlon) + 1;
    uint32_t ntri = (uint32_t)(2 * nlon * (nlat - 1));
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    char hdr[80] = "printforge bench bumpy sphere";
    fwrite(hdr, 1, 80, f);
    fwrite(&ntri, 4, 1, f);
    for (long i = 0; i < nlat; i++) {
        double t0 = M_PI * i / nlat, t1 = M_PI * (i + 1) / nlat;
        for (long j = 0; j < nlon; j++) {
            double p0 = 2 * M_PI * j / nlon, p1 = 2 * M_PI * (j + 1) / nlon;
            float a[3], b[3], c[3], d[3], rec[12];
            uint16_t attr = 0;
            vertex(t0, p0, a), vertex(t1, p0, b), vertex(t1, p1, c), vertex(t0, p1, d);
            if (i > 0) { /* a d b: skipped at the north pole where a == d */
                rec[0] = rec[1] = rec[2] = 0, memcpy(rec + 3, a, 12), memcpy(rec + 6, b, 12), memcpy(rec + 9, d, 12);
                fwrite(rec, 4, 12, f), fwrite(&attr, 2, 1, f);
            }
            if (i < nlat - 1) { /* d b c: skipped at the south pole where b == c */
                rec[0] = rec[1] = rec[2] = 0, memcpy(rec + 3, d, 12), memcpy(rec + 6, b, 12), memcpy(rec + 9, c, 12);
                fwrite(rec, 4, 12, f), fwrite(&attr, 2, 1, f);
            }
        }
    }
    return fclose(f) ? -1 : (int)ntri;
}

int main(int argc, char **argv)
{
    if (argc < 3) return fprintf(stderr, "usage: bench_commerce_prep DATA_DIR MESH_OUT [TRIANGLES]\n"), 2;
    long tris = argc > 3 ? atol(argv[3]) : 50000;
    pf_store_options o = {.dir = argv[1],
                          .admin_password = "bench-password",
                          .pw_opslimit = crypto_pwhash_OPSLIMIT_MIN,
                          .pw_memlimit = crypto_pwhash_MEMLIMIT_MIN};
    pf_store *st = NULL;
    pf_errbuf eb = {{0}};
    pf_err err = pf_store_open(&o, &st, &eb);
    if (!err) err = pf_store_setting_set(st, NULL, "ratelimit.enabled", "false", 0, &eb);
    pf_store_close(st);
    pf_jwt_key key;
    char *tok = NULL;
    int64_t now = (int64_t)time(NULL);
    pf_jwt_claims c = {.sub = 1, .typ = PF_JWT_SESSION, .iat = now, .exp = now + 7200};
    if (!err) err = pf_jwt_key_load(argv[1], &key, &eb);
    if (!err) err = pf_jwt_sign(&key, &c, &tok, &eb);
    if (err) return fprintf(stderr, "bench_commerce_prep: %s: %s\n", pf_err_message(err), eb.msg), 1;
    int n = write_sphere(argv[2], tris);
    if (n < 0) return fprintf(stderr, "bench_commerce_prep: cannot write %s\n", argv[2]), 1;
    fprintf(stderr, "bench_commerce_prep: %s: %d triangles\n", argv[2], n);
    printf("%s\n", tok);
    free(tok);
    return 0;
}
