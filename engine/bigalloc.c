/* Huge-page-backed large buffers (mmap + MADV_HUGEPAGE, mremap to grow) and whole-file images. */
#include "engine/bigalloc.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)
#define HEAP_MMAP_MIN ((size_t)32 << 20) /* pf_big_keep_heap: smallest malloc block given its own mapping */
#define HEAP_KEEP ((size_t)64 << 20)     /* and most free heap top kept mapped */

void pf_big_keep_heap(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, (int)HEAP_MMAP_MIN);
    mallopt(M_TRIM_THRESHOLD, (int)HEAP_KEEP);
#endif
}
#define SMALL_PAGE ((size_t)4096)

/* Freed mappings kept for reuse. Why a process-wide list: on this kind of VM a fresh page costs far more than
 * the work done in it (the kernel zeroes it, the hypervisor backs it), and one request frees its weld tables
 * just before its analysis wants as much memory again; a server reuses them across requests too. This is the
 * allocator's own free list, like malloc's, and the only state it keeps: a mutex guards it, and at most
 * KEEP_BYTES stay mapped while unused. KEEP_SLOTS: reading and estimating a 1 M-triangle mesh frees more
 * than 6 big buffers (weld tables, triangles, vertices, segments, keys, ...); with 6 slots the least recently
 * used, the weld's 16 MB, was unmapped at the end of every run and faulted in again by the next (~50 page
 * faults a run; none with 10). */
#define KEEP_SLOTS 10
#define KEEP_BYTES ((size_t)192 << 20)

typedef struct kept {
    void *p;       /* mapping, 2 MB aligned */
    size_t len;    /* its length (see page_round); 0 for an empty slot */
    uint64_t used; /* keep_clock when it was last given back or cut */
} kept;

static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER;
static kept keep[KEEP_SLOTS];
static size_t keep_total;
static uint64_t keep_clock;

/* Where a mapping was cut in two: take_kept's head and kept tail, a shrunk buffer and its kept tail. Once
 * both sides are free again, give_back joins them, so a request that repeats finds its mapping whole instead
 * of two halves too small for it (a 1 M-triangle read faulted in 12 MB of fresh vertex memory on every run:
 * its vertex array is shrunk after welding, and its tail and head came back apart). Only addresses recorded
 * here are joined: two mappings that merely touch stay apart, since mremap refuses a range across both. A cut
 * is forgotten when either side is unmapped or remapped; when the table is full, the halves simply stay
 * apart. Guarded by keep_lock. */
#define CUT_SLOTS 32
static uintptr_t cuts[CUT_SLOTS];

static void cut_add(const void *at)
{
    for (size_t i = 0; i < CUT_SLOTS; i++)
        if (!cuts[i]) {
            cuts[i] = (uintptr_t)at;
            return;
        }
}

/* Forgets the cut at `at`; 1 when there was one. */
static int cut_take(const void *at)
{
    for (size_t i = 0; i < CUT_SLOTS; i++)
        if (cuts[i] == (uintptr_t)at) {
            cuts[i] = 0;
            return 1;
        }
    return 0;
}

/* The ends of [p, p + len) are about to be unmapped or remapped: they are no longer cuts. */
static void cuts_forget(const void *p, size_t len)
{
    cut_take(p);
    cut_take((const unsigned char *)p + len);
}

/* The length of the mapping behind a big buffer of n bytes: whole huge pages, so that its last stretch can be
 * a huge page too (a 1.9 MB buffer in 4 KB pages took 480 faults) and the tail of a kept mapping stays
 * aligned. Pages past n are never touched unless a huge page covers them. Overflows to 0 for absurd n. */
