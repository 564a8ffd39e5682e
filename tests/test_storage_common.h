/* Helpers shared by the storage tests: scratch data directories and a quickly-hashed store. */
#ifndef PF_TEST_STORAGE_COMMON_H
#define PF_TEST_STORAGE_COMMON_H

#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/store.h"

/* A fresh directory on tmpfs when there is one (LMDB still syncs; tmpfs just makes that cheap). */
static inline void scratch_dir(char *out, size_t len)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(out, len, "%s/pfstore-XXXXXX", base);
    if (!mkdtemp(out)) abort();
}

static inline int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static inline void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Options with the cheapest argon2id parameters, so seeding the admin costs milliseconds under ASan. */
static inline pf_store_options fast_options(const char *dir)
{
    pf_store_options o = {.dir = dir,
                          .admin_email = "root@example.com",
                          .admin_password = "correct horse battery staple",
                          .pw_opslimit = crypto_pwhash_OPSLIMIT_MIN,
                          .pw_memlimit = crypto_pwhash_MEMLIMIT_MIN};
    return o;
}

#endif
