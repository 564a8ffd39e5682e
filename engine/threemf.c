/* 3MF reader. */
#include "engine/intake_internal.h"

pf_err pf__3mf_read(const unsigned char *buf, size_t len, const pf_intake_limits *lim, pf_mesh_builder *b,
                    pf_errbuf *eb)
{
    (void)buf;
    (void)len;
    (void)lim;
    (void)b;
    return pf_errf(eb, PF_E_UNSUPPORTED, "3MF is not read yet");
}
