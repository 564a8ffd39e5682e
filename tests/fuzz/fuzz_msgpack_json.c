/* libFuzzer target for msgpack request bodies (api/msgpack_json.h): any bytes either convert to a cJSON tree
 * whose packing is a fixed point (pack, read back, pack again: the same bytes), or are refused with
 * PF_E_INVAL; never a crash, a leak or an allocation sized by a length field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/msgpack_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = NULL, *back = NULL;
    pf_errbuf eb;
    pf_err err = pf_msgpack_to_json(data, size, &j, &eb);
    if (err != PF_E_OK) {
        if (err != PF_E_INVAL && err != PF_E_NOMEM) abort();
        return 0;
    }
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    if (pf_json_to_msgpack(j, &a, &na, &eb) == PF_E_OK) {
        if (pf_msgpack_to_json(a, na, &back, &eb) != PF_E_OK) abort();
        if (pf_json_to_msgpack(back, &b, &nb, &eb) != PF_E_OK || na != nb || memcmp(a, b, na)) abort();
    }
    free(a);
    free(b);
    cJSON_Delete(back);
    cJSON_Delete(j);
    return 0;
}
