/* libFuzzer target for STL intake (binary and ASCII), seeded with the STL files in tests/data. */
#include "tests/fuzz/fuzz_intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return pf_fuzz_intake(data, size, PF_FORMAT_STL_BINARY, PF_FORMAT_STL_ASCII);
}
