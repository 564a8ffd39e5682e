/* PrintForge storage: one LMDB environment holding every record kind, its secondary indexes, settings, likes,
 * counters and content-addressed model blobs.
 *
 * Threads: a pf_store is shared by all threads of the server. Each transaction belongs to the thread that
 * started it and must end before that thread starts another one (no nesting: a thread holding a read
 * transaction must not call a function with t == NULL, which opens its own). Write transactions are
 * serialised by LMDB; when the map fills up (MDB_MAP_FULL) the store grows it and re-runs the transaction, so
 * callers never see that condition.
 *
 * Transactions: every function taking (pf_store *st, pf_txn *t) runs inside t when t is not NULL (so several
 * changes commit together) and otherwise inside a short transaction of its own. Functions that change data
 * need a write transaction (PF_E_INVAL in a read one). A function returning an error inside a caller's write
 * transaction leaves it to be aborted: return the error from the pf_store_write callback.
 *
 * Errors: PF_E_NOT_FOUND (no such record), PF_E_CONFLICT (a unique index already holds the key for another
 * record), PF_E_STORAGE (LMDB failure or a corrupt record; details in eb), PF_E_NOMEM, PF_E_INVAL (misuse).
 *
 * Ownership: records returned by get/list are owned by the caller and released with pf_<kind>_clear() (one
 * record) or pf_<kind>_list_free() (an array). Nothing returned borrows from a transaction. */
#ifndef PF_STORAGE_STORE_H
#define PF_STORAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/error.h"
#include "storage/records.h"

/* Schema version of the environment; pf_store_open migrates older environments up to it. */
#define PF_STORE_SCHEMA_VERSION 1u

typedef struct pf_store pf_store;
typedef struct pf_txn pf_txn;

typedef struct pf_store_options {
    const char *dir;            /* data directory, created if missing (default "./data") */
    size_t map_size;            /* initial map size in bytes (default 64 MiB); grows on demand */
    bool readonly;              /* open an existing environment for reading only: no migration, no seeding */
    const char *admin_email;    /* seeded admin (else $PRINTFORGE_ADMIN_EMAIL, else admin@printforge.local) */
    const char *admin_password; /* seeded admin password (else $PRINTFORGE_ADMIN_PASSWORD, else random) */
    FILE *console;              /* where a generated admin password is printed once (default stderr) */
    unsigned long long pw_opslimit; /* argon2id cost for the seeded admin (0 = libsodium INTERACTIVE) */
    size_t pw_memlimit;             /* argon2id memory for the seeded admin (0 = libsodium INTERACTIVE) */
} pf_store_options;

/* Opens (creating if needed) the environment in opt->dir. On the first open it seeds the defaults (materials,
 * printer type, cost/site/rate-limiter settings, the admin account); on later opens it runs the migration
 * steps between the stored schema version and PF_STORE_SCHEMA_VERSION and drops blob chunks left by uploads
 * that a crash interrupted. Errors: PF_E_IO (directory), PF_E_STORAGE, PF_E_NOT_FOUND (readonly and no
 * environment). */
pf_err pf_store_open(const pf_store_options *opt, pf_store **out, pf_errbuf *eb);
/* Closes the environment. All transactions must have ended. Accepts NULL. */
void pf_store_close(pf_store *st);
/* Current map size in bytes and how many times this handle grew it (for tests and benches). */
size_t pf_store_map_size(pf_store *st);
unsigned pf_store_map_grows(pf_store *st);

/* A transaction body. It may run more than once (after the map grew), each time in a fresh transaction, so it
 * must derive everything from ctx and not keep side effects of an earlier run. Ids assigned to records by an
 * earlier run are kept and re-used, which is safe. */
typedef pf_err (*pf_store_txn_fn)(pf_txn *t, void *ctx, pf_errbuf *eb);
/* Runs fn in one write transaction and commits it if fn returns PF_E_OK (durably: the commit is synced), else
 * aborts it and returns fn's error. */
pf_err pf_store_write(pf_store *st, pf_store_txn_fn fn, void *ctx, pf_errbuf *eb);
/* Runs fn in a read-only snapshot. Keep it short: long readers stop LMDB from reusing pages. */
pf_err pf_store_read(pf_store *st, pf_store_txn_fn fn, void *ctx, pf_errbuf *eb);
/* The id of the snapshot t reads (LMDB's transaction id): two read transactions with the same id see exactly
 * the same data, so callers may keep data decoded under one id for as long as later snapshots have it. */
uint64_t pf_store_txn_id(const pf_txn *t);
/* The id of the last committed transaction, without starting one (what a read transaction started now would
 * see): cheap enough to check cached data against on every request. 0 on failure. */
