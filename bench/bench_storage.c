/* Storage bench: durable commits, batched writes, point and list reads, blob write/read throughput and
 * compression ratio on the shared meshes, and the same blobs written as files (the alternative design).
 * usage: bench_storage [MESH_DIR] [DATA_PARENT]   (defaults: /work/shared/models/stl, /tmp) */
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "storage/store.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void order_fill(pf_order *o, unsigned i)
{
    static char tr[32];
    snprintf(tr, sizeof tr, "PF-%08u", i);
    *o = (pf_order){.user_id = 1 + i % 50,
                    .status = "pending",
                    .tracking_no = tr,
                    .material = "PLA",
                    .color = "Black",
                    .quantity = 1,
                    .infill_pct = 20,
                    .total = 45000,
                    .ship_city = "Pune"};
}

typedef struct batch_ctx {
    unsigned first, n; /* orders first..first+n-1 */
} batch_ctx;

static pf_err batch_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    batch_ctx *c = vctx;
    for (unsigned i = 0; i < c->n; i++) {
        pf_order o;
        order_fill(&o, c->first + i);
        pf_err err = pf_store_order_put(NULL, t, &o, eb);
        if (err) return err;
    }
    return PF_E_OK;
}

static pf_err discard(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return PF_E_OK;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len ? *len : 1);
    if (fread(b, 1, *len, f) != *len) *len = 0;
    fclose(f);
    return b;
}

/* The alternative: each blob a zstd file named by its digest, written to a temp name, fsynced, renamed. */
static size_t file_blob_write(const char *dir, const unsigned char *data, size_t len)
{
    unsigned char sha[32];
    crypto_hash_sha256(sha, data, len);
    char path[700], tmp[720];
    snprintf(path, sizeof path, "%s/%02x%02x%02x%02x.zst", dir, sha[0], sha[1], sha[2], sha[3]);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    size_t cap = ZSTD_compressBound(len);
    void *out = malloc(cap);
    size_t c = ZSTD_compress(out, cap, data, len, 3);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (write(fd, out, c) != (ssize_t)c) c = 0;
    fsync(fd);
    close(fd);
    rename(tmp, path);
    int dfd = open(dir, O_RDONLY);
    fsync(dfd);
    close(dfd);
    free(out);
    return c;
}

