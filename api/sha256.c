/* Streaming SHA-256 through libcrypto or libsodium (see api/sha256.h). */
#include "api/sha256.h"

#include <stdlib.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "engine/dynlib.h"

/* The libcrypto functions used, resolved from libcrypto.so.3 on first use. */
typedef struct crypto_api {
    __typeof__(EVP_MD_CTX_new) *md_ctx_new;
    __typeof__(EVP_MD_CTX_free) *md_ctx_free;
    __typeof__(EVP_sha256) *sha256;
    __typeof__(EVP_DigestInit_ex) *digest_init;
    __typeof__(EVP_DigestUpdate) *digest_update;
    __typeof__(EVP_DigestFinal_ex) *digest_final;
} crypto_api;

static crypto_api cr;
#define SYM(member, name) PF_DYNSYM(crypto_api, member, name)
static const pf_dynsym crypto_syms[] = {
    SYM(md_ctx_new, "EVP_MD_CTX_new"),
    SYM(md_ctx_free, "EVP_MD_CTX_free"),
    SYM(sha256, "EVP_sha256"),
    SYM(digest_init, "EVP_DigestInit_ex"),
    SYM(digest_update, "EVP_DigestUpdate"),
    SYM(digest_final, "EVP_DigestFinal_ex"),
};
#undef SYM
static pf_dynlib crypto_lib = PF_DYNLIB("libcrypto.so.3", crypto_syms, &cr);

struct pf_sha256_stream {
    EVP_MD_CTX *evp;                 /* libcrypto's state, or NULL: then */
    crypto_hash_sha256_state sodium; /* libsodium's */
};

pf_sha256_stream *pf_sha256_begin(int portable)
{
    pf_sha256_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (!portable && pf_dynlib_load(&crypto_lib, NULL) == PF_E_OK) {
        if (!(s->evp = cr.md_ctx_new()) || cr.digest_init(s->evp, cr.sha256(), NULL) != 1) {
            pf_sha256_free(s);
            return NULL;
        }
        return s;
    }
    crypto_hash_sha256_init(&s->sodium);
    return s;
}

int pf_sha256_add(pf_sha256_stream *s, const void *p, size_t n)
{
    if (s->evp) return cr.digest_update(s->evp, p, n) == 1 ? 0 : -1;
    return crypto_hash_sha256_update(&s->sodium, p, n) == 0 ? 0 : -1;
}

int pf_sha256_end(pf_sha256_stream *s, unsigned char out[32])
{
    unsigned len = 0;
    if (s->evp) return cr.digest_final(s->evp, out, &len) == 1 && len == 32 ? 0 : -1;
    return crypto_hash_sha256_final(&s->sodium, out) == 0 ? 0 : -1;
}

void pf_sha256_free(pf_sha256_stream *s)
{
    if (!s) return;
    if (s->evp) cr.md_ctx_free(s->evp);
    free(s);
}
