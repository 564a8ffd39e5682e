/* JSON answers without the cost of cJSON's printer.
 *
 * pf_json_write is a fast serializer for cJSON trees, used for every JSON answer: the same output grammar as
 * cJSON_PrintUnformatted, but numbers are written without the printf/scanf round trip cJSON makes for each
 * one (whole numbers as integers, short decimals such as rupees digit by digit, anything else with the
 * shortest of %.15g / %.17g that reads back exactly), which makes number-heavy answers (quotes) several times
 * cheaper.
 *
 * pf_jw is a writer for code that builds an answer member by member: the same calls either append JSON text
 * directly (no tree, no allocation per member: the high-volume quote answer) or build a cJSON tree (where a
 * route embeds the answer in a larger tree, or packs it as msgpack). For the same calls the text sink gives
 * exactly the text pf_json_write gives for the tree sink's tree. Thread-safe (no shared state). */
#ifndef PF_API_JSON_WRITE_H
#define PF_API_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine/error.h"

/* Nesting deeper than this is refused (NULL, or PF_E_INVAL from a writer). */
#define PF_JSON_WRITE_MAX_DEPTH 64

/* The JSON text of j, NUL-terminated, malloc'd (free()), its length in *len (may be NULL). Non-finite numbers
 * are written as null, raw items verbatim. NULL on allocation failure or nesting deeper than
 * PF_JSON_WRITE_MAX_DEPTH. */
char *pf_json_write(const cJSON *j, size_t *len);

/* Where a writer's output goes. */
typedef enum pf_jw_sink {
    PF_JW_TEXT, /* JSON text (pf_jw_take_text) */
    PF_JW_TREE, /* a cJSON tree (pf_jw_take_tree) */
} pf_jw_sink;

/* Growable text of a writer (private to api/json_write.c). */
typedef struct pf_jw_buf {
    char *p;    /* malloc'd text, NULL until the first write */
    size_t n;   /* bytes used */
    size_t cap; /* bytes allocated */
    bool bad;   /* an allocation failed: nothing more is written */
} pf_jw_buf;

/* A writer. Lives where the caller puts it (usually the stack); initialise with pf_jw_init, end with
 * pf_jw_take_text / pf_jw_take_tree, or pf_jw_clear to drop what was written. The first failure (allocation,
 * nesting deeper than PF_JSON_WRITE_MAX_DEPTH, a member without a key inside an object, more than one
 * top-level value) is remembered and later calls do nothing, so callers write everything and check once at
 * the end. Fields are private to api/json_write.c. */
typedef struct pf_jw {
    pf_jw_sink sink;                            /* text or tree */
    pf_err err;                                 /* first failure, PF_E_OK while none */
    int depth;                                  /* containers open */
    bool done;                                  /* the top-level value is complete */
    bool is_obj[PF_JSON_WRITE_MAX_DEPTH + 1];   /* container at each depth (1..depth) is an object */
    bool has_item[PF_JSON_WRITE_MAX_DEPTH + 1]; /* it has a member already (text sink: a comma is due) */
    cJSON *open[PF_JSON_WRITE_MAX_DEPTH + 1];   /* tree sink: the open containers (1..depth) */
    cJSON *root;                                /* tree sink: the top-level value */
    pf_jw_buf out;                              /* text sink: the text so far */
    size_t cap_hint;                            /* text sink: first allocation */
} pf_jw;

/* Starts an empty writer for sink. cap_hint (text sink) is the expected length of the text: one allocation
 * of that size (or more) is made at the first write; 0 picks a default. */
void pf_jw_init(pf_jw *w, pf_jw_sink sink, size_t cap_hint);
/* Members. key names the member inside an object (and must be NULL at top level or inside an array). In the
 * tree sink keys are referenced, not copied (cJSON_AddItemToObjectCS): pass string literals or other strings
 * that outlive the tree. Strings are copied. Non-finite numbers are written as null (in the tree: a number
 * item that pf_json_write prints as null). */
void pf_jw_num(pf_jw *w, const char *key, double v);
void pf_jw_str(pf_jw *w, const char *key, const char *v); /* NULL writes "" */
void pf_jw_bool(pf_jw *w, const char *key, bool v);
void pf_jw_null(pf_jw *w, const char *key);
/* Opens an object or array; pf_jw_end closes the innermost one. */
void pf_jw_obj(pf_jw *w, const char *key);
void pf_jw_arr(pf_jw *w, const char *key);
void pf_jw_end(pf_jw *w);

/* A member key with its text ready-made: the text sink copies `,"key":` (or `"key":` for a first member) in
 * one piece instead of measuring, checking and quoting the key on every call (a quote answer has ~60 keys).
 * Make one from a string literal that needs no JSON escaping (no '"', '\\' or control bytes):
 * PF_JW_KEY("weight_g") as an argument, PF_JW_KEY_INIT("weight_g") in a static initializer. */
