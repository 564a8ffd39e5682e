/* Reader entry points shared by engine/mesh.c (dispatch) and the per-format files. Not a public API. */
#ifndef PF_INTAKE_INTERNAL_H
#define PF_INTAKE_INTERNAL_H

#include "engine/mesh.h"

/* Each reader appends the file's triangles to b (starting its own parts) and sets b->format.
 * On error it fills eb with the position (byte offset or line) and returns the code. */
pf_err pf__stl_read(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb);
pf_err pf__obj_read(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb);
pf_err pf__3mf_read(const unsigned char *buf, size_t len, const pf_intake_limits *lim, pf_mesh_builder *b,
                    pf_errbuf *eb);

#endif
