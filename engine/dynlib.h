/* Shared libraries opened on first use instead of linked: a table of function pointers resolved once per
 * process and never unloaded.
 *
 * Why: every shared object a binary links costs each start of it its loading, relocation and page faults (on
 * these VMs ~0.3–2 ms each; OpenSSL's libcrypto linked statically, 2 ms of copy-on-write relocations), and
 * most of printforge's processes are short CLI runs (`analyze`, `quote`) that never touch the server's
 * libraries. So libmicrohttpd, libcurl, libcrypto (upload digests), libharu (invoices) and libqrencode are
 * opened by the code that needs them, and the binary links only what every command uses. Each user keeps a
 * typed table (a struct of function pointers) and redirects its calls through it, so its code is written
 * against the library's plain API (see api/mhd.h). */
#ifndef PF_DYNLIB_H
#define PF_DYNLIB_H

#include <stdatomic.h>
#include <stddef.h>

#include "engine/error.h"

/* One function to resolve: its symbol name and where its pointer goes in the table. */
typedef struct pf_dynsym {
    const char *name;
    size_t offset; /* offsetof(table type, member) */
} pf_dynsym;
#define PF_DYNSYM(type, member, name)                                                                        \
    {                                                                                                        \
        name, offsetof(type, member)                                                                         \
    }

/* A library and its table. Define one statically with PF_DYNLIB; the state starts zeroed. */
typedef struct pf_dynlib {
    const char *soname;    /* what dlopen is given, e.g. "libcrypto.so.3" */
    const pf_dynsym *syms; /* the functions */
    size_t nsyms;
    void *table;      /* the struct of function pointers the symbols fill */
    atomic_int state; /* 0: not tried yet, 1: loaded, 2: unusable (why says why) */
    char why[200];    /* dlopen's message, or the missing symbol */
} pf_dynlib;

/* Initialiser of a static pf_dynlib: soname, an array of pf_dynsym, and the table they fill. */
#define PF_DYNLIB(soname_, syms_, table_)                                                                    \
    {                                                                                                        \
        .soname = (soname_), .syms = (syms_), .nsyms = sizeof(syms_) / sizeof(syms_)[0], .table = (table_)   \
    }

/* Opens lib and fills its table the first time; later calls return the first outcome. Errors: IO, with
 * "cannot load SONAME: why" in eb. Thread-safe. */
pf_err pf_dynlib_load(pf_dynlib *lib, pf_errbuf *eb);

#endif
