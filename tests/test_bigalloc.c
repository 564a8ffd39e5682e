/* Big buffers: malloc below PF_BIG_MIN, huge-page mappings above, reuse of freed mappings, file images. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/bigalloc.h"

Test(bigalloc, zalloc_is_zero_even_when_a_freed_mapping_is_reused)
{
    size_t n = (size_t)3 << 20;
    for (int round = 0; round < 3; round++) {
        unsigned char *p = pf_big_zalloc(n);
        cr_assert_not_null(p);
        for (size_t i = 0; i < n; i += 4093)
            cr_assert_eq(p[i], 0, "byte %zu of round %d", i, round);
        cr_assert_eq(p[n - 1], 0);
        memset(p, 0xab, n); /* dirty it: the next round probably gets it back */
        pf_big_free(p, n);
    }
}

/* A freed mapping goes back to a request of about its size, not to a much smaller one that would cut it up:
 * a repeated pattern of a small and a big buffer (one estimate after another) then finds both warm. */
Test(bigalloc, a_small_request_does_not_cut_up_a_big_kept_mapping)
{
    size_t big = (size_t)32 << 20, small = (size_t)4 << 20;
    unsigned char *p = pf_big_alloc(big);
    cr_assert_not_null(p);
    memset(p, 1, big);
    pf_big_free(p, big);
    unsigned char *q = pf_big_alloc(small);
    cr_assert_not_null(q);
    cr_assert(q < p || q >= p + big, "the small request took part of the big kept mapping");
    unsigned char *r = pf_big_alloc(big);
    cr_assert_eq(r, p, "the big request should get its kept mapping back");
    pf_big_free(q, small);
    pf_big_free(r, big);
}

/* The mapping freed last is kept even when older kept ones fill the budget (192 MB): the next request most
 * likely repeats the last one. Here a 150 MB mapping from an earlier request, too big to be cut for 60 MB,
 * made the 60 MB mapping fresh on every round (its contents show: a kept mapping is not cleared). */
Test(bigalloc, the_mapping_freed_last_is_kept_before_older_ones)
{
    size_t old = (size_t)150 << 20, cur = (size_t)60 << 20;
    unsigned char *p = pf_big_alloc(old);
    cr_assert_not_null(p);
    p[0] = 1;
    pf_big_free(p, old);
    for (int round = 0; round < 3; round++) {
        unsigned char *q = pf_big_alloc(cur);
        cr_assert_not_null(q);
        cr_assert(q + cur <= p || q >= p + old, "60 MB should not cut up the 150 MB mapping");
        if (round) cr_assert_eq(q[0], 0xab, "round %d: the 60 MB freed last should have been kept", round);
        q[0] = 0xab;
        pf_big_free(q, cur);
    }
}

/* A buffer shrunk after use (the welded vertices) keeps its tail for reuse, and once freed the two are one
 * mapping again: the next request of the first size finds it whole instead of mapping fresh memory. The same
 * for a kept mapping a smaller request took the head of. */
Test(bigalloc, a_shrunk_or_split_mapping_comes_back_whole)
{
    size_t full = (size_t)24 << 20, part = (size_t)10 << 20, head = (size_t)14 << 20;
    unsigned char *p = pf_big_alloc(full);
    cr_assert_not_null(p);
    memset(p, 1, full);
    unsigned char *s = pf_big_realloc(p, full, part);
    cr_assert_eq(s, p, "a shrink stays in place");
    pf_big_free(s, part);
    unsigned char *q = pf_big_alloc(full);
    cr_assert_eq(q, p, "the shrunk buffer and its kept tail should come back as one mapping");
    pf_big_free(q, full);
    unsigned char *h = pf_big_alloc(head); /* 24 MB is within twice 14: the head of the kept mapping */
    cr_assert_eq(h, p);
    pf_big_free(h, head);
    q = pf_big_alloc(full);
    cr_assert_eq(q, p, "the head and the kept tail should come back as one mapping");
    pf_big_free(q, full);
}

