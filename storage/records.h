/* The record kinds PrintForge stores, each defined once as an X-macro field list that yields both the C
 * struct and the msgpack field table (storage/kinds.c), plus the typed API generated per kind.
 *
 * Conventions: every record starts with `id` (0 on put = allocate from the kind's counter in the same write
 * transaction; the id is written back into the record). Times are Unix seconds (int64). Money is integer
 * paise (1/100 INR) unless the field name says otherwise. Strings are heap-owned (malloc) by the struct and
 * released by pf_<kind>_clear(); a NULL string is stored as nil and read back as NULL. Strings that are
 * looked up through an index (email, tracking_no, code, name) are indexed byte for byte: callers normalise
 * (e.g. lower-case emails) before putting and before looking up. */
#ifndef PF_STORAGE_RECORDS_H
#define PF_STORAGE_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A list of heap strings (material colors, PAT scopes, printer materials). */
typedef struct pf_strv {
    char **v; /* v[0..n-1], each malloc'd */
    size_t n; /* number of strings */
} pf_strv;

/* A SHA-256 digest (blob addresses, PAT token hashes). All zero means "none". */
typedef struct pf_sha256 {
    uint8_t b[32]; /* digest bytes */
} pf_sha256;

#define PF__CTYPE_U64 uint64_t
#define PF__CTYPE_I64 int64_t
#define PF__CTYPE_F64 double
#define PF__CTYPE_BOOL bool
#define PF__CTYPE_STR char *
#define PF__CTYPE_STRV pf_strv
#define PF__CTYPE_SHA pf_sha256
#define PF__CTYPE_BLOB pf_sha256 /* a SHA that holds a blob reference */
#define PF__FIELD_DECL(type, name) PF__CTYPE_##type name;

/* Accounts. Index: email (unique). */
#define PF_USER_FIELDS(X)                                                                                    \
    X(U64, id)              /* primary key */                                                                \
    X(STR, email)           /* lower-case, unique */                                                         \
    X(STR, username)        /* display name */                                                               \
    X(STR, pass_hash)       /* crypto_pwhash_str (argon2id) string */                                        \
    X(STR, role)            /* "user", "moderator" or "admin" */                                             \
    X(BOOL, is_active)      /* false = login refused */                                                      \
    X(BOOL, email_verified) /* verification link clicked or set by an admin */                               \
    X(STR, totp_secret)     /* base32 TOTP secret, NULL when 2FA was never set up */                         \
    X(BOOL, totp_enabled)   /* 2FA active */                                                                 \
    X(I64, created_at)      /* account creation time */                                                      \
    X(I64, updated_at)      /* last profile change */                                                        \
    X(U64, token_version)   /* bumped by a password or role change: older session JWTs stop working */       \
    X(I64, totp_last_step)  /* last TOTP time step accepted (a code is never accepted twice) */              \
    X(SHA, verify_hash)     /* SHA-256 of the pending email-verification token, zero = none */               \
    X(I64, verify_expires)  /* its expiry */                                                                 \
    X(SHA, reset_hash)      /* SHA-256 of the pending password-reset token, zero = none */                   \
    X(I64, reset_expires)   /* its expiry */                                                                 \
    X(STR, pending_email)   /* requested new address (lower-case), NULL = none */                            \
    X(SHA, change_hash)     /* SHA-256 of the token confirming pending_email, zero = none */                 \
    X(I64, change_expires)  /* its expiry */

/* Saved delivery addresses. Index: user (newest first). */
#define PF_ADDRESS_FIELDS(X)                                                                                 \
    X(U64, id)          /* primary key */                                                                    \
    X(U64, user_id)     /* owner */                                                                          \
    X(STR, label)       /* "Home", "Office" */                                                               \
    X(STR, name)        /* recipient */                                                                      \
    X(STR, address)     /* street lines */                                                                   \
    X(STR, city)        /* city */                                                                           \
    X(STR, state)       /* state */                                                                          \
    X(STR, zip)         /* PIN code */                                                                       \
    X(STR, country)     /* country */                                                                        \
    X(STR, phone)       /* contact phone */                                                                  \
    X(BOOL, is_default) /* used for checkout autofill */

