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

/* Small (malloc) and big (mapping, fresh or reused dirty) blocks: the head is zero, whatever the rest holds. */
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
