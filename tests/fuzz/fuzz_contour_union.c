/* libFuzzer target for the outline of overlapping contours (tests/fuzz/fuzz_union.h), seeded by
 * tests/data/fuzz-union. */
#include "tests/fuzz/fuzz_union.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_fuzz_union(data, size);
    return 0;
}
