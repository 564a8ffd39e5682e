/* libmicrohttpd opened on demand (see api/mhd.h for why). */
#include "api/mhd.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The library's soname on Debian 12 (libmicrohttpd12). */
#define MHD_SONAME "libmicrohttpd.so.12"

static pthread_once_t mhd_once = PTHREAD_ONCE_INIT;
static pf_mhd_api mhd_fns;
static char mhd_why[200]; /* dlopen's or dlsym's message when the library is unusable, else "" */

/* Stores dlsym(lib, name) into *fn (a function pointer), the POSIX way of converting it. */
static int mhd_sym(void *lib, const char *name, void *fn)
{
    void *p = dlsym(lib, name);
    if (!p) snprintf(mhd_why, sizeof mhd_why, "%s has no %s", MHD_SONAME, name);
    memcpy(fn, &p, sizeof p);
    return p != NULL;
}

static void mhd_open(void)
{
    void *lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(mhd_why, sizeof mhd_why, "%s", dlerror());
        return;
    }
    pf_mhd_api *f = &mhd_fns;
    if (!mhd_sym(lib, "MHD_start_daemon", &f->start_daemon) ||
        !mhd_sym(lib, "MHD_stop_daemon", &f->stop_daemon) ||
        !mhd_sym(lib, "MHD_quiesce_daemon", &f->quiesce_daemon) ||
        !mhd_sym(lib, "MHD_get_daemon_info", &f->get_daemon_info) ||
        !mhd_sym(lib, "MHD_is_feature_supported", &f->is_feature_supported) ||
        !mhd_sym(lib, "MHD_get_connection_info", &f->get_connection_info) ||
        !mhd_sym(lib, "MHD_lookup_connection_value", &f->lookup_connection_value) ||
        !mhd_sym(lib, "MHD_get_connection_values_n", &f->get_connection_values_n) ||
        !mhd_sym(lib, "MHD_create_response_from_buffer", &f->create_response_from_buffer) ||
        !mhd_sym(lib, "MHD_create_response_from_callback", &f->create_response_from_callback) ||
        !mhd_sym(lib, "MHD_add_response_header", &f->add_response_header) ||
        !mhd_sym(lib, "MHD_queue_response", &f->queue_response) ||
        !mhd_sym(lib, "MHD_destroy_response", &f->destroy_response) ||
        !mhd_sym(lib, "MHD_create_post_processor", &f->create_post_processor) ||
        !mhd_sym(lib, "MHD_post_process", &f->post_process) ||
        !mhd_sym(lib, "MHD_destroy_post_processor", &f->destroy_post_processor))
        dlclose(lib);
}

pf_err pf_mhd_load(pf_errbuf *eb)
{
    pthread_once(&mhd_once, mhd_open);
    if (mhd_why[0]) return pf_errf(eb, PF_E_IO, "cannot load libmicrohttpd: %s", mhd_why);
    return PF_E_OK;
}

const pf_mhd_api *pf_mhd(void)
{
    return &mhd_fns;
}