uint64_t pf_store_last_txn_id(pf_store *st);

/* The typed API per kind (see records.h):
 *   pf_store_<k>_put(st, t, rec, eb): inserts (rec->id == 0: a new id is assigned and written back) or
 * replaces the record with rec->id, updating every index in the same transaction; PF_E_CONFLICT on a unique
 * key. pf_store_<k>_get(st, t, id, out, eb): PF_E_NOT_FOUND if absent; *out is overwritten (clear it first).
 *   pf_store_<k>_del(st, t, id, eb): removes the record and its index entries; PF_E_NOT_FOUND if absent.
 *   pf_store_<k>_list(st, t, before, limit, &arr, &n, &next, eb): records with id < before (0 = from the
 *       newest), newest first, at most limit; next is the cursor for the following page, 0 at the end.
 *   pf_<k>_clear(rec): frees the strings of rec and zeroes it. Accepts NULL.
 *   pf_<k>_list_free(arr, n): clears and frees an array from a list call. Accepts NULL. */
#define PF__KIND_API(E, k)                                                                                   \
    pf_err pf_store_##k##_put(pf_store *st, pf_txn *t, pf_##k *rec, pf_errbuf *eb);                          \
    pf_err pf_store_##k##_get(pf_store *st, pf_txn *t, uint64_t id, pf_##k *out, pf_errbuf *eb);             \
    pf_err pf_store_##k##_del(pf_store *st, pf_txn *t, uint64_t id, pf_errbuf *eb);                          \
    pf_err pf_store_##k##_list(pf_store *st, pf_txn *t, uint64_t before, size_t limit, pf_##k **out,         \
                               size_t *n, uint64_t *next, pf_errbuf *eb);                                    \
    void pf_##k##_clear(pf_##k *rec);                                                                        \
    void pf_##k##_list_free(pf_##k *arr, size_t n);
PF_KINDS(PF__KIND_API)
#undef PF__KIND_API

/* Unique lookups: PF_E_NOT_FOUND when no record holds the key. */
pf_err pf_store_user_by_email(pf_store *st, pf_txn *t, const char *email, pf_user *out, pf_errbuf *eb);
pf_err pf_store_pat_by_token_hash(pf_store *st, pf_txn *t, const pf_sha256 *hash, pf_pat *out, pf_errbuf *eb);
pf_err pf_store_order_by_tracking(pf_store *st, pf_txn *t, const char *tracking_no, pf_order *out,
                                  pf_errbuf *eb);
pf_err pf_store_material_by_name(pf_store *st, pf_txn *t, const char *name, pf_material *out, pf_errbuf *eb);
pf_err pf_store_coupon_by_code(pf_store *st, pf_txn *t, const char *code, pf_coupon *out, pf_errbuf *eb);

/* Index lists: newest first, same cursor contract as pf_store_<k>_list. An empty result is PF_E_OK, n = 0. */
#define PF__LIST_BY(k, by, keytype)                                                                          \
    pf_err pf_store_##k##_list_by_##by(pf_store *st, pf_txn *t, keytype key, uint64_t before, size_t limit,  \
                                       pf_##k **out, size_t *n, uint64_t *next, pf_errbuf *eb);
PF__LIST_BY(order, user, uint64_t)
PF__LIST_BY(order, status, const char *)
PF__LIST_BY(order, printer, uint64_t)
PF__LIST_BY(order, group, uint64_t)
PF__LIST_BY(address, user, uint64_t)
PF__LIST_BY(pat_log, pat, uint64_t)
PF__LIST_BY(upload, user, uint64_t)
PF__LIST_BY(model, category, uint64_t)
PF__LIST_BY(model, approval, bool)
PF__LIST_BY(order_note, order, uint64_t)
PF__LIST_BY(order_event, order, uint64_t)
PF__LIST_BY(setting_change, key, const char *)
PF__LIST_BY(inquiry, user, uint64_t)
PF__LIST_BY(inquiry, status, const char *)
#undef PF__LIST_BY

/* Counters: named unsigned 64-bit values (record kinds use their DB name for ids). add returns the new value
 * in *value (may be NULL); get gives 0 for a counter never touched. */
pf_err pf_store_counter_add(pf_store *st, pf_txn *t, const char *name, int64_t delta, uint64_t *value,
                            pf_errbuf *eb);
pf_err pf_store_counter_get(pf_store *st, pf_txn *t, const char *name, uint64_t *value, pf_errbuf *eb);

