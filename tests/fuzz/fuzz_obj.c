/* libFuzzer target: arbitrary bytes through the whole intake path, seeded with OBJ files. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine/mesh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Modest limits keep each run fast; tests/test_fuzz_regress.c replays findings with the same ones. */
    const pf_intake_limits lim = {.max_file_bytes = 1000000, .max_triangles = 200000};
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    pf_err err = pf_mesh_read_mem(data, size, &lim, &m, &eb);
    if (err == PF_E_OK) {
        if (!m || m->ntris == 0 || m->nparts == 0) __builtin_trap();
        for (size_t i = 0; i < m->ntris * 3; i++)
            if (m->tris[i] >= m->nverts) __builtin_trap();
    } else if (m || eb.msg[0] == 0 || memchr(eb.msg, 0, sizeof eb.msg) == NULL) {
        __builtin_trap(); /* failures must leave *out alone and explain themselves */
    }
    pf_mesh_free(m);
    return 0;
}
