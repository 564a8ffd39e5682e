/* Shared libraries opened on first use (see engine/dynlib.h). */
#include "engine/dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Serialises first loads; after that the state is read without it. */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* Opens the library and resolves every symbol into the table; returns the new state. */
static int open_lib(pf_dynlib *lib)
{
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(lib->why, sizeof lib->why, "%s", dlerror());
        return 2;
    }
    for (size_t i = 0; i < lib->nsyms; i++) {
        void *p = dlsym(h, lib->syms[i].name);
        if (!p) {
            snprintf(lib->why, sizeof lib->why, "it has no %s", lib->syms[i].name);
            dlclose(h);
            return 2;
        }
        /* dlsym's object pointer into a function pointer member, the POSIX way */
        memcpy((char *)lib->table + lib->syms[i].offset, &p, sizeof p);
    }
    return 1;
}

pf_err pf_dynlib_load(pf_dynlib *lib, pf_errbuf *eb)
{
    int s = atomic_load_explicit(&lib->state, memory_order_acquire);
    if (s == 0) {
        pthread_mutex_lock(&load_lock);
        s = atomic_load_explicit(&lib->state, memory_order_relaxed);
        if (s == 0) {
            s = open_lib(lib);
            atomic_store_explicit(&lib->state, s, memory_order_release);
        }
        pthread_mutex_unlock(&load_lock);
    }
    if (s != 1) return pf_errf(eb, PF_E_IO, "cannot load %s: %s", lib->soname, lib->why);
    return PF_E_OK;
}
