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

/* Binary STL layout: 80-byte header, uint32 count, then 50-byte records (normal, 3 vertices, attribute). */
#define PF_STL_HEADER 84
#define PF_STL_RECORD 50
#define PF_STL_VERTS 12 /* offset of the first vertex inside a record */

/* Checks a binary STL's size against the count in its header (the first 84 bytes) and the triangle limit.
 * Errors: TRUNCATED, PARSE (trailing bytes), EMPTY_MESH, TOO_MANY_TRIANGLES, with byte offsets. */
pf_err pf__stl_binary_check(const unsigned char *head, size_t len, size_t max_triangles, uint32_t *n,
                            pf_errbuf *eb);

/* Lets an empty builder weld n binary STL records in place (buf must outlive finish()); returns NOMEM. */
pf_err pf__builder_stl(pf_mesh_builder *b, const unsigned char *records, uint32_t n);

#endif
