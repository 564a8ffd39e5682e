/* libFuzzer target for the estimator (tests/fuzz/fuzz_estimate.h), seeded by tests/data/fuzz-estimate. */
#include "tests/fuzz/fuzz_estimate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_fuzz_estimate(data, size);
    return 0;
}
