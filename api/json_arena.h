/* Request bodies parsed by cJSON into a buffer the request owns, instead of one malloc per node and per key
 * and string (and as many frees when the tree is deleted): a small JSON body (a quote's 128 bytes are nine
 * members, ~20 allocations) costs a bump of a pointer each.
 *
 * How: cJSON's allocation hooks (cJSON_InitHooks, process-wide) are installed once when the program loads,
 * before any thread runs. They take from the arena that the calling thread has made current — only inside
 * pf_json_arena_parse and pf_json_arena_free — and otherwise are plain malloc and free, so every other cJSON
 * use in the program, on any thread, allocates and frees exactly as before. A block that does not fit the
 * buffer comes from malloc (the tree is then freed node by node); free of a pointer into the current arena
 * does nothing. Under AddressSanitizer the buffer's unused and released bytes are poisoned, so a read of a
 * tree after pf_json_arena_free, or past the end of one of its blocks, is reported like a heap error. */
#ifndef PF_API_JSON_ARENA_H
#define PF_API_JSON_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* One arena: a caller's buffer and what of it is in use. Fields are private to api/json_arena.c. */
typedef struct pf_json_arena {
    unsigned char *buf; /* the caller's buffer, 16-byte aligned */
    size_t cap;         /* its bytes */
    size_t used;        /* bytes handed out */
    bool spilled;       /* some block came from malloc */
} pf_json_arena;

/* Starts an empty arena over buf[0..cap) (buf 16-byte aligned; the caller keeps it alive until
 * pf_json_arena_free). */
void pf_json_arena_init(pf_json_arena *a, void *buf, size_t cap);

/* cJSON_ParseWithLengthOpts(s, n, end, false) with the tree in a (NULL when the text is not JSON: cJSON's
 * verdict and *end as it sets them). The tree belongs to the arena: never cJSON_Delete it or detach from it;
 * it lives until pf_json_arena_free, before which nothing else may be parsed into a. One arena is used by one
 * thread at a time; different arenas are independent. */
cJSON *pf_json_arena_parse(pf_json_arena *a, const char *s, size_t n, const char **end);

/* Releases tree (from pf_json_arena_parse of a, or NULL): frees what of it came from malloc and leaves a
 * empty. */
void pf_json_arena_free(pf_json_arena *a, cJSON *tree);

#endif
