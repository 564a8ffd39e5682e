/* Storage internals shared by the storage .c files and white-box tests: the store and transaction structs,
 * the field and kind descriptors that drive the generic record codec, and the generic record operations. */
#ifndef PF_STORAGE_STORE_INTERNAL_H
#define PF_STORAGE_STORE_INTERNAL_H

#include <lmdb.h>
#include <msgpack.h>
#include <pthread.h>

#include "storage/store.h"

typedef enum pf_ftype {
    PF_F_U64,
    PF_F_I64,
    PF_F_F64,
    PF_F_BOOL,
    PF_F_STR,
    PF_F_STRV,
    PF_F_SHA,
    PF_F_BLOB
} pf_ftype;

/* One msgpack map entry of a record: its key, C type and place in the struct. */
typedef struct pf_field {
    const char *key; /* msgpack key (the struct member's name) */
    pf_ftype type;   /* C type of the member */
    size_t off;      /* offsetof the member */
} pf_field;

#define PF_IDX_UNIQUE 1u /* one record per key (plain DB: key -> id) instead of a DUPSORT list */

/* A secondary index on one field. Records whose field is empty (0, NULL, "" or all-zero digest) are not
 * indexed; booleans are always indexed. */
typedef struct pf_index {
    const char *db;        /* LMDB DB name */
    const pf_field *field; /* indexed field */
    unsigned flags;        /* PF_IDX_* */
} pf_index;

#define PF_MAX_INDEXES 5

/* One record kind: primary DB (id BE64 -> msgpack map) plus its indexes. */
typedef struct pf_kind {
    const char *name;                 /* primary DB name and id counter name */
    const pf_field *fields;           /* fields[0] is the uint64 id */
    size_t nfields;                   /* entries in fields */
    size_t size;                      /* sizeof the record struct */
    unsigned version;                 /* schema version written as "_v" */
    pf_index indexes[PF_MAX_INDEXES]; /* secondary indexes */
    size_t nindexes;                  /* entries used in indexes */
} pf_kind;

typedef enum pf_kind_id {
#define PF__KIND_ENUM(E, k) PF_KIND_##E,
    PF_KINDS(PF__KIND_ENUM)
#undef PF__KIND_ENUM
        PF_KIND__COUNT
} pf_kind_id;

/* The descriptor table (storage/kinds.c). */
extern const pf_kind pf__kinds[PF_KIND__COUNT];

struct pf_store {
    MDB_env *env;                 /* the environment */
    pthread_rwlock_t lock;        /* shared by transactions, exclusive while the map grows */
    size_t map_size;              /* current map size (changed only under the exclusive lock) */
    unsigned grows;               /* map growths done by this handle */
    bool readonly;                /* opened with MDB_RDONLY */
    MDB_dbi meta;                 /* "meta": schema_version */
    MDB_dbi counters;             /* "counters": name -> uint64 */
    MDB_dbi settings;             /* "settings": key -> msgpack {_v, value, at, by} */
    MDB_dbi likes;                /* "likes": model id -> user ids (DUPSORT) */
    MDB_dbi blobs;                /* "blobs": sha256 -> msgpack blob meta */
    MDB_dbi chunks;               /* "blob_chunks": blob_no BE64 + index BE32 -> zstd bytes */
    MDB_dbi pending;              /* "blob_pending": blob_no BE64 of unfinished uploads */
    MDB_dbi prim[PF_KIND__COUNT]; /* primary DB per kind */
    MDB_dbi idx[PF_KIND__COUNT][PF_MAX_INDEXES]; /* index DBs per kind */
};

/* Record ids one pf_store_write call has handed out, across its attempts. An attempt that meets a full map is
 * aborted and the whole transaction body runs again; a record struct that kept the id its put got in the
 * aborted attempt would otherwise be stored under that id, which another writer may have been given since
 * (the counter's increment was aborted too) — one record would overwrite the other. */
typedef struct pf__given_ids {
    struct {
        int kind;    /* pf_kind_id */
        uint64_t id; /* id handed out */
    } * v;
    size_t n, cap; /* entries, capacity */
} pf__given_ids;

