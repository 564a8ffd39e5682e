/* A fast serializer for cJSON trees, used for every JSON answer: the same output grammar as
 * cJSON_PrintUnformatted, but numbers are written without the printf/scanf round trip cJSON makes for each
 * one (whole numbers as integers, short decimals such as rupees digit by digit, anything else with the
 * shortest of %.15g / %.17g that reads back exactly), which makes number-heavy answers (quotes) several times
 * cheaper. Thread-safe. */
#ifndef PF_API_JSON_WRITE_H
#define PF_API_JSON_WRITE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Nesting deeper than this is refused (NULL). */
#define PF_JSON_WRITE_MAX_DEPTH 64

/* The JSON text of j, NUL-terminated, malloc'd (free()), its length in *len (may be NULL). Non-finite numbers
 * are written as null, raw items verbatim. NULL on allocation failure or nesting deeper than
 * PF_JSON_WRITE_MAX_DEPTH. */
char *pf_json_write(const cJSON *j, size_t *len);

#endif