/* Personal access tokens. Index: token_hash (unique). The plaintext is never stored. */
#define PF_PAT_FIELDS(X)                                                                                     \
    X(U64, id)           /* primary key */                                                                   \
    X(STR, name)         /* label */                                                                         \
    X(STR, description)  /* free text */                                                                     \
    X(SHA, token_hash)   /* SHA-256 of the plaintext token, unique */                                        \
    X(STR, prefix)       /* first characters of the token, for display */                                    \
    X(STRV, scopes)      /* e.g. "orders:read" */                                                            \
    X(U64, created_by)   /* admin user id */                                                                 \
    X(I64, created_at)   /* creation time */                                                                 \
    X(I64, expires_at)   /* 0 = never */                                                                     \
    X(I64, last_used_at) /* 0 = never used */                                                                \
    X(BOOL, revoked)     /* disabled but kept for audit */

/* One request authenticated with a PAT. Index: pat (newest first). */
#define PF_PAT_LOG_FIELDS(X)                                                                                 \
    X(U64, id)     /* primary key, increasing with time */                                                   \
    X(U64, pat_id) /* token used */                                                                          \
    X(I64, at)     /* request time */                                                                        \
    X(STR, method) /* HTTP method */                                                                         \
    X(STR, path)   /* request path */                                                                        \
    X(U64, status) /* HTTP status answered */                                                                \
    X(STR, ip)     /* client address */

/* An uploaded mesh waiting for checkout (session_id = id). Index: user (newest first). */
#define PF_UPLOAD_FIELDS(X)                                                                                  \
    X(U64, id)         /* primary key, the cart session id */                                                \
    X(U64, user_id)    /* uploader */                                                                        \
    X(STR, filename)   /* original file name */                                                              \
    X(STR, format)     /* "stl", "obj", "3mf" */                                                             \
    X(BLOB, blob)      /* model blob address (reference counted) */                                          \
    X(U64, size)       /* original size in bytes */                                                          \
    X(F64, volume_mm3) /* analysed volume */                                                                 \
    X(F64, dim_x_mm)   /* bounding box */                                                                    \
    X(F64, dim_y_mm)   /* bounding box */                                                                    \
    X(F64, dim_z_mm)   /* bounding box */                                                                    \
    X(U64, triangles)  /* triangle count */                                                                  \
    X(I64, created_at) /* upload time */                                                                     \
    X(I64, expires_at) /* after this the upload may be purged */                                             \
    X(BOOL, watertight) /* analysis: every edge shared by two opposite triangles */                          \
    X(BOOL, inverted)   /* analysis: normals point inward */                                                 \
    X(BOOL, claimed)    /* checked out: kept (its blob is referenced by the order too) */

/* Catalog and customer models. Indexes: category, approval state (both newest first). */
#define PF_MODEL_FIELDS(X)                                                                                   \
    X(U64, id)              /* primary key */                                                                \
    X(U64, owner_id)        /* uploader */                                                                   \
    X(STR, name)            /* title */                                                                      \
    X(STR, description)     /* free text */                                                                  \
    X(U64, category_id)     /* 0 = uncategorised (not indexed) */                                            \
    X(BLOB, blob)           /* model file blob (reference counted) */                                        \
    X(STR, filename)        /* original file name */                                                         \
    X(STR, format)          /* "stl", "obj", "3mf" */                                                        \
    X(BLOB, image)          /* preview image blob, zero = none */                                            \
    X(STR, material)        /* default material name */                                                      \
    X(STR, color)           /* default color */                                                              \
    X(I64, price)           /* catalog price in paise, 0 = quoted */                                         \
    X(BOOL, is_approved)    /* visible in the public catalog once also public */                             \
    X(BOOL, is_public)      /* owner shares it */                                                            \
    X(STR, seo_title)       /* meta title */                                                                 \
    X(STR, seo_description) /* meta description */                                                           \
    X(STR, slug)            /* URL slug */                                                                   \
    X(F64, volume_mm3)      /* analysed volume */                                                            \
    X(I64, created_at)      /* creation time */                                                              \
    X(I64, updated_at)      /* last change */