typedef struct pf_jw_key {
    const char *key;  /* the key (the tree sink references it) */
    const char *frag; /* its text-sink form: ,"key": */
    size_t len;       /* strlen(frag) */
} pf_jw_key;
#define PF_JW_KEY_INIT(lit) {"" lit, ",\"" lit "\":", sizeof(lit) + 3}
#define PF_JW_KEY(lit) ((pf_jw_key)PF_JW_KEY_INIT(lit))
/* The keyed members above with such a key: the same output as pf_jw_num(w, k.key, v) and so on. Inline (see
 * the end of this header): in the text sink, with room in the buffer, the fragment — its length known where
 * the call is compiled — is copied by a few moves and the value written right after it. */
static inline void pf_jw_num_k(pf_jw *w, pf_jw_key k, double v);
static inline void pf_jw_str_k(pf_jw *w, pf_jw_key k, const char *v); /* NULL writes "" */
static inline void pf_jw_bool_k(pf_jw *w, pf_jw_key k, bool v);
static inline void pf_jw_null_k(pf_jw *w, pf_jw_key k);
static inline void pf_jw_obj_k(pf_jw *w, pf_jw_key k);
/* PF_E_OK while every call so far succeeded, else the first failure (PF_E_NOMEM or PF_E_INVAL). */
pf_err pf_jw_status(const pf_jw *w);
/* Text sink: hands over the text (malloc'd, NUL-terminated; free()) and its length. Errors: the first
 * failure, or PF_E_INVAL when containers are still open, nothing was written, or the sink is the tree; the
 * writer is cleared either way and *out / *len are set only on success. */
pf_err pf_jw_take_text(pf_jw *w, char **out, size_t *len);
/* Tree sink: hands over the tree (cJSON_Delete). Same errors and clearing as pf_jw_take_text. */
pf_err pf_jw_take_tree(pf_jw *w, cJSON **out);
/* Frees whatever the writer holds and leaves it empty (the sink stays). Safe on a cleared writer. */
void pf_jw_clear(pf_jw *w);

/* ---- the inline keyed members: internals of api/json_write.c, not for other callers ---- */

/* Room a number's text may need. */
#define PF__JW_NUMBER_MAX 40
/* The number's text at dst (room for PF__JW_NUMBER_MAX bytes); returns its length. */
size_t pf__jw_number(char *dst, double v);
/* Text sink: the string value of a member whose key is written. */
void pf__jw_string(pf_jw *w, const char *v);
/* The general path of each keyed member (any sink, any state, growing the text). */
void pf__jw_num_k(pf_jw *w, const pf_jw_key *k, double v);
void pf__jw_str_k(pf_jw *w, const pf_jw_key *k, const char *v);
void pf__jw_bool_k(pf_jw *w, const pf_jw_key *k, bool v);
void pf__jw_null_k(pf_jw *w, const pf_jw_key *k);
void pf__jw_obj_k(pf_jw *w, const pf_jw_key *k);

/* Text sink, inside an object, nothing failed and room for k's fragment and more bytes: writes the fragment
 * (without its comma for a first member) and returns true. Otherwise writes nothing and returns false. */
static inline bool pf__jw_key(pf_jw *w, const pf_jw_key *k, size_t more)
{
    pf_jw_buf *o = &w->out;
    int d = w->depth;
    if (w->sink != PF_JW_TEXT || w->err || !d || !w->is_obj[d] || o->n + k->len + more + 1 > o->cap)
        return false;
    if (w->has_item[d]) {
        memcpy(o->p + o->n, k->frag, k->len);
        o->n += k->len;
    } else {
        memcpy(o->p + o->n, k->frag + 1, k->len - 1);
        o->n += k->len - 1;
        w->has_item[d] = true;
    }
    return true;
}

static inline void pf_jw_num_k(pf_jw *w, pf_jw_key k, double v)
{
    if (pf__jw_key(w, &k, PF__JW_NUMBER_MAX))
        w->out.n += pf__jw_number(w->out.p + w->out.n, v);
    else
        pf__jw_num_k(w, &k, v);
}

static inline void pf_jw_str_k(pf_jw *w, pf_jw_key k, const char *v)
{
    if (pf__jw_key(w, &k, 0))
        pf__jw_string(w, v);
    else
        pf__jw_str_k(w, &k, v);
}

static inline void pf_jw_bool_k(pf_jw *w, pf_jw_key k, bool v)
{
    if (!pf__jw_key(w, &k, 5)) {
        pf__jw_bool_k(w, &k, v);
    } else if (v) {
        memcpy(w->out.p + w->out.n, "true", 4);
        w->out.n += 4;
    } else {
        memcpy(w->out.p + w->out.n, "false", 5);
        w->out.n += 5;
    }
}

static inline void pf_jw_null_k(pf_jw *w, pf_jw_key k)
{
    if (!pf__jw_key(w, &k, 4)) {
        pf__jw_null_k(w, &k);
        return;
    }
    memcpy(w->out.p + w->out.n, "null", 4);
    w->out.n += 4;
}

static inline void pf_jw_obj_k(pf_jw *w, pf_jw_key k)
{
    if (w->depth == PF_JSON_WRITE_MAX_DEPTH || !pf__jw_key(w, &k, 1)) {
        pf__jw_obj_k(w, &k);
        return;
    }
    w->out.p[w->out.n++] = '{';
    int d = ++w->depth;
    w->is_obj[d] = true;
    w->has_item[d] = false;
}

#endif