int main(int argc, char **argv)
{
    const char *mesh_dir = argc > 1 ? argv[1] : "/work/shared/models/stl";
    const char *parent = argc > 2 ? argv[2] : "/tmp";
    char dir[512], fdir[600];
    snprintf(dir, sizeof dir, "%s/pfbench-XXXXXX", parent);
    if (!mkdtemp(dir)) return perror(dir), 1;
    snprintf(fdir, sizeof fdir, "%s/files", dir);
    mkdir(fdir, 0750);
    pf_store_options opt = {
        .dir = dir, .admin_password = "bench", .pw_opslimit = 1, .pw_memlimit = 8192, .map_size = 1 << 20};
    pf_store *st;
    pf_errbuf eb = {{0}};
    if (pf_store_open(&opt, &st, &eb)) return fprintf(stderr, "%s\n", eb.msg), 1;
    printf("data dir %s (map starts at 1 MiB and grows)\n", dir);

    const unsigned single = 300, batches = 100, per_batch = 100;
    double t0 = now();
    for (unsigned i = 0; i < single; i++) {
        pf_order o;
        order_fill(&o, i);
        if (pf_store_order_put(st, NULL, &o, &eb)) return fprintf(stderr, "%s\n", eb.msg), 1;
    }
    double t1 = now();
    printf("durable single-record commits: %.0f /s (order + 4 indexes + counter, synced)\n",
           single / (t1 - t0));
    for (unsigned b = 0; b < batches; b++) {
        batch_ctx c = {single + b * per_batch, per_batch};
        if (pf_store_write(st, batch_fn, &c, &eb)) return fprintf(stderr, "%s\n", eb.msg), 1;
    }
    double t2 = now();
    unsigned total = single + batches * per_batch;
    printf("batched writes: %.0f records/s (%u per transaction)\n", batches * per_batch / (t2 - t1),
           per_batch);

    const unsigned reads = 200000;
    unsigned x = 1;
    for (unsigned i = 0; i < reads; i++) {
        x = x * 1103515245u + 12345u;
        pf_order o;
        if (pf_store_order_get(st, NULL, 1 + (x >> 8) % total, &o, &eb))
            return fprintf(stderr, "%s\n", eb.msg), 1;
        pf_order_clear(&o);
    }
    double t3 = now();
    printf("point reads: %.0f /s (own read transaction + decode each)\n", reads / (t3 - t2));
    const unsigned pages = 20000;
    for (unsigned i = 0; i < pages; i++) {
        pf_order *arr;
        size_t n;
        uint64_t next;
        if (pf_store_order_list_by_user(st, NULL, 1 + i % 50, 0, 20, &arr, &n, &next, &eb))
            return fprintf(stderr, "%s\n", eb.msg), 1;
        pf_order_list_free(arr, n);
    }
    double t4 = now();
    printf("paginated list reads: %.0f pages/s (20 orders per page, by user, newest first)\n",
           pages / (t4 - t3));

    DIR *d = opendir(mesh_dir);
    if (!d) return perror(mesh_dir), 1;
    struct dirent *e;
    size_t in_total = 0, stored = 0, file_stored = 0, read_total = 0;
    double tw = 0, tr = 0, tf = 0;
    printf("\n| mesh | bytes | stored | ratio |\n|---|---|---|---|\n");
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".stl")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", mesh_dir, e->d_name);
        size_t len;
        unsigned char *data = slurp(path, &len);
        if (!data || !len) continue;
        double a = now();
        pf_blob_writer *w;
        pf_sha256 sha;
        pf_blob_info info;
        if (pf_store_blob_begin(st, &w, &eb)) return fprintf(stderr, "%s\n", eb.msg), 1;
        for (size_t off = 0; off < len; off += 64 << 10) /* fed as an HTTP body would be */
            if (pf_store_blob_write(w, data + off, len - off < (64 << 10) ? len - off : 64 << 10, &eb))
                return fprintf(stderr, "%s\n", eb.msg), 1;
        pf_upload up = {.user_id = 1, .filename = e->d_name};
        if (pf_store_blob_finish(w, NULL, &sha, &info, &eb)) return fprintf(stderr, "%s\n", eb.msg), 1;
        up.blob = sha;
        pf_store_upload_put(st, NULL, &up, &eb);
        pf_store_blob_free(w);
        double b = now();
        size_t got = 0;
        if (pf_store_blob_read(st, &sha, discard, &got, &eb)) return fprintf(stderr, "%s\n", eb.msg), 1;
        double c = now();
        file_stored += file_blob_write(fdir, data, len);
        double f = now();
        tw += b - a, tr += c - b, tf += f - c;
        in_total += len, stored += info.csize, read_total += got;
        printf("| %s | %zu | %llu | %.2f |\n", e->d_name, len, (unsigned long long)info.csize,
               (double)len / info.csize);
        free(data);
    }
    closedir(d);
    printf("\nblobs in LMDB: write %.1f MB/s, read %.1f MB/s, ratio %.2f (%zu -> %zu bytes)\n",
           in_total / tw / 1e6, read_total / tr / 1e6, (double)in_total / stored, in_total, stored);
    printf("blobs as files (zstd one-shot + fsync + rename): write %.1f MB/s, ratio %.2f\n",
           in_total / tf / 1e6, (double)in_total / file_stored);
    uint64_t problems;
    pf_store_check(st, NULL, &problems, &eb);
    printf("map size %zu MiB after %u growths, check: %llu problems\n", pf_store_map_size(st) >> 20,
           pf_store_map_grows(st), (unsigned long long)problems);
    pf_store_close(st);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) ? 1 : 0;
}