/* Orders. Indexes: tracking_no (unique), user, status, printer, group (all lists newest first). */
#define PF_ORDER_FIELDS(X)                                                                                   \
    X(U64, id)          /* primary key */                                                                    \
    X(U64, user_id)     /* customer */                                                                       \
    X(U64, group_id)    /* cart checkout group, 0 = single order */                                          \
    X(STR, tracking_no) /* public tracking code, unique */                                                   \
    X(STR, status)      /* pending, confirmed, printing, post_processing, shipped, delivered, cancelled */   \
    X(U64, model_id)    /* catalog model, 0 = uploaded file */                                               \
    X(U64, upload_id)   /* upload session, 0 = catalog model */                                              \
    X(BLOB, blob)       /* model file blob (reference counted) */                                            \
    X(STR, filename)    /* original file name */                                                             \
    X(STR, material)    /* material name */                                                                  \
    X(STR, color)       /* color name */                                                                     \
    X(U64, quantity)    /* copies */                                                                         \
    X(F64, infill_pct)  /* infill percentage */                                                              \
    X(F64, layer_height_mm)     /* layer height */                                                           \
    X(STR, fulfillment)         /* "shipping" or "pickup" */                                                 \
    X(BOOL, priority)           /* priority print surcharge */                                               \
    X(U64, printer_id)          /* assigned printer type, 0 = unassigned (not indexed) */                    \
    X(F64, weight_g)            /* estimated filament weight for all copies */                               \
    X(F64, print_time_s)        /* estimated time for all copies */                                          \
    X(I64, material_cost)       /* customer-facing material line, paise */                                   \
    X(I64, printing_cost)       /* customer-facing printing line, paise */                                   \
    X(I64, gst)                 /* tax, paise */                                                             \
    X(I64, shipping_cost)       /* shipping, paise */                                                        \
    X(I64, discount)            /* coupon discount, paise */                                                 \
    X(I64, total)               /* amount payable, paise */                                                  \
    X(STR, coupon_code)         /* applied coupon */                                                         \
    X(BOOL, paid)               /* payment confirmed */                                                      \
    X(STR, payment_ref)         /* UPI reference */                                                          \
    X(STR, ship_name)           /* recipient */                                                              \
    X(STR, ship_address)        /* street lines */                                                           \
    X(STR, ship_city)           /* city */                                                                   \
    X(STR, ship_state)          /* state */                                                                  \
    X(STR, ship_zip)            /* PIN code */                                                               \
    X(STR, ship_phone)          /* phone */                                                                  \
    X(STR, carrier_tracking)    /* carrier's tracking number */                                              \
    X(STR, carrier_url)         /* carrier's tracking page */                                                \
    X(U64, shipping_partner_id) /* carrier */                                                                \
    X(STR, notes)               /* customer notes at checkout */                                             \
    X(I64, created_at)          /* placement time */                                                         \
    X(I64, updated_at)          /* last change */                                                            \
    X(I64, priority_cost)       /* customer-facing priority line, paise */                                   \
    X(I64, taxable)             /* taxable value after the coupon: material + printing + priority - discount */\
    X(I64, shipping_gst)        /* GST on shipping, paise (shipping_cost excludes it) */                     \
    X(F64, job_time_s)          /* estimated job time (print + preparation) for all copies */                \
    X(I64, paid_at)             /* when payment was confirmed, 0 = unpaid */

/* A cart checkout: the orders share group_id (listed through the order group index). */
#define PF_ORDER_GROUP_FIELDS(X)                                                                             \
    X(U64, id)         /* primary key */                                                                     \
    X(U64, user_id)    /* customer */                                                                        \
    X(I64, total)      /* sum payable, paise */                                                              \
    X(BOOL, paid)      /* payment confirmed for the whole group */                                           \
    X(I64, created_at) /* placement time */                                                               \
    X(STR, ref)           /* public group reference ("G-" + 10 Crockford base32), the UPI tr */             \
    X(I64, subtotal)      /* taxable value before the coupon, paise */                                      \
    X(I64, discount)      /* coupon discount, paise (spread over the orders) */                             \
    X(I64, taxable)       /* subtotal - discount */                                                         \
    X(I64, gst)           /* sum of the orders' GST */                                                      \
    X(I64, shipping_cost) /* one parcel's shipping charge, paise (spread over the orders by weight) */      \
    X(I64, shipping_gst)  /* GST on shipping (spread likewise) */                                           \
    X(STR, coupon_code)   /* applied coupon, NULL = none */                                                 \
    X(STR, fulfillment)   /* "shipping" or "pickup", shared by the orders */

/* Internal and customer notes on an order. Index: order (newest first). */
#define PF_ORDER_NOTE_FIELDS(X)                                                                              \
    X(U64, id)           /* primary key */                                                                   \
    X(U64, order_id)     /* order */                                                                         \
    X(U64, author_id)    /* user who wrote it */                                                             \
    X(STR, note)         /* text */                                                                          \
    X(BOOL, is_internal) /* hidden from the customer */                                                      \
    X(I64, created_at)   /* time */

