/* libFuzzer target for JSON request bodies in a request's arena (tests/fuzz/fuzz_api.h), seeded by
 * tests/data/fuzz-api/json_*. */
#include "tests/fuzz/fuzz_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_fuzz_json_arena(data, size);
    return 0;
}
