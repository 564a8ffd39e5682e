/* libmicrohttpd, opened at run time: the functions the server calls, resolved once by pf_mhd_load. */
#ifndef PF_MHD_H
#define PF_MHD_H

#include <microhttpd.h>

#include "engine/error.h"

/* Why: libmicrohttpd brings GnuTLS and its eight libraries, whose constructors and relocations cost every
 * printforge process about 9 ms of CPU at start (an empty program linked against libmicrohttpd alone starts
 * in ~12 ms, one without it in ~3), although only `serve` uses them. As with libcurl in api/mailer.c, the binary does not link it (the linker drops it,
 * --as-needed, since nothing refers to it) and the server opens it when it starts. The header's declarations
 * give the pointers their types, and the macros below send the server's calls through them, so api/server.c
 * is written against the plain libmicrohttpd API. */
typedef struct pf_mhd_api {
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_quiesce_daemon) *quiesce_daemon;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_is_feature_supported) *is_feature_supported;
    __typeof__(MHD_get_connection_info) *get_connection_info;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
    __typeof__(MHD_get_connection_values_n) *get_connection_values_n;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_create_response_from_callback) *create_response_from_callback;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
    __typeof__(MHD_create_post_processor) *create_post_processor;
    __typeof__(MHD_post_process) *post_process;
    __typeof__(MHD_destroy_post_processor) *destroy_post_processor;
} pf_mhd_api;

/* Opens libmicrohttpd and resolves the table, once per process (later calls return the first outcome).
 * Errors: IO, with dlopen's or dlsym's message in eb. Thread-safe. */
pf_err pf_mhd_load(pf_errbuf *eb);

/* The table; valid only after pf_mhd_load succeeded. Write-once state, like configuration read at start. */
const pf_mhd_api *pf_mhd(void);

#define MHD_start_daemon (pf_mhd()->start_daemon)
#define MHD_stop_daemon (pf_mhd()->stop_daemon)
#define MHD_quiesce_daemon (pf_mhd()->quiesce_daemon)
#define MHD_get_daemon_info (pf_mhd()->get_daemon_info)
#define MHD_is_feature_supported (pf_mhd()->is_feature_supported)
#define MHD_get_connection_info (pf_mhd()->get_connection_info)
#define MHD_lookup_connection_value (pf_mhd()->lookup_connection_value)
#define MHD_get_connection_values_n (pf_mhd()->get_connection_values_n)
#define MHD_create_response_from_buffer (pf_mhd()->create_response_from_buffer)
#define MHD_create_response_from_callback (pf_mhd()->create_response_from_callback)
#define MHD_add_response_header (pf_mhd()->add_response_header)
#define MHD_queue_response (pf_mhd()->queue_response)
#define MHD_destroy_response (pf_mhd()->destroy_response)
#define MHD_create_post_processor (pf_mhd()->create_post_processor)
#define MHD_post_process (pf_mhd()->post_process)
#define MHD_destroy_post_processor (pf_mhd()->destroy_post_processor)

#endif
