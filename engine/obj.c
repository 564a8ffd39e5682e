/* OBJ reader. */
#include "engine/intake_internal.h"

pf_err pf__obj_read(const unsigned char *buf, size_t len, pf_mesh_builder *b, pf_errbuf *eb)
{
    (void)buf;
    (void)len;
    (void)b;
    return pf_errf(eb, PF_E_UNSUPPORTED, "OBJ is not read yet");
}
