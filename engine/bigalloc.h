/* Large engine buffers (file images, vertex and triangle arrays, weld tables, analysis scratch) taken
 * straight from the kernel and backed by transparent huge pages. */
#ifndef PF_BIGALLOC_H
#define PF_BIGALLOC_H

#include <stddef.h>

/* Why: on the VMs PrintForge runs on, the first touch of a 4 KB page costs about 3 µs, so a 1 M-triangle mesh
 * spent more time in page faults than in parsing. THP is in "madvise" mode there, so buffers must ask for
 * huge pages themselves, which malloc does not do. Requests below PF_BIG_MIN bytes go to malloc (a syscall
 * per small buffer would cost more than it saves, and ASan keeps watching small test meshes).
 *
 * Sizes are not recorded: the caller passes the size it asked for to pf_big_realloc and pf_big_free (as with
 * munmap), so a buffer must be freed with the size of its last allocation. All functions are thread-safe. */
#define PF_BIG_MIN ((size_t)1 << 20)

/* Makes malloc keep the memory freed below PF_BIG_MIN-sized blocks in the process: glibc hands its heap's
 * free top back to the kernel once it passes 128 KB (a threshold that rises only after a freed mmap block),
 * and an estimate's per-layer scratch (contour chains, layer records: a few hundred KB) is freed at its end,
 * so every estimate faulted the same pages in again, on both threads at once. Blocks up to 32 MB then come
 * from the heap (glibc's own ceiling for its rising threshold) and up to 64 MB of free top stays mapped. A
 * process-wide policy: main() calls it once, before any thread starts. No-op without glibc. */
void pf_big_keep_heap(void);

void *pf_big_alloc(size_t n);  /* n bytes, uninitialised; NULL when out of memory */
void *pf_big_zalloc(size_t n); /* n zero bytes (fresh kernel pages are zero already, so this costs nothing) */
/* n bytes of which the first zero_n (at most n) are zero: for a block that holds zeroed and scratch parts. */
void *pf_big_zalloc_head(size_t n, size_t zero_n);
/* Resizes p (n_old bytes) to n_new bytes, keeping the first min(n_old, n_new) bytes. NULL when out of memory,
 * and p stays valid. p may be NULL when n_old is 0. */
void *pf_big_realloc(void *p, size_t n_old, size_t n_new);
void pf_big_free(void *p, size_t n); /* accepts NULL */

/* A whole file mapped read-only (MAP_POPULATE, so the pages come in one batch) or, for small files and
 * anything that cannot be mapped, read into a buffer. */
typedef struct pf_file_image {
    const unsigned char *data; /* len bytes */
    size_t len;                /* file size */
    void *map;                 /* the mapping to release (maplen bytes), or NULL */
    size_t maplen;             /* mapping length */
    unsigned char *heap;       /* the malloc'd copy to release, or NULL */
} pf_file_image;

/* Loads the regular file open as fd, of len bytes (as fstat said). Returns 0, or an errno value. The image
 * must not outlive a truncation of the file by someone else (PrintForge reads files it stored itself). */
int pf_file_image_load(int fd, size_t len, pf_file_image *img);
void pf_file_image_release(pf_file_image *img); /* accepts an all-zero image */

#endif
