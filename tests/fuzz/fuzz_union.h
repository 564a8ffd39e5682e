/* Shared body of the contour-union fuzz target (tests/fuzz/fuzz_contour_union.c) and its replay of saved
 * inputs (tests/test_fuzz_regress.c): the outline of a layer's overlapping contours (engine/contour_union.h)
 * on any closed contours, crossing themselves and each other, repeating points, lying on each other.
 *
 * Input: contours one after the other, each a byte of its point count (3 + b % 30) and its points, a byte a
 * coordinate on a lattice of FUZZ_UNION_STEP mm (corners on sides and sides on sides are the common case, as
 * in soups of boxes). Checks: the outline's coordinates are finite. Returns 1 when an outline was made. */
#ifndef PF_FUZZ_UNION_H
#define PF_FUZZ_UNION_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/backend.h"
#include "engine/contour_union.h"

#define FUZZ_UNION_STEP 0.25f
#define FUZZ_UNION_MAX 4096 /* segments */

static inline int pf_fuzz_union(const uint8_t *data, size_t size)
{
    static float segs[PF_SEG_FLOATS * FUZZ_UNION_MAX];
    static uint64_t keys[2 * FUZZ_UNION_MAX];
    uint32_t n = 0, loop = 0;
    size_t at = 0;
    while (at < size) {
        uint32_t np = 3 + data[at++] % 30;
        if (at + 2 * (size_t)np > size || n + np > FUZZ_UNION_MAX) break;
        for (uint32_t i = 0; i < np; i++) {
            uint32_t j = (i + 1) % np;
            float *q = segs + PF_SEG_FLOATS * (n + i);
            q[0] = (float)data[at + 2 * i] * FUZZ_UNION_STEP,
            q[1] = (float)data[at + 2 * i + 1] * FUZZ_UNION_STEP;
            q[2] = (float)data[at + 2 * j] * FUZZ_UNION_STEP,
            q[3] = (float)data[at + 2 * j + 1] * FUZZ_UNION_STEP;
            keys[2 * (n + i)] = (uint64_t)loop << 32 | i;
            keys[2 * (n + i) + 1] = (uint64_t)loop << 32 | j;
        }
        at += 2 * (size_t)np;
        n += np;
        loop++;
    }
    float *os = NULL;
    uint64_t *ok = NULL;
    pf_scratch sc = {0};
    long m = pf_contour_union(segs, keys, n, &os, &ok, &sc);
    pf_scratch_free(&sc);
    if (m == -2) abort(); /* out of memory on a few thousand segments: a runaway */
    if (m < 0) return 0;
    for (long i = 0; i < m; i++)
        for (int k = 0; k < 4; k++)
            if (!isfinite(os[PF_SEG_FLOATS * i + k])) abort();
    free(os);
    free(ok);
    return 1;
}

#endif