/* A shrunk buffer that grows again does not overlap its former tail, which another request may hold. */
Test(bigalloc, a_shrunk_buffer_grows_apart_from_its_former_tail)
{
    size_t full = (size_t)16 << 20, part = (size_t)6 << 20;
    unsigned char *p = pf_big_alloc(full);
    cr_assert_not_null(p);
    for (size_t i = 0; i < part; i++)
        p[i] = (unsigned char)(i * 7);
    p = pf_big_realloc(p, full, part);
    unsigned char *t = pf_big_alloc(full - part); /* probably the kept tail */
    cr_assert_not_null(t);
    memset(t, 0xee, full - part);
    p = pf_big_realloc(p, part, full);
    cr_assert_not_null(p);
    cr_assert(p + full <= t || t + (full - part) <= p, "the grown buffer overlaps the other request's");
    memset(p + part, 0x55, full - part);
    for (size_t i = 0; i < part; i++)
        cr_assert_eq(p[i], (unsigned char)(i * 7), "byte %zu", i);
    for (size_t i = 0; i < full - part; i += 4093)
        cr_assert_eq(t[i], 0xee, "byte %zu of the other request", i);
    pf_big_free(t, full - part);
    pf_big_free(p, full);
}

/* Small (malloc) and big (mapping, fresh or reused dirty) blocks: the head is zero whatever the rest holds.
 */
Test(bigalloc, zalloc_head_zeroes_the_head_even_when_a_freed_mapping_is_reused)
{
    size_t sizes[] = {1000, (size_t)3 << 20};
    for (int k = 0; k < 2; k++) {
        size_t n = sizes[k], head = n / 3;
        for (int round = 0; round < 3; round++) {
            unsigned char *p = pf_big_zalloc_head(n, head);
            cr_assert_not_null(p);
            for (size_t i = 0; i < head; i += 97)
                cr_assert_eq(p[i], 0, "byte %zu of %zu, round %d", i, n, round);
            cr_assert_eq(p[head - 1], 0);
            memset(p, 0xab, n); /* dirty it: the next round probably gets it back */
            pf_big_free(p, n);
        }
    }
}

Test(bigalloc, realloc_keeps_contents_across_the_malloc_threshold)
{
    size_t small = 1000, big = PF_BIG_MIN * 3, bigger = PF_BIG_MIN * 7;
    unsigned char *p = pf_big_alloc(small);
    for (size_t i = 0; i < small; i++)
        p[i] = (unsigned char)i;
    p = pf_big_realloc(p, small, big); /* malloc -> mapping */
    cr_assert_not_null(p);
    memset(p + small, 7, big - small);
    p = pf_big_realloc(p, big, bigger); /* mapping grows */
    cr_assert_not_null(p);
    p[bigger - 1] = 9;
    p = pf_big_realloc(p, bigger, small); /* mapping -> malloc */
    cr_assert_not_null(p);
    for (size_t i = 0; i < small; i++)
        cr_assert_eq(p[i], (unsigned char)i);
    pf_big_free(p, small);
    pf_big_free(NULL, big);
}

Test(bigalloc, file_image_holds_the_file_whether_mapped_or_read)
{
    static const char *files[] = {PF_TEST_DATA "/cube20.stl", PF_TEST_DATA "/bumpy_100k.stl"};
    for (int f = 0; f < 2; f++) {
        int fd = open(files[f], O_RDONLY);
        struct stat st;
        cr_assert(fd >= 0 && fstat(fd, &st) == 0);
        pf_file_image img;
        cr_assert_eq(pf_file_image_load(fd, (size_t)st.st_size, &img), 0);
        cr_assert_eq(img.len, (size_t)st.st_size);
        cr_assert_eq(img.map != NULL, img.len >= PF_BIG_MIN, "%s", files[f]);
        unsigned char tail[50];
        cr_assert_eq(pread(fd, tail, sizeof tail, st.st_size - 50), 50);
        cr_assert_eq(memcmp(img.data + img.len - 50, tail, 50), 0);
        pf_file_image_release(&img);
        close(fd);
    }
}
