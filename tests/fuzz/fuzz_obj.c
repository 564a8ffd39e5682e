/* libFuzzer target for OBJ intake, seeded with the OBJ files in tests/data. */
#include "tests/fuzz/fuzz_intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return pf_fuzz_intake(data, size, PF_FORMAT_OBJ, PF_FORMAT_OBJ);
}