/* Order timeline: one event per status change or notable action. Index: order (newest first). */
#define PF_ORDER_EVENT_FIELDS(X)                                                                             \
    X(U64, id)       /* primary key */                                                                       \
    X(U64, order_id) /* order */                                                                             \
    X(STR, status)   /* status after the event */                                                            \
    X(STR, message)  /* human text */                                                                        \
    X(U64, actor_id) /* user who acted, 0 = system */                                                        \
    X(I64, at)       /* time */

/* Filament materials. Index: name (unique). colors[i] is shown as color_hex[i]. */
#define PF_MATERIAL_FIELDS(X)                                                                                \
    X(U64, id)            /* primary key */                                                                  \
    X(STR, name)          /* "PLA", unique */                                                                \
    X(STR, display_name)  /* "PLA (Polylactic Acid)" */                                                      \
    X(F64, density_g_cm3) /* solid density */                                                                \
    X(F64, cost_per_kg)   /* INR per kg of filament */                                                       \
    X(STRV, colors)       /* color names */                                                                  \
    X(STRV, color_hex)    /* "#RRGGBB" per color */                                                          \
    X(BOOL, is_active)    /* offered to customers */                                                         \
    X(STR, notes)         /* free text */

/* Printers (printer types). */
#define PF_PRINTER_FIELDS(X)                                                                                 \
    X(U64, id)                 /* primary key */                                                             \
    X(STR, name)               /* display name */                                                            \
    X(STR, brand)              /* maker */                                                                   \
    X(STRV, materials)         /* material names it can print */                                             \
    X(F64, bed_x_mm)           /* build volume */                                                            \
    X(F64, bed_y_mm)           /* build volume */                                                            \
    X(F64, bed_z_mm)           /* build volume */                                                            \
    X(F64, nozzle_mm)          /* nozzle diameter */                                                         \
    X(F64, wattage_w)          /* average power draw while printing */                                       \
    X(F64, print_speed_cm3_hr) /* sustained volumetric throughput */                                         \
    X(STR, pincode)            /* where the printer stands, for proximity */                                 \
    X(STR, address)            /* where the printer stands */                                                \
    X(STR, notes)              /* free text */                                                               \
    X(BOOL, is_active)         /* accepts orders */

/* Catalog categories. */
#define PF_CATEGORY_FIELDS(X)                                                                                \
    X(U64, id)            /* primary key */                                                                  \
    X(STR, name)          /* display name */                                                                 \
    X(STR, icon)          /* emoji or icon name */                                                           \
    X(STR, description)   /* free text */                                                                    \
    X(I64, display_order) /* sort key */

/* One settings change (history). Index: key (newest first). */
#define PF_SETTING_CHANGE_FIELDS(X)                                                                          \
    X(U64, id)         /* primary key */                                                                     \
    X(STR, key)        /* setting key */                                                                     \
    X(STR, old_value)  /* NULL = was unset */                                                                \
    X(STR, new_value)  /* NULL = deleted */                                                                  \
    X(U64, changed_by) /* user id, 0 = system/seed */                                                        \
    X(I64, at)         /* time */

/* Discount coupons. Index: code (unique). */
#define PF_COUPON_FIELDS(X)                                                                                  \
    X(U64, id)         /* primary key */                                                                     \
    X(STR, code)       /* upper-case code, unique */                                                         \
    X(STR, kind)       /* "percent" or "flat" */                                                             \
    X(F64, value)      /* percent, or paise for flat */                                                      \
    X(I64, min_order)  /* minimum order total, paise */                                                      \
    X(U64, max_uses)   /* 0 = unlimited */                                                                   \
    X(U64, used)       /* redemptions so far */                                                              \
    X(I64, starts_at)  /* 0 = immediately */                                                                 \
    X(I64, ends_at)    /* 0 = never */                                                                       \
    X(BOOL, is_active) /* redeemable */                                                                      \
    X(BOOL, popup)     /* announced in the homepage popup */                                                 \
    X(U64, per_user_max) /* redemptions allowed per user, 0 = unlimited (counter "coupon_use:<id>:<user>") */ \
    X(STR, description)  /* shown in the popup and at checkout */

/* Carriers. */
#define PF_SHIPPING_PARTNER_FIELDS(X)                                                                        \
    X(U64, id)           /* primary key */                                                                   \
    X(STR, name)         /* carrier name */                                                                  \
    X(STR, tracking_url) /* template with {tracking} placeholder */                                          \
    X(BOOL, is_active)   /* offered */

