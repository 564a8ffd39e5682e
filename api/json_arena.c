/* cJSON trees in a caller's buffer (api/json_arena.h): allocation hooks that bump through the calling
 * thread's current arena, and malloc/free while it has none. */
#include "api/json_arena.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define PF_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PF_ARENA_ASAN 1
#endif
#endif
#ifdef PF_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Blocks are aligned as malloc aligns them. */
#define ALIGN 16

/* The arena cJSON allocates from on this thread, NULL outside pf_json_arena_parse / pf_json_arena_free. */
static _Thread_local pf_json_arena *current;

static bool in_arena(const pf_json_arena *a, const void *p)
{
    uintptr_t u = (uintptr_t)p, b = (uintptr_t)a->buf;
    return u >= b && u - b < a->cap;
}

static void *hook_malloc(size_t n)
{
    pf_json_arena *a = current;
    if (a) {
        size_t need = (n + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
        if (need >= n && need <= a->cap - a->used) {
            void *p = a->buf + a->used;
            a->used += need;
            UNPOISON(p, n);
            return p;
        }
        a->spilled = true;
    }
    return malloc(n);
}

static void hook_free(void *p)
{
    pf_json_arena *a = current;
    if (a && in_arena(a, p)) return;
    free(p);
}

/* Installed when the program loads, before main and so before any thread could be inside cJSON (the hooks
 * are one process-wide struct that cJSON_InitHooks writes without a lock). */
__attribute__((constructor)) static void hooks_install(void)
{
    cJSON_Hooks h = {.malloc_fn = hook_malloc, .free_fn = hook_free};
    cJSON_InitHooks(&h);
}

void pf_json_arena_init(pf_json_arena *a, void *buf, size_t cap)
{
    a->buf = buf;
    a->cap = cap;
    a->used = 0;
    a->spilled = false;
    POISON(buf, cap);
}

cJSON *pf_json_arena_parse(pf_json_arena *a, const char *s, size_t n, const char **end)
{
    pf_json_arena *prev = current;
    current = a;
    cJSON *j = cJSON_ParseWithLengthOpts(s, n, end, false);
    current = prev;
    return j;
}

void pf_json_arena_free(pf_json_arena *a, cJSON *tree)
{
    if (tree && a->spilled) { /* the malloc'd blocks are found by walking the tree */
        pf_json_arena *prev = current;
        current = a;
        cJSON_Delete(tree);
        current = prev;
    }
    POISON(a->buf, a->used);
    a->used = 0;
    a->spilled = false;
}
