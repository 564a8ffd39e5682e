/* Small JSON request bodies parsed into a caller's buffer: the dispatcher parses every JSON body into a cJSON
 * tree that handlers only read, and a quote's body is a dozen members, which cJSON_Parse turns into some
 * thirty allocations (a node, a key and a value per member) freed again when the request ends. This parser
 * builds the same tree (same items, types, values, member order, duplicates kept) with every node and string
 * inside one buffer the caller owns, so a parsed body costs no allocation at all.
 *
 * It takes only the plain, common shape and leaves everything else to cJSON (the caller falls back to
 * cJSON_ParseWithLengthOpts, which then decides and words any error exactly as before): strict RFC 8259
 * JSON whose top level is an object, whitespace limited to space, tab, CR and LF, strings without escapes or
 * control characters, numbers of at most 63 characters in JSON's own grammar, nesting up to
 * PF_JSON_READ_MAX_DEPTH, and a tree that fits the buffer. Numbers are read with strtod like cJSON (which
 * assumes the C locale's decimal point, as printforge never calls setlocale). Thread-safe (no shared state).
 */
#ifndef PF_API_JSON_READ_H
#define PF_API_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Deepest nesting of objects and arrays taken (cJSON itself allows 1000). */
#define PF_JSON_READ_MAX_DEPTH 32

/* Parses text[0..len) into buf[0..cap) (aligned for a pointer). True with *out set to the root object when
 * the text has the plain shape above and the tree fits; the tree lives in buf (never cJSON_Delete it, and do
 * not modify it). False (and *out untouched) otherwise: the text may still be valid JSON for cJSON. */
bool pf_json_read_into(const char *text, size_t len, void *buf, size_t cap, const cJSON **out);

#endif
