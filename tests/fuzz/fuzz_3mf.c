/* libFuzzer target for 3MF intake: any bytes as a package, under modest limits so one input stays cheap. */
#include <stddef.h>
#include <stdint.h>

#include "engine/mesh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Route every input to the 3MF reader: detection would send most mutants to STL/OBJ instead. */
    if (size < 4 || data[0] != 'P' || data[1] != 'K' || data[2] != 3 || data[3] != 4) return 0;
    pf_intake_limits lim = {
        .max_entry_inflated = 1u << 20,
        .max_total_inflated = 4u << 20,
        .max_triangles = 200000,
    };
    pf_mesh *m = NULL;
    pf_errbuf eb;
    if (pf_mesh_read_mem(data, size, &lim, &m, &eb) == PF_E_OK) pf_mesh_free(m);
    return 0;
}
