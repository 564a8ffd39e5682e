/* The in-memory mesh shared by analysis and the estimator, and the builder that readers fill. */
#ifndef PF_MESH_H
#define PF_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef enum pf_format {
    PF_FORMAT_UNKNOWN = 0,
    PF_FORMAT_STL_BINARY,
    PF_FORMAT_STL_ASCII,
    PF_FORMAT_OBJ,
    PF_FORMAT_3MF,
} pf_format;

/* A named range of triangles: an OBJ o/g group, a 3MF build item's object, or the whole STL. */
typedef struct pf_part {
    char name[64];      /* part name, NUL-terminated, possibly truncated; "" when the file gives none */
    uint32_t first_tri; /* index of its first triangle in pf_mesh.tris */
    uint32_t tri_count; /* number of triangles */
    int printed;        /* 0 for 3MF support/solidsupport/other objects: not counted as printed volume */
} pf_part;

/* Indexed triangle mesh in millimetres. Identical vertices are welded (unless the reader was asked not to),
 * parts are contiguous, non-overlapping triangle ranges in file order. Owned by whoever got it from
 * pf_mesh_builder_finish() or pf_mesh_read_*(); release with pf_mesh_free(). Immutable after creation, so it
 * may be shared read-only between threads. */
typedef struct pf_mesh {
    float *verts;     /* 3·nverts coordinates, x y z per vertex */
    uint32_t *tris;   /* 3·ntris vertex indices, counter-clockwise seen from outside */
    size_t nverts;    /* vertex count */
    size_t ntris;     /* triangle count */
    pf_part *parts;   /* nparts parts covering every triangle */
    size_t nparts;    /* part count (≥ 1 for a non-empty mesh) */
    pf_format format; /* the format the mesh was read from */
    int big;          /* 1: verts and tris come from pf_big_alloc (set by the builder); 0: from malloc */
} pf_mesh;

/* Limits a reader enforces against hostile input. Zero fields mean "use the default". */
typedef struct pf_intake_limits {
    size_t max_file_bytes;      /* whole input; default 50 MB */
    size_t max_triangles;       /* triangles after expanding 3MF components; default 20 M */
    size_t max_entry_inflated;  /* one 3MF (ZIP) entry once inflated; default 512 MB */
    size_t max_total_inflated;  /* all inflated 3MF entries together; default 1 GB */
    unsigned max_inflate_ratio; /* inflated/compressed bytes per entry; default 1000 */
    unsigned max_depth;         /* 3MF component nesting depth; default 32 */
    int no_weld;                /* 1: keep the triangle soup (each triangle its own 3 vertices) */
    int threads; /* welding threads: 1 or 2; 0 decides per read (2 when a core is idle); the mesh is the same
                  */
} pf_intake_limits;

#define PF_DEFAULT_MAX_FILE_BYTES ((size_t)50 * 1000 * 1000)
#define PF_DEFAULT_MAX_TRIANGLES ((size_t)20 * 1000 * 1000)

/* Fills every zero field of lim with its default and returns the result. */
pf_intake_limits pf_intake_limits_resolve(const pf_intake_limits *lim);

/* Reads a mesh from a file or a memory buffer; the format is told by structure, not by name.
 * Errors: IO, TOO_LARGE, FORMAT_UNKNOWN, TRUNCATED, PARSE, BAD_NUMBER, BAD_INDEX, EMPTY_MESH,
 * TOO_MANY_TRIANGLES, ZIP, ZIP_BOMB, XML, XML_DTD, UNSUPPORTED_EXTENSION, CYCLE, NOMEM; eb gets the position.
 * lim may be NULL for defaults. *out is set only on success. Thread-safe. */
pf_err pf_mesh_read_file(const char *path, const pf_intake_limits *lim, pf_mesh **out, pf_errbuf *eb);
pf_err pf_mesh_read_mem(const void *buf, size_t len, const pf_intake_limits *lim, pf_mesh **out,
                        pf_errbuf *eb);

/* Which format buf holds, by structure: a binary STL's size is 84 + 50·n, a ZIP starts with PK\3\4, an ASCII
 * STL is text whose first word is "solid" in any case (admesh writes SOLID), anything else with "v " lines is
 * OBJ. */
