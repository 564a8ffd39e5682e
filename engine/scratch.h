/* Buffers a per-layer host pass keeps from one call to the next (one set per thread): a fresh allocation of a
 * few hundred KB costs its page faults on every layer. Zero-initialize; pf_scratch_free releases. */
#ifndef PF_SCRATCH_H
#define PF_SCRATCH_H

#include <stdlib.h>
#include <string.h>

#define PF_SCRATCH_SLOTS 18
typedef struct pf_scratch {
    void *p[PF_SCRATCH_SLOTS];
    size_t cap[PF_SCRATCH_SLOTS];
} pf_scratch;

/* Slot k of s with room for n bytes, or NULL: kept, grown (contents kept) when short, zeroed when zero. */
static inline void *pf_scratch_slot(pf_scratch *s, int k, size_t n, int zero)
{
    if (s->cap[k] < n) {
        size_t cap = n > 2 * s->cap[k] ? n : 2 * s->cap[k];
        void *p = realloc(s->p[k], cap);
        if (!p) return NULL;
        s->p[k] = p;
        s->cap[k] = cap;
    }
    if (zero && n) memset(s->p[k], 0, n);
    return s->p[k];
}

static inline void pf_scratch_free(pf_scratch *s)
{
    for (int k = 0; k < PF_SCRATCH_SLOTS; k++) {
        free(s->p[k]);
        s->p[k] = NULL;
        s->cap[k] = 0;
    }
}

#endif
