/* Receiving a model file inside a multipart body (field "model_file"), shared by POST /api/upload-for-cart
 * and POST /api/checkout: the file part is streamed into a model blob and a bounded parse buffer while it
 * arrives; after the body, the mesh is read, analysed and estimated (pf_shop_cache_mesh) and an upload record
 * (the cart session) is stored.
 *
 * Settings: site.max_file_size_mb (the dispatcher's body limit), site.upload_formats ("stl,obj,3mf"),
 * upload.expiry_hours (24). */
#ifndef PF_API_UPLOAD_H
#define PF_API_UPLOAD_H

#include <cjson/cJSON.h>

#include "api/http.h"
#include "engine/analyze.h"
#include "storage/store.h"

/* The route's on_part hook for multipart routes that accept "model_file" (other file fields: 422). Refuses a
 * format not allowed by settings (by file name extension, then by content) as soon as the part starts. */
pf_err pf_upload_on_part(pf_req *r, const pf_form_part *part, const char *data, size_t len);

/* Call from the handler after the body: reads and analyses the received file, prepares its estimate, stores
 * the blob and an upload record owned by the caller, expiring after upload.expiry_hours. *out (clear it with
 * pf_upload_clear) and *analysis are set on success; *warnings (may be NULL) gets a JSON array of strings
 * ("not watertight", "inverted normals", "too large for every active printer", ...), owned by the caller.
 * Errors: PF_E_INVALID_FIELD "model_file: missing" when no file came, the reader's error (422 with its
 * position) for a bad file, PF_E_STORAGE. */
pf_err pf_upload_finish(pf_req *r, pf_upload *out, pf_analysis *analysis, cJSON **warnings);

/* Deletes uploads past their expiry that no order claimed (their blob references go with them). Called
 * lazily by uploads and at server start; returns how many were removed in *removed (may be NULL). */
pf_err pf_upload_purge_expired(pf_store *st, int64_t now, size_t *removed, pf_errbuf *eb);

#endif