struct pf_txn {
    pf_store *st;         /* owner */
    MDB_txn *txn;         /* LMDB transaction */
    bool write;           /* read-write */
    bool map_full;        /* an LMDB call met MDB_MAP_FULL: abort, grow, re-run */
    pf__given_ids *given; /* write transactions: ids handed out by this call's attempts, NULL otherwise */
    size_t stale; /* given->v[0 .. stale) came from aborted attempts: a put carrying one gets a new id */
};

/* Translates an LMDB return code (MDB_NOTFOUND -> PF_E_NOT_FOUND, others -> PF_E_STORAGE) with context. */
pf_err pf__mdb_err(pf_errbuf *eb, int rc, const char *what);
/* mdb_put / mdb_del that note MDB_MAP_FULL on t. Every change goes through them. */
int pf__put(pf_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags);
int pf__del(pf_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v);
/* Runs fn in t, or in a transaction of its own when t is NULL. */
pf_err pf__with_txn(pf_store *st, pf_txn *t, bool write, pf_store_txn_fn fn, void *ctx, pf_errbuf *eb);

static inline void pf__be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}
static inline uint64_t pf__rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Record codec. encode appends one msgpack map to sb. decode fills rec (zeroed first) from a map, ignoring
 * keys it does not know; PF_E_STORAGE on malformed input or a known key of the wrong type. */
pf_err pf__rec_encode(const pf_field *f, size_t nf, unsigned version, const void *rec, msgpack_sbuffer *sb);
pf_err pf__rec_decode(const pf_field *f, size_t nf, const void *data, size_t len, void *rec, pf_errbuf *eb);
void pf__rec_clear(const pf_field *f, size_t nf, void *rec);
/* Schema version ("_v") of an encoded record, 0 if absent or malformed. */
unsigned pf__rec_version(const void *data, size_t len);

/* Index key of rec for ix into buf (at least 64 bytes for fixed types; strings point into rec). Returns false
 * when the record is not indexed (empty field). */
bool pf__index_key(const pf_index *ix, const void *rec, uint8_t *buf, MDB_val *key);

/* Generic record operations, all inside t. */
pf_err pf__rec_put(pf_txn *t, pf_kind_id k, void *rec, pf_errbuf *eb);
pf_err pf__rec_get(pf_txn *t, pf_kind_id k, uint64_t id, void *rec, pf_errbuf *eb);
pf_err pf__rec_del(pf_txn *t, pf_kind_id k, uint64_t id, pf_errbuf *eb);
/* ix < 0 lists the primary DB; otherwise the DUPSORT index ix under key. */
pf_err pf__rec_list(pf_txn *t, pf_kind_id k, int ix, const MDB_val *key, uint64_t before, size_t limit,
                    void **out, size_t *n, uint64_t *next, pf_errbuf *eb);
/* Unique index ix: the record under key. */
pf_err pf__rec_find(pf_txn *t, pf_kind_id k, int ix, const MDB_val *key, void *rec, pf_errbuf *eb);
void pf__rec_list_free(pf_kind_id k, void *arr, size_t n);

/* Blob reference counting (storage/blob.c), used by record put/del for BLOB fields. */
pf_err pf__blob_ref(pf_txn *t, const pf_sha256 *sha, int delta, pf_errbuf *eb);

/* Counter add inside t. */
pf_err pf__counter_add(pf_txn *t, const char *name, int64_t delta, uint64_t *value, pf_errbuf *eb);
/* Raises counter name to at least v. */
pf_err pf__counter_at_least(pf_txn *t, const char *name, uint64_t v, pf_errbuf *eb);

/* State of one pf_store_open across re-runs of its migration transaction. */
typedef struct pf__open_state {
    const pf_store_options *opt; /* caller's options */
    char admin_email[256];       /* seeded admin, printed after the commit */
    char generated_password[24]; /* non-empty when a random admin password was generated */
} pf__open_state;

/* First-open defaults (storage/seed.c), inside the migration transaction. */
pf_err pf__seed_defaults(pf_txn *t, pf__open_state *os, pf_errbuf *eb);
/* Drops chunks of uploads interrupted by a crash (storage/blob.c). */
pf_err pf__blob_drop_pending(pf_txn *t, pf_errbuf *eb);

#endif
