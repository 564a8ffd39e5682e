/* libFuzzer target for bearer and one-time tokens (tests/fuzz/fuzz_api.h), seeded by
 * tests/data/fuzz-api/tok_*. */
#include "tests/fuzz/fuzz_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_fuzz_tokens(data, size);
    return 0;
}
