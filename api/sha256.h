/* Streaming SHA-256 of uploads: OpenSSL's libcrypto (SHA-NI where the CPU has it: ~4× libsodium's portable
 * code on a 3 MB file here), opened on first use (engine/dynlib.h) rather than linked; libsodium's when
 * libcrypto cannot be loaded. Both give the same digest (tests/test_sha256.c). */
#ifndef PF_API_SHA256_H
#define PF_API_SHA256_H

#include <stddef.h>

typedef struct pf_sha256_stream pf_sha256_stream;

/* A new digest; portable != 0 takes libsodium's code whatever is installed (tests compare the two). NULL when
 * out of memory. */
pf_sha256_stream *pf_sha256_begin(int portable);
/* Adds n bytes. Returns 0, or -1 when the library failed. */
int pf_sha256_add(pf_sha256_stream *s, const void *p, size_t n);
/* Writes the digest of everything added; the stream is spent (free it). Returns 0 or -1. */
int pf_sha256_end(pf_sha256_stream *s, unsigned char out[32]);
/* Releases s (NULL is fine). */
void pf_sha256_free(pf_sha256_stream *s);

#endif
