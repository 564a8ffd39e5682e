/* Shared body of the intake fuzz targets: run one input through pf_mesh_read_mem and trap on any broken
 * invariant (a mesh that indexes out of range, an error without a message, an output set on failure). */
#ifndef PF_FUZZ_INTAKE_H
#define PF_FUZZ_INTAKE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine/analyze.h"
#include "engine/mesh.h"

/* Modest limits keep each run fast; tests/test_fuzz_regress.c replays findings with the same ones. */
static const pf_intake_limits pf_fuzz_limits = {
    .max_file_bytes = 1000000,
    .max_triangles = 200000,
    .max_entry_inflated = 1u << 20,
    .max_total_inflated = 4u << 20,
};

/* Reads data when pf_mesh_detect says it is one of the wanted formats (a reader's target skips the rest, so
 * its time goes to its own parser). */
static inline int pf_fuzz_intake(const uint8_t *data, size_t size, pf_format want1, pf_format want2)
{
    pf_format f = pf_mesh_detect(data, size);
    if (f != want1 && f != want2) return 0;
    pf_mesh *m = NULL;
    pf_errbuf eb = {{0}};
    pf_err err = pf_mesh_read_mem(data, size, &pf_fuzz_limits, &m, &eb);
    if (err == PF_E_OK) {
        if (!m || m->ntris == 0 || m->nparts == 0) __builtin_trap();
        for (size_t i = 0; i < m->ntris * 3; i++)
            if (m->tris[i] >= m->nverts) __builtin_trap();
        /* The analysis of whatever was read, on one thread and on two: the same answer, counts that add up. */
        pf_analysis a[2];
        for (int t = 0; t < 2; t++) {
            pf_analyze_opts o = {{0, 0, 0}, t + 1, 0};
            pf_err ae = pf_mesh_analyze(m, &o, &a[t], &eb);
            if (ae != PF_E_OK && ae != PF_E_EMPTY_MESH) __builtin_trap();
            if (ae == PF_E_EMPTY_MESH) memset(&a[t], 0, sizeof a[t]);
        }
        if (memcmp(&a[0], &a[1], sizeof a[0]) || a[0].boundary_edges + a[0].non_manifold_edges > a[0].edges ||
            a[0].vertices > m->nverts || a[0].shells > a[0].vertices)
            __builtin_trap();
    } else if (m || eb.msg[0] == 0 || memchr(eb.msg, 0, sizeof eb.msg) == NULL) {
        __builtin_trap(); /* failures must leave *out alone and explain themselves */
    }
    pf_mesh_free(m);
    return 0;
}

#endif
