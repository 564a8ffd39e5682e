/* libmicrohttpd opened on demand (see api/mhd.h for why). */
#include "api/mhd.h"

#include "engine/dynlib.h"

static pf_mhd_api mhd_fns;

#define SYM(member, name) PF_DYNSYM(pf_mhd_api, member, name)
static const pf_dynsym mhd_syms[] = {
    SYM(start_daemon, "MHD_start_daemon"),
    SYM(stop_daemon, "MHD_stop_daemon"),
    SYM(quiesce_daemon, "MHD_quiesce_daemon"),
    SYM(get_daemon_info, "MHD_get_daemon_info"),
    SYM(is_feature_supported, "MHD_is_feature_supported"),
    SYM(get_connection_info, "MHD_get_connection_info"),
    SYM(lookup_connection_value, "MHD_lookup_connection_value"),
    SYM(get_connection_values_n, "MHD_get_connection_values_n"),
    SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
    SYM(create_response_from_callback, "MHD_create_response_from_callback"),
    SYM(add_response_header, "MHD_add_response_header"),
    SYM(queue_response, "MHD_queue_response"),
    SYM(destroy_response, "MHD_destroy_response"),
    SYM(create_post_processor, "MHD_create_post_processor"),
    SYM(post_process, "MHD_post_process"),
    SYM(destroy_post_processor, "MHD_destroy_post_processor"),
};
#undef SYM

/* The library's soname on Debian 12 (libmicrohttpd12). */
static pf_dynlib mhd_lib = PF_DYNLIB("libmicrohttpd.so.12", mhd_syms, &mhd_fns);

pf_err pf_mhd_load(pf_errbuf *eb)
{
    return pf_dynlib_load(&mhd_lib, eb);
}

const pf_mhd_api *pf_mhd(void)
{
    return &mhd_fns;
}
