/* Read-only ZIP container access for 3MF packages: central directory, ZIP64, stored and deflated entries. */
#ifndef PF_ZIP_H
#define PF_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/mesh.h"

/* One entry as the central directory describes it, every offset already checked against the buffer. */
typedef struct pf_zip_entry {
    const char *name;    /* entry name inside the buffer, not NUL-terminated */
    size_t name_len;     /* its length in bytes */
    uint64_t comp_size;  /* bytes of (compressed) data */
    uint64_t size;       /* declared inflated size; the inflater checks the real size against it */
    uint64_t data_off;   /* offset of the data in the buffer (after the local header) */
    uint64_t header_off; /* offset of the central directory record, for messages */
    uint16_t method;     /* 0 stored, 8 deflate (others are refused when read) */
} pf_zip_entry;

/* An opened archive. Borrows the buffer, which must outlive it; not thread-safe (counts inflated bytes). */
typedef struct pf_zip {
    const unsigned char *buf; /* the whole archive */
    size_t len;               /* its length */
    pf_zip_entry *entries;    /* sorted by case-folded name, so pf_zip_find() can bisect */
    size_t n;                 /* entry count */
    uint64_t inflated;        /* bytes produced by pf_zip_stream() so far, against max_total */
    uint64_t max_entry;       /* pf_intake_limits.max_entry_inflated */
    uint64_t max_total;       /* pf_intake_limits.max_total_inflated */
    uint64_t max_ratio;       /* pf_intake_limits.max_inflate_ratio */
} pf_zip;

/* Receives inflated bytes in order; a non-OK return (with eb filled) stops the stream with that code. */
typedef pf_err (*pf_zip_sink)(void *ctx, const unsigned char *p, size_t n, pf_errbuf *eb);

/* Reads the central directory of buf (ZIP64 records and extra fields included) and validates every entry's
 * local header and data range. lim must be resolved (no zero fields). On success z owns an entry table;
 * release it with pf_zip_close(). Errors: ZIP (bad structure, duplicate names, with the byte offset),
 * TRUNCATED, NOMEM, UNSUPPORTED (multi-disk, encrypted). */
pf_err pf_zip_open(pf_zip *z, const unsigned char *buf, size_t len, const pf_intake_limits *lim,
                   pf_errbuf *eb);
void pf_zip_close(pf_zip *z); /* accepts a zeroed or closed pf_zip */

/* The entry holding OPC part name (e.g. "/3D/3dmodel.model" or "3D/3dmodel.model"), compared ASCII
 * case-insensitively, or NULL. */
const pf_zip_entry *pf_zip_find(const pf_zip *z, const char *part, size_t part_len);

/* Inflates e in 64 KB pieces into sink, stopping as soon as the entry, total or ratio cap is passed
 * (ZIP_BOMB). Errors: ZIP_BOMB, ZIP (corrupt deflate data, size differs from the central directory),
 * UNSUPPORTED (method), NOMEM, or whatever sink returned. */
pf_err pf_zip_stream(pf_zip *z, const pf_zip_entry *e, pf_zip_sink sink, void *ctx, pf_errbuf *eb);

/* Copies e's name into out (size cap ≥ 1) with non-printable bytes replaced by '?', for messages. */
void pf_zip_entry_label(const pf_zip_entry *e, char *out, size_t cap);

#endif
