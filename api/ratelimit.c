/* Sharded fixed-window rate limiter: chained hash buckets over a fixed entry pool per shard. */
#include "api/ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 32
#define IP_MAX 48
#define NIL UINT32_MAX

typedef struct entry {
    char ip[IP_MAX]; /* client address text */
    uint64_t end_ms; /* window end */
    uint32_t count;  /* requests in the window, saturating at limit + 1 */
    uint32_t next;   /* bucket chain or free list */
    uint8_t which;   /* limiter number */
} entry;

typedef struct shard {
    _Alignas(64) pthread_mutex_t mu; /* guards everything below; aligned so shards do not share lines */
    uint32_t *buckets;               /* nb chain heads */
    entry *pool;                     /* cap entries */
    uint32_t free;                   /* free list head */
    uint32_t n;                      /* entries in use */
} shard;

struct pf_ratelimit {
    shard shards[SHARDS];
    uint32_t cap;                            /* entries per shard */
    uint32_t nb;                             /* buckets per shard (power of two) */
    uint8_t hkey[crypto_shorthash_KEYBYTES]; /* SipHash key: clients cannot aim at one bucket */
};

pf_err pf_ratelimit_new(size_t max_entries, pf_ratelimit **out)
{
    if (sodium_init() < 0) return PF_E_NOMEM;
    pf_ratelimit *rl = aligned_alloc(64, (sizeof *rl + 63) & ~(size_t)63);
    if (!rl) return PF_E_NOMEM;
    memset(rl, 0, sizeof *rl);
    size_t cap = (max_entries + SHARDS - 1) / SHARDS;
    if (cap < 4) cap = 4;
    if (cap > (1u << 24)) cap = 1u << 24;
    rl->cap = (uint32_t)cap;
    rl->nb = 4;
    while (rl->nb < cap)
        rl->nb <<= 1;
    randombytes_buf(rl->hkey, sizeof rl->hkey);
    for (size_t i = 0; i < SHARDS; i++) {
        shard *s = &rl->shards[i];
        pthread_mutex_init(&s->mu, NULL);
        s->buckets = malloc(rl->nb * sizeof *s->buckets);
        s->pool = malloc(cap * sizeof *s->pool);
        if (!s->buckets || !s->pool) {
            pf_ratelimit_free(rl);
            return PF_E_NOMEM;
        }
        memset(s->buckets, 0xff, rl->nb * sizeof *s->buckets);
        for (uint32_t j = 0; j < cap; j++)
            s->pool[j].next = j + 1 < cap ? j + 1 : NIL;
        s->free = 0;
    }
    *out = rl;
    return PF_E_OK;
}

void pf_ratelimit_free(pf_ratelimit *rl)
{
    if (!rl) return;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_destroy(&rl->shards[i].mu);
        free(rl->shards[i].buckets);
        free(rl->shards[i].pool);
    }
    free(rl);
}

/* Drops windows that ended; if none did, the one ending soonest. Runs only when the shard is full. */
static void evict(pf_ratelimit *rl, shard *s, uint64_t now_ms)
{
    uint32_t victim_b = NIL, victim_prev = NIL, victim = NIL;
    for (uint32_t b = 0; b < rl->nb; b++) {
        uint32_t prev = NIL;
        for (uint32_t i = s->buckets[b]; i != NIL;) {
            entry *e = &s->pool[i];
            uint32_t next = e->next;
            if (e->end_ms <= now_ms) {
                if (prev == NIL)
                    s->buckets[b] = next;
                else
                    s->pool[prev].next = next;
                e->next = s->free;
                s->free = i;
                s->n--;
            } else {
                if (victim == NIL || e->end_ms < s->pool[victim].end_ms)
                    victim = i, victim_prev = prev, victim_b = b;
                prev = i;
            }
            i = next;
        }
    }
    if (s->free != NIL || victim == NIL) return;
    if (victim_prev == NIL)
        s->buckets[victim_b] = s->pool[victim].next;
    else
        s->pool[victim_prev].next = s->pool[victim].next;
    s->pool[victim].next = s->free;
    s->free = victim;
    s->n--;
}

void pf_ratelimit_hit(pf_ratelimit *rl, unsigned which, const char *ip, uint32_t max, uint64_t window_ms,
                      uint64_t now_ms, pf_rl_result *out)
{
    char key[IP_MAX + 1] = {0};
    size_t len = strnlen(ip, IP_MAX - 1);
    key[0] = (char)which;
    memcpy(key + 1, ip, len);
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const uint8_t *)key, len + 1, rl->hkey);
    uint64_t hv;
    memcpy(&hv, h, sizeof hv);
    shard *s = &rl->shards[hv % SHARDS];
    uint32_t b = (uint32_t)(hv >> 32) & (rl->nb - 1);

    pthread_mutex_lock(&s->mu);
    entry *e = NULL;
    for (uint32_t i = s->buckets[b]; i != NIL; i = s->pool[i].next)
        if (s->pool[i].which == (uint8_t)which && !strncmp(s->pool[i].ip, ip, len) && !s->pool[i].ip[len]) {
            e = &s->pool[i];
            break;
        }
    if (!e) {
        if (s->free == NIL) evict(rl, s, now_ms);
        uint32_t i = s->free;
        e = &s->pool[i];
        s->free = e->next;
        memcpy(e->ip, ip, len);
        e->ip[len] = 0;
        e->which = (uint8_t)which;
        e->end_ms = 0;
        e->next = s->buckets[b];
        s->buckets[b] = i;
        s->n++;
    }
    if (e->end_ms <= now_ms) {
        e->end_ms = now_ms + window_ms;
        e->count = 0;
    }
    if (e->count <= max) e->count++;
    out->allowed = e->count <= max;
    out->limit = max;
    out->remaining = e->count < max ? max - e->count : 0;
    out->reset_ms = e->end_ms;
    pthread_mutex_unlock(&s->mu);
}

size_t pf_ratelimit_size(pf_ratelimit *rl)
{
    size_t n = 0;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&rl->shards[i].mu);
        n += rl->shards[i].n;
        pthread_mutex_unlock(&rl->shards[i].mu);
    }
    return n;
}