pf_format pf_mesh_detect(const void *buf, size_t len);
const char *pf_format_name(pf_format f); /* "stl-binary", "stl-ascii", "obj", "3mf", "unknown" */

void pf_mesh_free(pf_mesh *m); /* accepts NULL */

/* ---- Builder: readers append triangles part by part, then finish() welds and indexes them. ----
 * Triangles come either as soup (9 floats each: ASCII STL, 3MF, pf_mesh_builder_tri) or indexed (vertex
 * arrays and index triples: OBJ), in which case only the vertices are welded, not every corner. Both may be
 * mixed: the first indexed call turns the soup so far into vertices. Whatever the input, the welded mesh
 * numbers its vertices in order of first use by a corner, so the same triangles give the same mesh either
 * way. */
typedef struct pf_mesh_builder {
    float *soup;              /* soup mode: 9 floats per triangle */
    size_t ntris, cap;        /* triangles stored, soup capacity in triangles */
    pf_part *parts;           /* parts so far */
    size_t nparts, pcap;      /* part count and capacity */
    size_t max_triangles;     /* limit from pf_intake_limits */
    int no_weld;              /* from pf_intake_limits */
    pf_format format;         /* set by the reader */
    int indexed;              /* 1: triangles live in itris/iverts, soup is unused */
    float *iverts;            /* indexed mode: 3·niverts coordinates */
    size_t niverts, ivcap;    /* indexed vertices and capacity (in vertices) */
    uint32_t *itris;          /* indexed mode: 3·ntris indices into iverts */
    size_t itcap;             /* capacity of itris in triangles */
    const unsigned char *stl; /* borrowed binary STL records (ntris of 50 bytes), welded in place; or NULL */
    int threads;              /* from pf_intake_limits */
} pf_mesh_builder;

void pf_mesh_builder_init(pf_mesh_builder *b, const pf_intake_limits *lim);
/* Starts a new part; triangles added afterwards belong to it. Errors: NOMEM. */
pf_err pf_mesh_builder_part(pf_mesh_builder *b, const char *name, int printed);
/* Appends one triangle (9 floats). Rejects non-finite coordinates (BAD_NUMBER) and the limit
 * (TOO_MANY_TRIANGLES); the caller adds its position to eb. */
pf_err pf_mesh_builder_tri(pf_mesh_builder *b, const float v[9], pf_errbuf *eb);
/* Reserves room for n more triangles and returns where to write them (9·n floats), or NULL with *err set;
 * call pf_mesh_builder_commit(b, n) after writing them. The caller must check finiteness itself. */
float *pf_mesh_builder_reserve(pf_mesh_builder *b, size_t n, pf_err *err, pf_errbuf *eb);
void pf_mesh_builder_commit(pf_mesh_builder *b, size_t n);
/* Indexed input. reserve_verts returns room for n vertices (3·n floats, finite: the caller checks) that will
 * get indices niverts … niverts + n − 1 once committed; reserve_indexed returns room for n triangles (3·n
 * indices into all vertices added so far or later, checked at finish()) of the current part. NULL with *err
 * set (NOMEM, TOO_MANY_TRIANGLES) on failure. */
float *pf_mesh_builder_reserve_verts(pf_mesh_builder *b, size_t n, pf_err *err, pf_errbuf *eb);
void pf_mesh_builder_commit_verts(pf_mesh_builder *b, size_t n);
uint32_t *pf_mesh_builder_reserve_indexed(pf_mesh_builder *b, size_t n, pf_err *err, pf_errbuf *eb);
void pf_mesh_builder_commit_indexed(pf_mesh_builder *b, size_t n);
/* Welds identical vertices (bitwise, with -0 == +0), indexes triangles and hands over a mesh. The builder is
 * emptied either way. Errors: EMPTY_MESH, BAD_INDEX (indexed triangle beyond the vertices), BAD_NUMBER
 * (non-finite coordinate), NOMEM. */
pf_err pf_mesh_builder_finish(pf_mesh_builder *b, pf_mesh **out, pf_errbuf *eb);
void pf_mesh_builder_free(pf_mesh_builder *b); /* releases what finish() did not take */

#endif