static size_t page_round(size_t n)
{
    return (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
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

/* Takes the smallest kept mapping that holds n bytes: its head (n bytes, rounded by page_round) is returned
 * and its tail stays kept when it is big enough, since its pages are as warm as the head's. A mapping more
 * than twice the request is left whole: a request that repeats (the same estimate again) would otherwise find
 * it cut up and fault in all of its own pages, which costs more than the small request's fresh pages
 * (measured: a 1 M-triangle estimate's 34 MB of segments were faulted in on every run because its 12 MB
 * triangle copy had taken the head of their kept mapping). NULL when none fits. */
static void *take_kept(size_t n)
{
    size_t len = page_round(n), best = KEEP_SLOTS;
    pthread_mutex_lock(&keep_lock);
    for (size_t i = 0; i < KEEP_SLOTS; i++)
        if (keep[i].len >= len && keep[i].len - len <= len &&
            (best == KEEP_SLOTS || keep[i].len < keep[best].len))
            best = i;
    unsigned char *p = NULL, *drop = NULL;
    size_t drop_len = 0;
    if (best < KEEP_SLOTS) {
        p = keep[best].p;
        size_t rest = keep[best].len - len;
        if (rest >= PF_BIG_MIN) {
            keep[best].p = p + len;
            keep[best].len = rest;
            keep[best].used = ++keep_clock;
            keep_total -= len;
            cut_add(p + len);
        } else {
            drop = rest ? p + len : NULL;
            drop_len = rest;
            keep_total -= keep[best].len;
            keep[best].p = NULL;
            keep[best].len = 0;
            if (drop) cuts_forget(drop, drop_len);
        }
    }
    pthread_mutex_unlock(&keep_lock);
    if (drop) munmap(drop, drop_len);
    return p;
}

/* Keeps a mapping of len bytes for reuse (unmapping the least recently used kept ones to make room), unless
 * it alone is larger than KEEP_BYTES. */
static void give_back(void *p, size_t len)
{
    pthread_mutex_lock(&keep_lock);
    for (size_t i = 0; i < KEEP_SLOTS; i++) { /* join the kept pieces it was cut from */
        unsigned char *k = keep[i].p, *at;
        if (!keep[i].len) continue;
        if (k == (unsigned char *)p + len)
            at = k; /* the kept piece follows p */
        else if (k + keep[i].len == (unsigned char *)p)
            at = p; /* it precedes p */
        else
            continue;
        if (!cut_take(at)) continue; /* a mapping that merely touches p */
        if (k < (unsigned char *)p) p = k;
        len += keep[i].len;
        keep_total -= keep[i].len;
        keep[i].p = NULL;
        keep[i].len = 0;
        i = (size_t)-1; /* the joined piece may have been cut from another kept one too */
    }
    /* Room for it: the mappings used least recently go first, since the next request most likely repeats
     * the last one (an estimate's 124 MB of per-cell memory kept from an earlier part left no room for the
     * next part's 56 MB, which then faulted in fresh pages on every run). */
    void *drop[KEEP_SLOTS + 1];
    size_t drop_len[KEEP_SLOTS + 1], ndrop = 0;
    if (len > KEEP_BYTES) {
        drop[ndrop] = p;
        drop_len[ndrop++] = len;
    } else {
        for (;;) {
            size_t slot = KEEP_SLOTS, old = KEEP_SLOTS;
            for (size_t i = 0; i < KEEP_SLOTS; i++) {
                if (!keep[i].len && slot == KEEP_SLOTS) slot = i;
                if (keep[i].len && (old == KEEP_SLOTS || keep[i].used < keep[old].used)) old = i;
            }
            if (slot < KEEP_SLOTS && keep_total + len <= KEEP_BYTES) {
                keep[slot] = (kept){p, len, ++keep_clock};
                keep_total += len;
                break;
            }
            drop[ndrop] = keep[old].p; /* old exists: the slots are full or keep_total > 0 */
            drop_len[ndrop++] = keep[old].len;
            keep_total -= keep[old].len;
            keep[old].p = NULL;
            keep[old].len = 0;
        }
    }
    for (size_t i = 0; i < ndrop; i++)
        cuts_forget(drop[i], drop_len[i]);
    pthread_mutex_unlock(&keep_lock);
    for (size_t i = 0; i < ndrop; i++)
        munmap(drop[i], drop_len[i]);
}

void *pf_big_alloc(size_t n)
{
    if (!is_big(n)) return malloc(n ? n : 1);
    void *p = take_kept(n);
    return p ? p : map_aligned(n);
}

void *pf_big_zalloc(size_t n)
{
    if (!is_big(n)) return calloc(n ? n : 1, 1);
    void *p = take_kept(n);
    if (p) return memset(p, 0, n); /* still far cheaper than faulting fresh pages in */
    return map_aligned(n);
}

void *pf_big_zalloc_head(size_t n, size_t zero_n)
{
    void *p;
    if (!is_big(n)) {
        if ((p = malloc(n ? n : 1))) memset(p, 0, zero_n);
        return p;
    }
    if ((p = take_kept(n))) return memset(p, 0, zero_n);
    return map_aligned(n);
}

void *pf_big_realloc(void *p, size_t n_old, size_t n_new)
{
    if (!p) return pf_big_alloc(n_new);
    if (is_big(n_old) && is_big(n_new) && page_round(n_new) <= page_round(n_old)) {
        /* shrinking: the tail is kept warm (mremap would unmap it) and joins p again once p is freed */
        size_t keep_len = page_round(n_new), tail = page_round(n_old) - keep_len;
        if (tail) {
            pthread_mutex_lock(&keep_lock);
            cut_add((unsigned char *)p + keep_len);
            pthread_mutex_unlock(&keep_lock);
            give_back((unsigned char *)p + keep_len, tail);
        }
        return p;
    }
    if (is_big(n_old) && is_big(n_new)) {
        pthread_mutex_lock(&keep_lock);
        cuts_forget(p, page_round(n_old));
        pthread_mutex_unlock(&keep_lock);
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
        give_back(p, page_round(n));
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
