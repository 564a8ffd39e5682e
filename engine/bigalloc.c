/* Huge-page-backed large buffers (mmap + MADV_HUGEPAGE, mremap to grow) and whole-file images. */
#include "engine/bigalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)
#define SMALL_PAGE ((size_t)4096)

static size_t page_round(size_t n)
{
    return (n + SMALL_PAGE - 1) & ~(SMALL_PAGE - 1);
}

static int is_big(size_t n)
{
    return n >= PF_BIG_MIN;
}

/* Maps n bytes starting on a 2 MB boundary, so that every whole 2 MB stretch can be one huge page. */
static void *map_aligned(size_t n)
{
    size_t len = page_round(n), over = len + HUGE_PAGE - SMALL_PAGE;
    if (len < n || over < len) return NULL;
    unsigned char *raw = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    uintptr_t start = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    size_t head = start - (uintptr_t)raw, tail = over - head - len;
    if (head) munmap(raw, head);
    if (tail) munmap((unsigned char *)start + len, tail);
    madvise((void *)start, len, MADV_HUGEPAGE); /* advice only: without THP the pages are simply small */
    return (void *)start;
}

void *pf_big_alloc(size_t n)
{
    return is_big(n) ? map_aligned(n) : malloc(n ? n : 1);
}

void *pf_big_zalloc(size_t n)
{
    return is_big(n) ? map_aligned(n) : calloc(n ? n : 1, 1);
}

void *pf_big_realloc(void *p, size_t n_old, size_t n_new)
{
    if (!p) return pf_big_alloc(n_new);
    if (is_big(n_old) && is_big(n_new)) {
        void *q = mremap(p, page_round(n_old), page_round(n_new), MREMAP_MAYMOVE);
        if (q == MAP_FAILED) return NULL;
        if (n_new > n_old) madvise(q, page_round(n_new), MADV_HUGEPAGE);
        return q;
    }
    if (!is_big(n_old) && !is_big(n_new)) return realloc(p, n_new ? n_new : 1);
    void *q = pf_big_alloc(n_new); /* crossing PF_BIG_MIN: move between malloc and a mapping */
    if (!q) return NULL;
    memcpy(q, p, n_old < n_new ? n_old : n_new);
    pf_big_free(p, n_old);
    return q;
}

void pf_big_free(void *p, size_t n)
{
    if (!p) return;
    if (is_big(n))
        munmap(p, page_round(n));
    else
        free(p);
}

int pf_file_image_load(int fd, size_t len, pf_file_image *img)
{
    memset(img, 0, sizeof *img);
    img->len = len;
    if (len >= PF_BIG_MIN) {
        /* Mapping the page cache costs a quarter of reading it into fresh memory on this kind of VM. */
        void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m != MAP_FAILED) {
            img->map = m;
            img->maplen = len;
            img->data = m;
            return 0;
        }
    }
    if (!(img->heap = malloc(len ? len : 1))) return ENOMEM;
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, img->heap + got, len - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO; /* the file shrank under us */
            free(img->heap);
            memset(img, 0, sizeof *img);
            return e;
        }
        got += (size_t)r;
    }
    img->data = img->heap;
    return 0;
}

void pf_file_image_release(pf_file_image *img)
{
    if (img->map) munmap(img->map, img->maplen);
    free(img->heap);
    memset(img, 0, sizeof *img);
}