/* Settings: key -> string value. set records a pf_setting_change (old and new value) in the same transaction;
 * value NULL deletes the key. get returns a malloc'd copy (caller frees) or PF_E_NOT_FOUND. */
pf_err pf_store_setting_get(pf_store *st, pf_txn *t, const char *key, char **value, pf_errbuf *eb);
pf_err pf_store_setting_set(pf_store *st, pf_txn *t, const char *key, const char *value, uint64_t actor,
                            pf_errbuf *eb);
/* One key/value pair of pf_store_settings_all. */
typedef struct pf_setting {
    char *key;   /* setting key */
    char *value; /* its value */
} pf_setting;
/* All settings in key order; free with pf_settings_free. */
pf_err pf_store_settings_all(pf_store *st, pf_txn *t, pf_setting **out, size_t *n, pf_errbuf *eb);
void pf_settings_free(pf_setting *arr, size_t n);

/* Catalog likes: toggle flips user's like on model and reports the new state and total. */
pf_err pf_store_like_toggle(pf_store *st, pf_txn *t, uint64_t model_id, uint64_t user_id, bool *liked,
                            uint64_t *total, pf_errbuf *eb);
pf_err pf_store_like_count(pf_store *st, pf_txn *t, uint64_t model_id, uint64_t *total, pf_errbuf *eb);
pf_err pf_store_like_get(pf_store *st, pf_txn *t, uint64_t model_id, uint64_t user_id, bool *liked,
                         pf_errbuf *eb);

/* Model blobs: zstd-compressed, addressed by the SHA-256 of the original bytes, stored once however many
 * records refer to them, chunked inside LMDB (see bench/RESULTS.md for why). Records hold references through
 * their BLOB fields (records.h): put and del adjust reference counts in the same transaction, and the blob is
 * deleted with its last reference. Putting a record that names an unknown blob fails with PF_E_NOT_FOUND. */
typedef struct pf_blob_info {
    uint64_t size;    /* original bytes */
    uint64_t csize;   /* compressed bytes stored */
    uint32_t nchunks; /* LMDB values holding the compressed stream */
    uint64_t refs;    /* references held by records */
} pf_blob_info;
typedef struct pf_blob_writer pf_blob_writer;
/* Starts a streamed upload. Compressed chunks are committed as they fill (each in its own short write
 * transaction), so memory stays bounded by one chunk whatever the upload size. */
pf_err pf_store_blob_begin(pf_store *st, pf_blob_writer **out, pf_errbuf *eb);
/* Feeds the next len bytes of the original file. */
pf_err pf_store_blob_write(pf_blob_writer *w, const void *data, size_t len, pf_errbuf *eb);
/* Ends the stream and, inside t (or a transaction of its own), publishes the blob: if a blob with the same
 * digest exists, the new chunks are dropped. Put the record that refers to it in the same transaction, or the
 * blob stays unreferenced (pf_store_check reports it). Safe to call again in a re-run transaction. *sha and
 * *info (may be NULL) are set on success. Call pf_store_blob_free after. */
pf_err pf_store_blob_finish(pf_blob_writer *w, pf_txn *t, pf_sha256 *sha, pf_blob_info *info, pf_errbuf *eb);
/* Frees the writer; if it was not finished, its staged chunks are deleted. Accepts NULL. */
void pf_store_blob_free(pf_blob_writer *w);
/* Streams the original bytes to sink in pieces (each chunk read in its own short read transaction). A sink
 * error stops the stream and is returned. */
typedef pf_err (*pf_blob_sink)(void *ctx, const void *data, size_t len);
pf_err pf_store_blob_read(pf_store *st, const pf_sha256 *sha, pf_blob_sink sink, void *ctx, pf_errbuf *eb);
pf_err pf_store_blob_stat(pf_store *st, pf_txn *t, const pf_sha256 *sha, pf_blob_info *info, pf_errbuf *eb);

/* Writes a compacted, consistent copy of the environment into the directory dest (created if missing; it must
 * not already hold an environment). Safe while other threads or processes write. */
pf_err pf_store_backup(pf_store *st, const char *dest, pf_errbuf *eb);

/* Integrity check in one read snapshot: every record decodes, every index entry points at a record whose key
 * matches, every record is present in each of its indexes, every blob has its chunks and no chunk is
 * orphaned, every BLOB field resolves and reference counts match, and no blob is unreferenced. Each problem
 * is printed as one line to report (may be NULL); *problems gets their count. Returns PF_E_OK even when
 * problems were found. */
pf_err pf_store_check(pf_store *st, FILE *report, uint64_t *problems, pf_errbuf *eb);

#endif
