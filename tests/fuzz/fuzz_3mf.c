/* libFuzzer target for 3MF intake (ZIP container, OPC relationships, model XML), seeded with tests/data/3mf. */
#include "tests/fuzz/fuzz_intake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return pf_fuzz_intake(data, size, PF_FORMAT_3MF, PF_FORMAT_3MF);
}
