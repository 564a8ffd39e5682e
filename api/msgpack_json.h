/* msgpack <-> cJSON for the HTTP layer: request bodies sent as application/msgpack become the same cJSON
 * object a JSON body gives, and JSON answers are packed for clients that Accept application/msgpack. Both
 * directions are bounded (nesting depth, container sizes checked against the bytes that remain) and safe on
 * hostile input: the msgpack bytes are walked once before msgpack-c unpacks them, so a header claiming four
 * billion elements is refused instead of allocated. Thread-safe (no shared state). */
#ifndef PF_API_MSGPACK_JSON_H
#define PF_API_MSGPACK_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "engine/error.h"

/* Deepest nesting of arrays and maps accepted either way (msgpack-c's own unpacker stops at 32). */
#define PF_MSGPACK_MAX_DEPTH 16

/* Converts exactly one msgpack object filling buf[0..len) into cJSON. nil, booleans, integers, floats,
 * strings without NUL bytes, arrays and maps with string keys are accepted; binary, extension types,
 * non-finite floats, trailing bytes, truncation and nesting deeper than PF_MSGPACK_MAX_DEPTH are PF_E_INVAL
 * with the reason and byte offset in eb. PF_E_NOMEM when out of memory. *out (free with cJSON_Delete) is set
 * only on success. */
pf_err pf_msgpack_to_json(const void *buf, size_t len, cJSON **out, pf_errbuf *eb);

/* Packs j as msgpack: whole numbers that fit int64 as integers, other numbers as float64, objects as maps.
 * Raw JSON items are packed as strings. *out (malloc'd, free()) and *len are set only on success. Errors:
 * PF_E_INVAL (nesting deeper than PF_MSGPACK_MAX_DEPTH), PF_E_NOMEM. */
pf_err pf_json_to_msgpack(const cJSON *j, char **out, size_t *len, pf_errbuf *eb);

#endif
