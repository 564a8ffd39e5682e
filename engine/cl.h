/* OpenCL runtime for the engine: device choice, context and queue, and programs built from the kernels directory
 * (embedded in the binary, or read from a directory for quick iteration) cached per file and build options. */
#ifndef PF_CL_H
#define PF_CL_H

#include <CL/cl.h>

#include "engine/error.h"

typedef struct pf_cl pf_cl;

typedef struct pf_cl_opts {
    int require_gpu;        /* 1: fail unless an OpenCL GPU exists (used by --backend auto to decide) */
    const char *kernel_dir; /* read kernels from here instead of the embedded copies; NULL: $PF_KERNEL_DIR, else
                               embedded */
} pf_cl_opts;

/* Opens the best OpenCL device: a GPU if any platform has one, else the first device of any type (PoCL's CPU
 * device on the CI machines). Errors: DEVICE (no platform/device, or context creation failed; eb says which).
 * The handle is thread-safe: programs are cached under a lock, and each caller creates its own kernels. */
pf_err pf_cl_open(const pf_cl_opts *o, pf_cl **out, pf_errbuf *eb);
void pf_cl_close(pf_cl *cl); /* accepts NULL; releases every cached program */

cl_context pf_cl_context(const pf_cl *cl);
cl_command_queue pf_cl_queue(const pf_cl *cl); /* in-order queue; serialise use with pf_cl_lock */
cl_device_id pf_cl_device(const pf_cl *cl);
const char *pf_cl_device_name(const pf_cl *cl); /* e.g. "pthread-skylake-avx512 (Portable Computing Language)" */
int pf_cl_is_gpu(const pf_cl *cl);
void pf_cl_lock(pf_cl *cl);   /* the queue is shared: hold the lock from enqueue to finish */
void pf_cl_unlock(pf_cl *cl);

/* Returns the program built from kernels/<file> with the given build options, building it on first use and
 * caching it per (file, options). The program stays owned by cl. Errors: NOT_FOUND (no such kernel file),
 * DEVICE (build failed: eb holds the start of the build log). */
pf_err pf_cl_program_get(pf_cl *cl, const char *file, const char *options, cl_program *out, pf_errbuf *eb);

/* The embedded source of kernels/<file>, or NULL. */
const char *pf_cl_embedded_source(const char *file);

/* Whether the OpenCL drivers registered in dir (the ICD loader's vendors directory: one .icd file per driver,
 * naming its library) may offer a GPU, without loading any of them: 0 when every one is PoCL, whose Debian
 * build is its CPU device (or when there are none), 1 otherwise. Loading PoCL to ask costs ~150 ms a process
 * (LLVM and the CPU topology), which `--backend auto` would pay on every CLI quote to find no GPU. NULL: the
 * loader's own choice ($OCL_ICD_VENDORS or $OPENCL_VENDOR_PATH, when set, are not read here: 1, ask the
 * drivers; else /etc/OpenCL/vendors). */
int pf_cl_may_have_gpu(const char *dir);

/* A readable name for an OpenCL status code, e.g. "CL_OUT_OF_RESOURCES". */
const char *pf_cl_strerror(cl_int status);

#endif