/* Contact-form inquiries. Indexes: user, status (newest first). */
#define PF_INQUIRY_FIELDS(X)                                                                                 \
    X(U64, id)             /* primary key */                                                                 \
    X(U64, user_id)        /* sender */                                                                      \
    X(STR, topic)          /* "general" or "order" (separate daily limits) */                                \
    X(STR, subject)        /* subject line */                                                                \
    X(STR, message)        /* body */                                                                        \
    X(STR, order_tracking) /* related order, NULL = none */                                                  \
    X(STR, status)         /* open, in_progress, resolved, closed */                                         \
    X(STRV, replies)       /* staff replies, oldest first */                                                 \
    X(I64, created_at)     /* submission time */

/* Per-user contact-form limit overrides; id is the user id (put with an explicit id). */
#define PF_CONTACT_LIMIT_FIELDS(X)                                                                           \
    X(U64, id)              /* user id */                                                                    \
    X(U64, general_per_day) /* non-order topics per day */                                                   \
    X(U64, order_per_day)   /* order topics per day */

/* X(ENUM, name): every kind with an id-keyed primary DB. The DB is named after `name`. */
#define PF_KINDS(X)                                                                                          \
    X(USER, user)                                                                                            \
    X(ADDRESS, address)                                                                                      \
    X(PAT, pat)                                                                                              \
    X(PAT_LOG, pat_log)                                                                                      \
    X(UPLOAD, upload)                                                                                        \
    X(MODEL, model)                                                                                          \
    X(ORDER, order)                                                                                          \
    X(ORDER_GROUP, order_group)                                                                              \
    X(ORDER_NOTE, order_note)                                                                                \
    X(ORDER_EVENT, order_event)                                                                              \
    X(MATERIAL, material)                                                                                    \
    X(PRINTER, printer)                                                                                      \
    X(CATEGORY, category)                                                                                    \
    X(SETTING_CHANGE, setting_change)                                                                        \
    X(COUPON, coupon)                                                                                        \
    X(SHIPPING_PARTNER, shipping_partner)                                                                    \
    X(INQUIRY, inquiry)                                                                                      \
    X(CONTACT_LIMIT, contact_limit)

#define PF__REC_STRUCT(E, name) typedef struct pf_##name pf_##name;
PF_KINDS(PF__REC_STRUCT)
#undef PF__REC_STRUCT

struct pf_user {
    PF_USER_FIELDS(PF__FIELD_DECL)
};
struct pf_address {
    PF_ADDRESS_FIELDS(PF__FIELD_DECL)
};
struct pf_pat {
    PF_PAT_FIELDS(PF__FIELD_DECL)
};
struct pf_pat_log {
    PF_PAT_LOG_FIELDS(PF__FIELD_DECL)
};
struct pf_upload {
    PF_UPLOAD_FIELDS(PF__FIELD_DECL)
};
struct pf_model {
    PF_MODEL_FIELDS(PF__FIELD_DECL)
};
struct pf_order {
    PF_ORDER_FIELDS(PF__FIELD_DECL)
};
struct pf_order_group {
    PF_ORDER_GROUP_FIELDS(PF__FIELD_DECL)
};
struct pf_order_note {
    PF_ORDER_NOTE_FIELDS(PF__FIELD_DECL)
};
struct pf_order_event {
    PF_ORDER_EVENT_FIELDS(PF__FIELD_DECL)
};
struct pf_material {
    PF_MATERIAL_FIELDS(PF__FIELD_DECL)
};
struct pf_printer {
    PF_PRINTER_FIELDS(PF__FIELD_DECL)
};
struct pf_category {
    PF_CATEGORY_FIELDS(PF__FIELD_DECL)
};
struct pf_setting_change {
    PF_SETTING_CHANGE_FIELDS(PF__FIELD_DECL)
};
struct pf_coupon {
    PF_COUPON_FIELDS(PF__FIELD_DECL)
};
struct pf_shipping_partner {
    PF_SHIPPING_PARTNER_FIELDS(PF__FIELD_DECL)
};
struct pf_inquiry {
    PF_INQUIRY_FIELDS(PF__FIELD_DECL)
};
struct pf_contact_limit {
    PF_CONTACT_LIMIT_FIELDS(PF__FIELD_DECL)
};

#endif
