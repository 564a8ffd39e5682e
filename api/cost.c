/* Cost-engine administration and shop settings:
 *   GET  /api/admin/cost-settings          every knob of engine/price.h (stored as "cost.<key>") with unit,
 *                                          range and description, the default color, each material's price
 * per kg and each printer's draw (from the store); POST /api/admin/price-preview          a dry run of one
 * order line through the commerce core (api/shop.h, numeric source) with the full admin breakdown, the
 *                                          customer's view and, for shipping, the parcel quote;
 *   GET  /api/admin/settings               every setting keyed by key, secrets masked;
 *   PUT  /api/admin/settings/:key          one setting, validated by what the key is (below), stored with
 *                                          pf_store_setting_set (history: who, when, the previous value) and
 *                                          seen by the next request (pf_server_settings_changed);
 *   GET  /api/admin/settings/:key/history  that key's changes, newest first (secrets masked);
 *   GET  /api/admin/site-info              general (site.*), company and social settings;
 *   GET/POST /api/admin/company-info       company.* and social.* settings plus the payee; the POST takes an
 *                                          object of key -> value, validates every pair, then writes them all
 *                                          in one transaction.
 *
 * Validation: a key is accepted when it is a cost knob (number or numeric string within the engine's range,
 * whole for paise), one of the known keys of the table below (numbers with ranges, "true"/"false" flags,
 * enumerations, UPI VPA, PIN codes, GSTIN, email addresses, URLs, lists), a key under an open prefix
 * (company., social., about., seo.: free text), or a key the store already holds (settings other modules
 * seed: free text). Anything else is 422 naming the accepted prefixes. order.min_qty <= order.max_qty is
 * checked against the stored other bound inside the write transaction.
 *
 * Secrets: a key ending in _password, _secret or _key is shown as "********" when set ("" when empty), in
 * lists and in history. PUT of the mask itself leaves the secret unchanged (a form that round-trips the
 * masked value does not overwrite it). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/account.h"
#include "api/config.h"
#include "api/routes.h"
#include "api/server.h"
#include "api/shop.h"

#define EB(r) pf_req_eb(r)
#define MASK "********"
#define HISTORY_DEFAULT 50
#define HISTORY_MAX 500
#define MAX_BULK_KEYS 64

/* ---- small helpers ---- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Keys whose values are never shown. */
static bool is_secret(const char *key)
{
    return ends_with(key, "_password") || ends_with(key, "_secret") || ends_with(key, "_key");
}

/* The value as an admin may see it. */
static const char *shown(const char *key, const char *value)
{
    if (!value) return NULL;
    return is_secret(key) && *value ? MASK : value;
}

/* Shortest text that reads back as v (whole numbers without a fraction). */
static void format_num(double v, char *out, size_t len)
{
    if (floor(v) == v && fabs(v) < 1e15) {
        snprintf(out, len, "%.0f", v);
        return;
    }
    snprintf(out, len, "%.15g", v);
    if (strtod(out, NULL) != v) snprintf(out, len, "%.17g", v);
}

/* A number from a JSON number or a numeric string (surrounding spaces allowed, nothing else). */
static bool json_num(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return isfinite(*out);
    }
    if (!cJSON_IsString(v)) return false;
    const char *s = v->valuestring;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s) return false;
    char *end;
    double d = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(d)) return false;
    /* strtod takes hex floats and "inf"/"nan": only plain decimals are numbers here. */
    for (const char *p = s; p < end; p++)
        if (!strchr("0123456789+-.eE ", *p)) return false;
    *out = d;
    return true;
}

/* Text without control characters (newlines and tabs only when lines is set), at most max bytes. */
static bool text_ok(const char *s, size_t min, size_t max, bool lines)
{
    size_t n = strnlen(s, max + 1);
    if (n < min || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(lines && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f) return false;
    }
    return true;
}

/* ---- the known keys ---- */

typedef enum vkind {
    V_TEXT,    /* one line, min..max bytes */
    V_LINES,   /* several lines, min..max bytes */
    V_NUM,     /* number in [min, max] */
    V_INT,     /* whole number in [min, max] */
    V_POS,     /* number in (0, max] */
    V_BOOL,    /* "true" / "false" */
    V_ENUM,    /* one of the comma-separated words in choices */
    V_VPA,     /* UPI virtual payment address name@handle */
    V_PIN,     /* Indian PIN code: six digits, not starting with 0 */
    V_GSTIN,   /* empty or a GSTIN with a valid check character */
    V_EMAIL,   /* empty or an email address */
    V_URL,     /* empty or an http(s) URL */
    V_COLOR,   /* "#RRGGBB" */
    V_FORMATS, /* non-empty comma list from stl, obj, 3mf */
    V_ROLES,   /* comma list from user, moderator, admin (may be empty) */
    V_ORIGINS, /* http(s) origins separated by spaces, commas or newlines */
    V_HSN,     /* HSN code: 4, 6 or 8 digits */
    V_CODE,    /* 1..10 letters, digits or '-' */
    V_STATE,   /* empty or an Indian state or union territory (GST place of supply) */
} vkind;

typedef struct known_key {
    const char *key;     /* setting key */
    vkind kind;          /* what its value must be */
    double min, max;     /* V_NUM/V_INT range, V_POS max; byte limits for V_TEXT/V_LINES */
    const char *choices; /* V_ENUM words */
} known_key;

static const known_key known[] = {
    {"cost.default_color", V_COLOR, 0, 0, NULL},
    {"site.name", V_TEXT, 1, 200, NULL},
    {"site.currency", V_ENUM, 0, 0, "INR"},
    {"site.upi_id", V_VPA, 0, 0, NULL},
    {"site.upi_name", V_TEXT, 1, 100, NULL},
    {"site.url", V_URL, 0, 0, NULL},
    {"site.logo_url", V_URL, 0, 0, NULL},
    {"site.max_file_size_mb", V_INT, 1, 2048, NULL},
    {"site.upload_formats", V_FORMATS, 0, 0, NULL},
    {"site.catalog_require_review", V_BOOL, 0, 0, NULL},
    {"site.email_verification", V_BOOL, 0, 0, NULL},
    {"site.twofa_mode", V_ENUM, 0, 0, "off,optional,required"},
    {"site.jwt_ttl_hours", V_INT, 1, 720, NULL},
    {"site.email_driver", V_ENUM, 0, 0, "disabled,smtp,ses"},
    {"site.cors_enforce", V_BOOL, 0, 0, NULL},
    {"site.cors_origins", V_ORIGINS, 0, 0, NULL},
    {"site.sitemap_products", V_BOOL, 0, 0, NULL},
    {"site.hsts", V_BOOL, 0, 0, NULL},
    {"email.smtp_host", V_TEXT, 0, 253, NULL},
    {"email.smtp_port", V_INT, 1, 65535, NULL},
    {"email.smtp_user", V_TEXT, 0, 254, NULL},
    {"email.smtp_password", V_TEXT, 0, 1024, NULL},
    {"email.from", V_EMAIL, 0, 0, NULL},
    {"email.smtp_security", V_ENUM, 0, 0, "starttls,tls,none"},
    {"company.name", V_TEXT, 1, 200, NULL},
    {"company.gstin", V_GSTIN, 0, 0, NULL},
    {"company.pincode", V_PIN, 0, 0, NULL},
    {"company.email", V_EMAIL, 0, 0, NULL},
    {"company.state", V_STATE, 0, 0, NULL},
    {"company.city", V_TEXT, 0, 100, NULL},
    {"company.phone", V_TEXT, 0, 40, NULL},
    {"company.address", V_LINES, 0, 1000, NULL},
    {"invoice.hsn_code", V_HSN, 0, 0, NULL},
    {"invoice.prefix", V_CODE, 0, 0, NULL},
    {"shipping.origin_pin", V_PIN, 0, 0, NULL},
    {"shipping.packaging_g", V_NUM, 0, 10000, NULL},
    {"shipping.packaging_pct", V_NUM, 0, 100, NULL},
    {"shipping.gst_pct", V_NUM, 0, 100, NULL},
    {"order.min_qty", V_INT, 1, PF_PRICE_MAX_QUANTITY, NULL},
    {"order.max_qty", V_INT, 1, PF_PRICE_MAX_QUANTITY, NULL},
    {"order.auto_assign", V_BOOL, 0, 0, NULL},
    {"upload.expiry_hours", V_POS, 0, 720, NULL},
    {"ratelimit.general_max", V_INT, 0, 1e6, NULL},
    {"ratelimit.general_window_min", V_POS, 0, 10080, NULL},
    {"ratelimit.upload_max", V_INT, 0, 1e6, NULL},
    {"ratelimit.upload_window_min", V_POS, 0, 10080, NULL},
    {"ratelimit.auth_max", V_INT, 0, 1e6, NULL},
    {"ratelimit.auth_window_min", V_POS, 0, 10080, NULL},
    {"ratelimit.quote_max", V_INT, 0, 1e6, NULL},
    {"ratelimit.quote_window_min", V_POS, 0, 10080, NULL},
    {"ratelimit.model_file_max", V_INT, 0, 1e6, NULL},
    {"ratelimit.model_file_window_min", V_POS, 0, 10080, NULL},
    {"ratelimit.bypass_roles", V_ROLES, 0, 0, NULL},
    {"ratelimit.enabled", V_BOOL, 0, 0, NULL},
    {"contact.general_per_day", V_INT, 0, 10000, NULL},
    {"contact.order_per_day", V_INT, 0, 10000, NULL},
};

/* Prefixes under which any key (lower-case letters, digits, '_') holds free text. */
static const struct {
    const char *prefix; /* "social." */
    vkind kind;         /* V_TEXT or V_LINES */
    size_t max;         /* byte limit */
} open_prefixes[] = {
    {"company.", V_LINES, 2000},
    {"social.", V_TEXT, 500},
    {"about.", V_LINES, 5000},
    {"seo.", V_LINES, 20000},
};

#define ACCEPTED_PREFIXES                                                                                    \
    "cost., site., email., company., invoice., shipping., order., upload., ratelimit., contact., social., "  \
    "about., seo."

/* States and union territories by their GST names (the names engine/shipping.h gives for PIN codes, so
 * the invoice can tell CGST+SGST from IGST by comparing them). */
static const char *const states[] = {"Andaman and Nicobar Islands",
                                     "Andhra Pradesh",
                                     "Arunachal Pradesh",
                                     "Assam",
                                     "Bihar",
                                     "Chandigarh",
                                     "Chhattisgarh",
                                     "Dadra and Nagar Haveli and Daman and Diu",
                                     "Delhi",
                                     "Goa",
                                     "Gujarat",
                                     "Haryana",
                                     "Himachal Pradesh",
                                     "Jammu and Kashmir",
                                     "Jharkhand",
                                     "Karnataka",
                                     "Kerala",
                                     "Ladakh",
                                     "Lakshadweep",
                                     "Madhya Pradesh",
                                     "Maharashtra",
                                     "Manipur",
                                     "Meghalaya",
                                     "Mizoram",
                                     "Nagaland",
                                     "Odisha",
                                     "Puducherry",
                                     "Punjab",
                                     "Rajasthan",
                                     "Sikkim",
                                     "Tamil Nadu",
                                     "Telangana",
                                     "Tripura",
                                     "Uttar Pradesh",
                                     "Uttarakhand",
                                     "West Bengal"};

static const known_key *known_find(const char *key)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(known[i].key, key)) return &known[i];
    return NULL;
}

static bool word_in(const char *w, size_t n, const char *list)
{
    while (*list) {
        size_t m = strcspn(list, ",");
        if (m == n && !strncasecmp(w, list, n)) return true;
        list += m + (list[m] == ',');
    }
    return false;
}

static bool vpa_ok(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@')) return false;
    size_t name = (size_t)(at - s), handle = strlen(at + 1);
    if (name < 2 || name > 256 || handle < 2 || handle > 64) return false;
    for (const char *p = s; p < at; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-_", *p)) return false;
    for (const char *p = at + 1; *p; p++)
        if (!isalpha((unsigned char)*p)) return false;
    return true;
}

static bool pin_ok(const char *s)
{
    if (strlen(s) != 6 || s[0] < '1' || s[0] > '9') return false;
    for (int i = 0; i < 6; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

/* GSTIN: state code (2 digits), PAN (5 letters, 4 digits, 1 letter), entity number, 'Z', check character
 * (base-36 weighted sum of the first 14 characters, GSTN's published algorithm). s is upper-case. */
static bool gstin_ok(const char *s)
{
    static const char abc[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if (strlen(s) != 15) return false;
    for (int i = 0; i < 15; i++) {
        char c = s[i];
        bool digit = c >= '0' && c <= '9', letter = c >= 'A' && c <= 'Z';
        bool ok = i < 2 || (i >= 7 && i < 11) ? digit
                  : i < 7 || i == 11          ? letter
                  : i == 13                   ? c == 'Z'
                                              : digit || letter;
        if (!ok) return false;
    }
    int code = (s[0] - '0') * 10 + (s[1] - '0');
    if (!((code >= 1 && code <= 38) || code == 97 || code == 99)) return false; /* GST state codes */
    int sum = 0;
    for (int i = 0; i < 14; i++) {
        int v = (int)(strchr(abc, s[i]) - abc) * (i % 2 ? 2 : 1);
        sum += v / 36 + v % 36;
    }
    return s[14] == abc[(36 - sum % 36) % 36];
}

static bool url_ok(const char *s)
{
    if (!*s) return true;
    size_t skip = !strncasecmp(s, "https://", 8) ? 8 : !strncasecmp(s, "http://", 7) ? 7 : 0;
    return skip && s[skip] && s[skip] != '/' && text_ok(s, 0, 2000, false) && !strpbrk(s, " \"<>");
}

static bool color_ok(const char *s)
{
    if (strlen(s) != 7 || s[0] != '#') return false;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

/* Each word of a list (separated by commas, spaces or newlines) must satisfy fn; canonical form joined by
 * sep. Returns false when a word fails or nothing fits in out. */
static bool list_canon(const char *s, bool (*fn)(const char *w, size_t n, char *norm, size_t len), char sep,
                       char *out, size_t len, size_t *count)
{
    size_t o = 0;
    *count = 0;
    out[0] = 0;
    while (*s) {
        size_t n = strcspn(s, ", \t\r\n");
        if (n) {
            char norm[600];
            if (!fn(s, n, norm, sizeof norm)) return false;
            /* Duplicates dropped. */
            bool dup = false;
            for (const char *p = out; *p && !dup;) {
                size_t m = strcspn(p, sep == ',' ? "," : "\n");
                dup = m == strlen(norm) && !strncmp(p, norm, m);
                p += m + (p[m] != 0);
            }
            if (!dup) {
                int k = snprintf(out + o, len - o, "%s%s", o ? (sep == ',' ? "," : "\n") : "", norm);
                if (k < 0 || (size_t)k >= len - o) return false;
                o += (size_t)k;
                (*count)++;
            }
        }
        s += n;
        if (*s) s++;
    }
    return true;
}

static bool format_word(const char *w, size_t n, char *norm, size_t len)
{
    if (!word_in(w, n, "stl,obj,3mf")) return false;
    snprintf(norm, len, "%.*s", (int)n, w);
    for (char *p = norm; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return true;
}

static bool role_word(const char *w, size_t n, char *norm, size_t len)
{
    if (!word_in(w, n, "user,moderator,admin")) return false;
    snprintf(norm, len, "%.*s", (int)n, w);
    for (char *p = norm; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return true;
}

static bool origin_word(const char *w, size_t n, char *norm, size_t len)
{
    while (n && w[n - 1] == '/')
        n--;
    if (n + 1 > len || n > 500) return false;
    snprintf(norm, len, "%.*s", (int)n, w);
    size_t skip = !strncasecmp(norm, "https://", 8) ? 8 : !strncasecmp(norm, "http://", 7) ? 7 : 0;
    /* An origin is scheme://host[:port]: no path, query or credentials. */
    return skip && norm[skip] && !strpbrk(norm + skip, "/?#@\"<>") && text_ok(norm, 1, 500, false);
}

/* Validates value for key and writes its canonical stored form (malloc'd) into *out. 422 with the reason. */
static pf_err setting_validate(pf_errbuf *eb, const char *key, const cJSON *value, char **out)
{
    char buf[4096];
    const char *text = cJSON_IsString(value) ? value->valuestring : NULL;
    double d;

    /* Cost knobs: the engine's own table. */
    if (!strncmp(key, "cost.", 5) && strcmp(key, "cost.default_color")) {
        const pf_price_setting_info *in = NULL;
        for (size_t i = 0; i < pf_price_setting_count(); i++)
            if (!strcmp(pf_price_setting_info_at(i)->key, key + 5)) in = pf_price_setting_info_at(i);
        if (!in)
            return pf_errf(eb, PF_E_INVALID_FIELD,
                           "%s: unknown cost setting (GET /api/admin/cost-settings lists them)", key);
        if (!json_num(value, &d))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be a number (%s)", key, in->unit);
        if (d < in->min || d > in->max || (in->integral && floor(d) != d))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be %s from %g to %g %s", key,
                           in->integral ? "a whole number" : "a number", in->min, in->max, in->unit);
        format_num(d, buf, sizeof buf);
        return (*out = strdup(buf)) ? PF_E_OK : PF_E_NOMEM;
    }

    const known_key *k = known_find(key);
    vkind kind = V_LINES;
    double min = 0, max = 10000;
    if (k) {
        kind = k->kind, min = k->min, max = k->max;
    } else {
        for (size_t i = 0; i < sizeof open_prefixes / sizeof open_prefixes[0]; i++)
            if (!strncmp(key, open_prefixes[i].prefix, strlen(open_prefixes[i].prefix)))
                kind = open_prefixes[i].kind, max = (double)open_prefixes[i].max;
    }

    switch (kind) {
    case V_NUM:
    case V_INT:
    case V_POS:
        if (!json_num(value, &d)) return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be a number", key);
        if (kind == V_POS ? !(d > 0 && d <= max) : !(d >= min && d <= max))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be %s %g to %g", key,
                           kind == V_POS ? "above" : "from", kind == V_POS ? 0.0 : min, max);
        if (kind == V_INT && floor(d) != d)
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be a whole number", key);
        format_num(d, buf, sizeof buf);
        break;
    case V_BOOL:
        if (cJSON_IsBool(value))
            snprintf(buf, sizeof buf, "%s", cJSON_IsTrue(value) ? "true" : "false");
        else if (text && (!strcasecmp(text, "true") || !strcasecmp(text, "false")))
            snprintf(buf, sizeof buf, "%s", !strcasecmp(text, "true") ? "true" : "false");
        else
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be true or false", key);
        break;
    default:
        if (!text) return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be a string", key);
        break;
    }
    size_t count = 0;
    switch (kind) {
    case V_NUM:
    case V_INT:
    case V_POS:
    case V_BOOL:
        break;
    case V_TEXT:
    case V_LINES:
        if (!text_ok(text, (size_t)min, (size_t)max, kind == V_LINES))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be %zu to %zu bytes of text%s", key,
                           (size_t)min, (size_t)max, kind == V_TEXT ? " on one line" : "");
        return (*out = strdup(text)) ? PF_E_OK : PF_E_NOMEM;
    case V_ENUM:
        if (!word_in(text, strlen(text), k->choices))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be one of %s", key, k->choices);
        snprintf(buf, sizeof buf, "%s", text);
        for (char *p = buf; *p; p++)
            *p = k->choices[0] >= 'A' && k->choices[0] <= 'Z' ? (char)toupper((unsigned char)*p)
                                                              : (char)tolower((unsigned char)*p);
        break;
    case V_VPA:
        snprintf(buf, sizeof buf, "%s", text);
        for (char *p = buf; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strlen(text) >= sizeof buf || !vpa_ok(buf))
            return pf_errf(eb, PF_E_INVALID_FIELD,
                           "value: %s must be a UPI ID (VPA) such as shopname@okaxis: name of 2 to 256 "
                           "letters, digits, '.', '-' or '_', then '@' and the bank handle",
                           key);
        break;
    case V_PIN:
        if (!pin_ok(text))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be a 6-digit PIN code not starting with 0",
                           key);
        snprintf(buf, sizeof buf, "%s", text);
        break;
    case V_GSTIN:
        snprintf(buf, sizeof buf, "%.20s", text);
        for (char *p = buf; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        if (*buf && !gstin_ok(buf))
            return pf_errf(
                eb, PF_E_INVALID_FIELD,
                "value: %s must be empty or a 15-character GSTIN (state code, PAN, entity, Z, check "
                "character)",
                key);
        break;
    case V_EMAIL:
        if (*text && !pf_account_email_normalize(text, buf, sizeof buf))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be empty or an email address", key);
        if (!*text) buf[0] = 0;
        break;
    case V_URL:
        if (!url_ok(text))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be empty or an http:// or https:// URL",
                           key);
        snprintf(buf, sizeof buf, "%s", text);
        break;
    case V_COLOR:
        if (!color_ok(text)) return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be a color #RRGGBB", key);
        snprintf(buf, sizeof buf, "#%s", text + 1);
        for (char *p = buf; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        break;
    case V_FORMATS:
        if (!list_canon(text, format_word, ',', buf, sizeof buf, &count) || !count)
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must list one or more of stl, obj, 3mf", key);
        break;
    case V_ROLES:
        if (!list_canon(text, role_word, ',', buf, sizeof buf, &count))
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must list roles from user, moderator, admin",
                           key);
        for (char *p = buf; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        break;
    case V_ORIGINS:
        if (!list_canon(text, origin_word, '\n', buf, sizeof buf, &count))
            return pf_errf(eb, PF_E_INVALID_FIELD,
                           "value: %s must list origins such as https://shop.example (scheme, host and "
                           "optional port; no path)",
                           key);
        break;
    case V_HSN: {
        size_t n = strlen(text);
        if (!(n == 4 || n == 6 || n == 8) || strspn(text, "0123456789") != n)
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be an HSN code of 4, 6 or 8 digits", key);
        snprintf(buf, sizeof buf, "%s", text);
        break;
    }
    case V_STATE: {
        const char *hit = NULL;
        for (size_t i = 0; i < sizeof states / sizeof states[0] && *text; i++)
            if (!strcasecmp(text, states[i])) hit = states[i];
        if (*text && !hit)
            return pf_errf(eb, PF_E_INVALID_FIELD,
                           "value: %s must be an Indian state or union territory as GST names it (e.g. "
                           "Karnataka, Tamil Nadu, Delhi)",
                           key);
        snprintf(buf, sizeof buf, "%s", hit ? hit : "");
        break;
    }
    case V_CODE: {
        size_t n = strlen(text);
        if (n < 1 || n > 10 ||
            strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != n)
            return pf_errf(eb, PF_E_INVALID_FIELD, "value: %s must be 1 to 10 letters, digits or '-'", key);
        snprintf(buf, sizeof buf, "%s", text);
        break;
    }
    }
    return (*out = strdup(buf)) ? PF_E_OK : PF_E_NOMEM;
}

/* Whether key may be set at all: a cost knob, a known key, a key under an open prefix with a plain name, or a
 * key the store already holds. */
static bool key_accepted(pf_req *r, const char *key)
{
    if (!strncmp(key, "cost.", 5) || known_find(key)) return true;
    for (size_t i = 0; i < sizeof open_prefixes / sizeof open_prefixes[0]; i++) {
        size_t n = strlen(open_prefixes[i].prefix);
        if (!strncmp(key, open_prefixes[i].prefix, n) && key[n] && strlen(key) <= 100 &&
            strspn(key + n, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(key + n))
            return true;
    }
    char *cur = NULL;
    pf_errbuf eb;
    bool present = !pf_store_setting_get(pf_req_store(r), NULL, key, &cur, &eb);
    free(cur);
    return present;
}

/* ---- writing ---- */

typedef struct set_one {
    const char *key; /* setting key */
    char *value;     /* canonical value, NULL = delete */
    bool changed;    /* differed from the stored value */
} set_one;

typedef struct set_batch {
    pf_store *st;   /* store */
    set_one *kv;    /* pairs */
    size_t n;       /* count */
    uint64_t actor; /* admin user id */
} set_batch;

/* The stored numeric value of key inside t, or def when absent or not a number. */
static double stored_num(pf_store *st, pf_txn *t, const char *key, double def)
{
    char *v = NULL;
    pf_errbuf eb;
    double d = def;
    if (!pf_store_setting_get(st, t, key, &v, &eb)) {
        char *end;
        double x = strtod(v, &end);
        if (end != v && !*end && isfinite(x)) d = x;
    }
    free(v);
    return d;
}

static pf_err batch_txn(pf_txn *t, void *ctx, pf_errbuf *eb)
{
    set_batch *b = ctx;
    pf_err err = PF_E_OK;
    for (size_t i = 0; i < b->n && !err; i++) {
        set_one *s = &b->kv[i];
        s->changed = false;
        char *cur = NULL;
        pf_errbuf geb;
        pf_err gerr = pf_store_setting_get(b->st, t, s->key, &cur, &geb);
        if (gerr && gerr != PF_E_NOT_FOUND) {
            *eb = geb;
            return gerr;
        }
        bool same = cur && s->value ? !strcmp(cur, s->value) : !cur && !s->value;
        free(cur);
        if (same) continue;
        if (!strcmp(s->key, "order.min_qty") || !strcmp(s->key, "order.max_qty")) {
            bool is_min = !strcmp(s->key, "order.min_qty");
            double other = stored_num(b->st, t, is_min ? "order.max_qty" : "order.min_qty", is_min ? 100 : 1);
            /* A pair in the same batch counts with its new value. */
            for (size_t j = 0; j < b->n; j++)
                if (j != i && b->kv[j].value &&
                    !strcmp(b->kv[j].key, is_min ? "order.max_qty" : "order.min_qty"))
                    other = strtod(b->kv[j].value, NULL);
            double mine = strtod(s->value, NULL);
            if (is_min ? mine > other : mine < other)
                return pf_errf(eb, PF_E_INVALID_FIELD,
                               "value: order.min_qty (%g) must not exceed order.max_qty (%g)",
                               is_min ? mine : other, is_min ? other : mine);
        }
        err = pf_store_setting_set(b->st, t, s->key, s->value, b->actor, eb);
        s->changed = !err;
    }
    return err;
}

/* Validates key = value into s (value NULL or JSON null deletes a free-text key). */
static pf_err prepare_one(pf_req *r, const char *key, const cJSON *value, set_one *s)
{
    s->key = key;
    s->value = NULL;
    if (!key_accepted(r, key))
        return pf_errf(EB(r), PF_E_INVALID_FIELD,
                       "key: unknown setting %s (accepted: known keys under " ACCEPTED_PREFIXES ")", key);
    if (!value) return pf_errf(EB(r), PF_E_INVALID_FIELD, "value: required");
    if (cJSON_IsNull(value)) {
        bool open = false;
        for (size_t i = 0; i < sizeof open_prefixes / sizeof open_prefixes[0]; i++)
            open |= !strncmp(key, open_prefixes[i].prefix, strlen(open_prefixes[i].prefix));
        if (!open || known_find(key))
            return pf_errf(EB(r), PF_E_INVALID_FIELD, "value: %s cannot be removed, only changed", key);
        return PF_E_OK;
    }
    return setting_validate(EB(r), key, value, &s->value);
}

static cJSON *setting_json(const char *key, const char *value)
{
    cJSON *o = cJSON_CreateObject();
    const char *v = shown(key, value);
    if (!o || !cJSON_AddStringToObject(o, "key", key) ||
        !(v ? cJSON_AddStringToObject(o, "value", v) : cJSON_AddNullToObject(o, "value")) ||
        !cJSON_AddBoolToObject(o, "secret", is_secret(key))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* PUT /api/admin/settings/:key {value} */
static pf_err settings_put(pf_req *r, pf_resp *w)
{
    const char *key = pf_req_param(r, "key");
    const cJSON *body = pf_req_json(r);
    if (!key || !*key || strlen(key) > 100)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "key: 1 to 100 characters");
    const cJSON *value = body ? cJSON_GetObjectItemCaseSensitive(body, "value") : NULL;
    set_one s = {0};
    pf_err err;
    /* The mask sent back for a secret means "keep it". */
    if (is_secret(key) && cJSON_IsString(value) && !strcmp(value->valuestring, MASK)) {
        char *cur = NULL;
        pf_errbuf geb;
        pf_store_setting_get(pf_req_store(r), NULL, key, &cur, &geb);
        cJSON *o = setting_json(key, cur);
        free(cur);
        if (!o || !cJSON_AddBoolToObject(o, "changed", false)) {
            cJSON_Delete(o);
            return PF_E_NOMEM;
        }
        return pf_resp_json(w, 200, o);
    }
    if ((err = prepare_one(r, key, value, &s))) goto done;
    set_batch b = {pf_req_store(r), &s, 1, pf_req_principal(r)->user.id};
    if ((err = pf_store_write(b.st, batch_txn, &b, EB(r)))) goto done;
    if (s.changed) pf_server_settings_changed(pf_req_server(r));
    cJSON *o = setting_json(key, s.value);
    if (!o || !cJSON_AddBoolToObject(o, "changed", s.changed)) {
        cJSON_Delete(o);
        err = PF_E_NOMEM;
        goto done;
    }
    err = pf_resp_json(w, 200, o);
done:
    free(s.value);
    return err;
}

/* GET /api/admin/settings: {key: value} from the store, secrets masked. */
static pf_err settings_all(pf_req *r, pf_resp *w)
{
    pf_setting *kv = NULL;
    size_t n = 0;
    pf_err err = pf_store_settings_all(pf_req_store(r), NULL, &kv, &n, EB(r));
    if (err) return err;
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = cJSON_AddStringToObject(o, kv[i].key, kv[i].value ? shown(kv[i].key, kv[i].value) : "") != NULL;
    pf_settings_free(kv, n);
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

/* GET /api/admin/settings/:key/history?limit=&before= */
static pf_err settings_history(pf_req *r, pf_resp *w)
{
    const char *key = pf_req_param(r, "key");
    uint64_t limit = 1, before = 0;
    pf_err err;
    if ((err = pf_req_query_uint(r, "limit", 1, HISTORY_MAX, HISTORY_DEFAULT, &limit)) ||
        (err = pf_req_query_uint(r, "before", 0, UINT64_MAX, 0, &before)))
        return err;
    pf_store *st = pf_req_store(r);
    pf_setting_change *ch = NULL;
    size_t n = 0;
    uint64_t next = 0;
    if ((err = pf_store_setting_change_list_by_key(st, NULL, key, before, (size_t)limit, &ch, &n, &next,
                                                   EB(r))))
        return err;
    char *cur = NULL;
    pf_errbuf geb;
    bool present = !pf_store_setting_get(st, NULL, key, &cur, &geb);
    if (!n && !present && !before) {
        pf_setting_change_list_free(ch, n);
        return pf_errf(EB(r), PF_E_NOT_FOUND, "no such setting");
    }
    cJSON *o = cJSON_CreateObject(), *a = NULL;
    bool ok = o && cJSON_AddStringToObject(o, "key", key) &&
              (present ? cJSON_AddStringToObject(o, "value", shown(key, cur))
                       : cJSON_AddNullToObject(o, "value")) &&
              (a = cJSON_AddArrayToObject(o, "changes")) &&
              (next ? cJSON_AddNumberToObject(o, "next", (double)next) : cJSON_AddNullToObject(o, "next"));
    free(cur);
    for (size_t i = 0; ok && i < n; i++) {
        const pf_setting_change *c = &ch[i];
        cJSON *e = cJSON_CreateObject();
        const char *ov = shown(key, c->old_value), *nv = shown(key, c->new_value);
        ok = e && cJSON_AddItemToArray(a, e);
        if (!ok) {
            cJSON_Delete(e);
            break;
        }
        ok = cJSON_AddNumberToObject(e, "id", (double)c->id) &&
             (ov ? cJSON_AddStringToObject(e, "old_value", ov) : cJSON_AddNullToObject(e, "old_value")) &&
             (nv ? cJSON_AddStringToObject(e, "new_value", nv) : cJSON_AddNullToObject(e, "new_value")) &&
             cJSON_AddNumberToObject(e, "changed_by", (double)c->changed_by) &&
             cJSON_AddNumberToObject(e, "at", (double)c->at);
        if (ok && c->changed_by) {
            pf_user u = {0};
            pf_errbuf ueb;
            if (!pf_store_user_get(st, NULL, c->changed_by, &u, &ueb))
                ok = cJSON_AddStringToObject(e, "changed_by_email", u.email ? u.email : "") != NULL;
            pf_user_clear(&u);
        } else if (ok) {
            ok = cJSON_AddStringToObject(e, "changed_by_email", "system") != NULL;
        }
    }
    pf_setting_change_list_free(ch, n);
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

/* ---- cost settings ---- */

/* The cost knobs as stored (defaults for missing or unreadable values). */
static void stored_cost(pf_req *r, pf_price_settings *s, bool invalid[])
{
    *s = pf_price_settings_default();
    for (size_t i = 0; i < pf_price_setting_count(); i++) {
        const pf_price_setting_info *in = pf_price_setting_info_at(i);
        char key[96];
        snprintf(key, sizeof key, "cost.%s", in->key);
        const char *v = pf_req_setting(r, key, NULL);
        char *end;
        double d = v ? strtod(v, &end) : 0;
        pf_errbuf eb;
        invalid[i] = v && (end == v || *end || pf_price_setting_set(s, in->key, d, &eb));
    }
}

static pf_err cost_settings(pf_req *r, pf_resp *w)
{
    pf_price_settings cur, def = pf_price_settings_default();
    bool invalid[64] = {0};
    stored_cost(r, &cur, invalid);
    pf_store *st = pf_req_store(r);
    cJSON *o = cJSON_CreateObject(), *a = NULL, *mats = NULL, *prs = NULL;
    bool ok = o && (a = cJSON_AddArrayToObject(o, "settings")) &&
              cJSON_AddStringToObject(o, "default_color", pf_req_setting(r, "cost.default_color", "#8C8C8C"));
    for (size_t i = 0; ok && i < pf_price_setting_count(); i++) {
        const pf_price_setting_info *in = pf_price_setting_info_at(i);
        double v = 0, dv = 0;
        pf_errbuf eb;
        pf_price_setting_get(&cur, in->key, &v, &eb);
        pf_price_setting_get(&def, in->key, &dv, &eb);
        char key[96];
        snprintf(key, sizeof key, "cost.%s", in->key);
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(a, e);
        if (!ok) {
            cJSON_Delete(e);
            break;
        }
        ok = cJSON_AddStringToObject(e, "key", key) && cJSON_AddStringToObject(e, "name", in->key) &&
             cJSON_AddNumberToObject(e, "value", v) && cJSON_AddNumberToObject(e, "default", dv) &&
             cJSON_AddStringToObject(e, "unit", in->unit) && cJSON_AddNumberToObject(e, "min", in->min) &&
             cJSON_AddNumberToObject(e, "max", in->max) &&
             cJSON_AddBoolToObject(e, "integral", in->integral) &&
             cJSON_AddStringToObject(e, "description", in->description) &&
             (!invalid[i] || cJSON_AddBoolToObject(e, "stored_value_invalid", true));
        if (ok && in->integral && strstr(in->unit, "paise"))
            ok = cJSON_AddNumberToObject(e, "value_inr", pf_price_to_inr((int64_t)v)) != NULL;
    }
    ok = ok && (mats = cJSON_AddArrayToObject(o, "materials")) &&
         (prs = cJSON_AddArrayToObject(o, "printers"));
    pf_err err = PF_E_OK;
    uint64_t before = 0;
    do {
        pf_material *m = NULL;
        size_t n = 0;
        if (!ok || (err = pf_store_material_list(st, NULL, before, 256, &m, &n, &before, EB(r)))) break;
        for (size_t i = 0; ok && i < n; i++) {
            cJSON *e = cJSON_CreateObject();
            ok = e && cJSON_AddItemToArray(mats, e);
            if (!ok) {
                cJSON_Delete(e);
                break;
            }
            ok = cJSON_AddNumberToObject(e, "id", (double)m[i].id) &&
                 cJSON_AddStringToObject(e, "name", m[i].name ? m[i].name : "") &&
                 cJSON_AddStringToObject(e, "display_name", m[i].display_name ? m[i].display_name : "") &&
                 cJSON_AddNumberToObject(e, "cost_per_kg", m[i].cost_per_kg) &&
                 cJSON_AddNumberToObject(e, "density_g_cm3", m[i].density_g_cm3) &&
                 cJSON_AddBoolToObject(e, "is_active", m[i].is_active);
        }
        pf_material_list_free(m, n);
    } while (ok && before);
    before = 0;
    do {
        pf_printer *p = NULL;
        size_t n = 0;
        if (!ok || err || (err = pf_store_printer_list(st, NULL, before, 256, &p, &n, &before, EB(r)))) break;
        for (size_t i = 0; ok && i < n; i++) {
            cJSON *e = cJSON_CreateObject();
            ok = e && cJSON_AddItemToArray(prs, e);
            if (!ok) {
                cJSON_Delete(e);
                break;
            }
            ok = cJSON_AddNumberToObject(e, "id", (double)p[i].id) &&
                 cJSON_AddStringToObject(e, "name", p[i].name ? p[i].name : "") &&
                 cJSON_AddNumberToObject(e, "wattage_w", p[i].wattage_w) &&
                 cJSON_AddNumberToObject(e, "print_speed_cm3_hr", p[i].print_speed_cm3_hr) &&
                 cJSON_AddBoolToObject(e, "is_active", p[i].is_active);
        }
        pf_printer_list_free(p, n);
    } while (ok && !err && before);
    if (err || !ok) {
        cJSON_Delete(o);
        return err ? err : PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

/* ---- price preview ---- */

static bool add_inr(cJSON *o, const char *name, int64_t paise)
{
    return cJSON_AddNumberToObject(o, name, pf_price_to_inr(paise)) != NULL;
}

/* An optional body number: a JSON number or a numeric string (admin forms send "20"); absent or null keeps
 * *out. */
static pf_err body_num(pf_req *r, const char *name, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), name);
    if (!v || cJSON_IsNull(v)) return PF_E_OK;
    if (!json_num(v, out)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be a number", name);
    return PF_E_OK;
}

/* An optional body flag: true/false, 1/0 or their strings. */
static pf_err body_bool(pf_req *r, const char *name, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(pf_req_json(r), name);
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    if (!v || cJSON_IsNull(v)) return PF_E_OK;
    if (cJSON_IsBool(v))
        *out = cJSON_IsTrue(v);
    else if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1))
        *out = v->valuedouble == 1;
    else if (s && (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "false") || !strcmp(s, "0")))
        *out = !strcasecmp(s, "true") || !strcmp(s, "1");
    else
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: must be true or false", name);
    return PF_E_OK;
}

/* POST /api/admin/price-preview: the fields of POST /api/quote's numeric form plus wattage_w. */
static pf_err price_preview(pf_req *r, pf_resp *w)
{
    const char *material = NULL, *fulfillment = "pickup", *zip = NULL, *color = NULL;
    double volume = NAN, qty = 1, infill = -1, watts = 0, dims[3] = {0, 0, 0};
    bool priority = false;
    static const char *const dim_names[3] = {"dim_x_mm", "dim_y_mm", "dim_z_mm"};
    pf_err err;
    if (!pf_req_json(r)) return pf_errf(EB(r), PF_E_INVALID_FIELD, "material: required (JSON body)");
    if ((err = pf_req_json_string(r, "material", true, &material)) ||
        (err = pf_req_json_string(r, "color", false, &color)) || (err = body_num(r, "volume_cm3", &volume)) ||
        (err = body_num(r, "quantity", &qty)) || (err = body_num(r, "infill", &infill)) ||
        (err = body_num(r, "wattage_w", &watts)) ||
        (err = pf_req_json_string(r, "fulfillment", false, &fulfillment)) ||
        (err = body_bool(r, "priority_print", &priority)) ||
        (err = pf_req_json_string(r, "shipping_zip", false, &zip)))
        return err;
    for (int i = 0; i < 3; i++)
        if ((err = body_num(r, dim_names[i], &dims[i]))) return err;
    if (!(volume > 0 && volume <= 1e7))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "volume_cm3: required, a number above 0 (cm³)");
    if (!(qty >= 1 && qty <= PF_PRICE_MAX_QUANTITY && floor(qty) == qty))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "quantity: a whole number from 1");
    if (!(infill == -1 || (infill >= 0 && infill <= 100)))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "infill: a percentage from 0 to 100");
    if (!(watts >= 0 && watts <= PF_PRICE_MAX_WATTS))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "wattage_w: watts from 0 (the printer's) to %g",
                       PF_PRICE_MAX_WATTS);
    bool ship;
    if (!strcasecmp(fulfillment, "pickup"))
        ship = false;
    else if (!strcasecmp(fulfillment, "ship") || !strcasecmp(fulfillment, "shipping") ||
             !strcasecmp(fulfillment, "delivery"))
        ship = true;
    else
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "fulfillment: pickup or ship");
    if (ship && (!zip || !*zip))
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "shipping_zip: required when fulfillment is ship");
    pf_shop_item item = {.material = material,
                         .color = color,
                         .quantity = (int64_t)qty,
                         .infill_pct = infill,
                         .priority = priority,
                         .dim_mm = {dims[0], dims[1], dims[2]},
                         .volume_cm3 = volume,
                         .wattage_w = watts};
    pf_shop_line line = {0};
    if ((err = pf_shop_price_line(r, &item, &line))) return err;
    pf_ship_quote sq = {0};
    if (ship && (err = pf_shop_shipping(r, zip, line.est.weight_g * (double)item.quantity, &sq))) {
        pf_shop_line_clear(&line);
        return err;
    }
    const pf_price_breakdown *p = &line.price;
    cJSON *o = cJSON_CreateObject(), *adm = NULL, *cus = NULL, *in = NULL, *sh = NULL;
    bool ok = o && cJSON_AddStringToObject(o, "material", line.material ? line.material : material) &&
              cJSON_AddStringToObject(o, "color", line.color ? line.color : "") &&
              cJSON_AddNumberToObject(o, "quantity", (double)item.quantity) &&
              cJSON_AddBoolToObject(o, "priority_print", priority) &&
              cJSON_AddStringToObject(o, "fulfillment", ship ? "ship" : "pickup") &&
              cJSON_AddNumberToObject(o, "volume_cm3", line.volume_cm3) &&
              cJSON_AddNumberToObject(o, "weight_g", line.est.weight_g) &&
              cJSON_AddNumberToObject(o, "print_time_s", line.est.print_time_s) &&
              cJSON_AddNumberToObject(o, "job_time_s", line.est.job_time_s) &&
              cJSON_AddBoolToObject(o, "fits", line.fits) && (in = cJSON_AddObjectToObject(o, "inputs")) &&
              cJSON_AddNumberToObject(in, "material_cost_per_kg", pf_price_to_inr(line.cost_per_kg)) &&
              cJSON_AddNumberToObject(in, "density_g_cm3", line.density_g_cm3) &&
              cJSON_AddNumberToObject(in, "printer_watts", line.printer_watts) &&
              cJSON_AddNumberToObject(in, "printer_id", (double)line.printer_id) &&
              cJSON_AddNumberToObject(in, "dim_x_mm", line.dim_mm[0]) &&
              cJSON_AddNumberToObject(in, "dim_y_mm", line.dim_mm[1]) &&
              cJSON_AddNumberToObject(in, "dim_z_mm", line.dim_mm[2]) &&
              cJSON_AddNumberToObject(in, "infill", infill < 0 ? line.est.infill_density * 100 : infill) &&
              (adm = cJSON_AddObjectToObject(o, "admin")) &&
              add_inr(adm, "material_cost", p->material_cost) &&
              add_inr(adm, "electricity", p->electricity) && add_inr(adm, "setup", p->setup) &&
              add_inr(adm, "overhead", p->overhead) && add_inr(adm, "margin", p->margin) &&
              add_inr(adm, "min_topup", p->min_topup) && add_inr(adm, "base", p->base) &&
              add_inr(adm, "priority", p->priority) && add_inr(adm, "subtotal", p->subtotal) &&
              add_inr(adm, "gst", p->gst) && add_inr(adm, "total", p->total) &&
              (cus = cJSON_AddObjectToObject(o, "customer")) && add_inr(cus, "material", p->material) &&
              add_inr(cus, "printing", p->printing) && add_inr(cus, "priority", p->priority) &&
              add_inr(cus, "gst", p->gst) && add_inr(cus, "total", p->total);
    if (ok && ship) {
        ok = (sh = cJSON_AddObjectToObject(o, "shipping")) && cJSON_AddStringToObject(sh, "zip", zip) &&
             cJSON_AddNumberToObject(sh, "billed_g", sq.billed_g) &&
             cJSON_AddStringToObject(sh, "band", pf_ship_band_name(sq.band)) &&
             cJSON_AddNumberToObject(sh, "distance_km", sq.distance_km) && add_inr(sh, "charge", sq.charge) &&
             add_inr(sh, "gst", sq.gst) && add_inr(sh, "total", sq.total) &&
             add_inr(o, "grand_total", p->total + sq.total);
    } else if (ok) {
        ok = cJSON_AddNullToObject(o, "shipping") && add_inr(o, "grand_total", p->total);
    }
    /* What POST /api/quote would show the customer for the same line (without shipping). */
    cJSON *q = ok ? pf_shop_line_json(&line) : NULL;
    if (ok && !(q && cJSON_AddItemToObject(o, "quote", q))) {
        cJSON_Delete(q);
        ok = false;
    }
    pf_shop_line_clear(&line);
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    return pf_resp_json(w, 200, o);
}

/* ---- site and company info ---- */

/* Adds every setting under prefix to o keyed by the rest of its name (secrets masked). */
static bool add_group(cJSON *o, const pf_setting *kv, size_t n, const char *prefix)
{
    size_t m = strlen(prefix);
    for (size_t i = 0; i < n; i++)
        if (!strncmp(kv[i].key, prefix, m) && kv[i].key[m] &&
            !cJSON_AddStringToObject(o, kv[i].key + m, kv[i].value ? shown(kv[i].key, kv[i].value) : ""))
            return false;
    return true;
}

static const char *kv_get(const pf_setting *kv, size_t n, const char *key, const char *def)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].key, key)) return kv[i].value ? kv[i].value : def;
    return def;
}

static pf_err info_json(pf_req *r, bool site, cJSON **out)
{
    pf_setting *kv = NULL;
    size_t n = 0;
    pf_err err = pf_store_settings_all(pf_req_store(r), NULL, &kv, &n, EB(r));
    if (err) return err;
    cJSON *o = cJSON_CreateObject(), *g = NULL, *c = NULL, *s = NULL;
    bool ok = o != NULL;
    if (ok && site) ok = (g = cJSON_AddObjectToObject(o, "general")) && add_group(g, kv, n, "site.");
    ok = ok && (c = cJSON_AddObjectToObject(o, "company")) && add_group(c, kv, n, "company.") &&
         (s = cJSON_AddObjectToObject(o, "social")) && add_group(s, kv, n, "social.");
    if (ok && !site)
        ok = cJSON_AddStringToObject(o, "upi_id", kv_get(kv, n, "site.upi_id", "")) &&
             cJSON_AddStringToObject(o, "upi_name", kv_get(kv, n, "site.upi_name", "")) &&
             cJSON_AddStringToObject(o, "logo_url", kv_get(kv, n, "site.logo_url", "")) &&
             cJSON_AddStringToObject(o, "site_name", kv_get(kv, n, "site.name", ""));
    pf_settings_free(kv, n);
    if (!ok) {
        cJSON_Delete(o);
        return PF_E_NOMEM;
    }
    *out = o;
    return PF_E_OK;
}

static pf_err site_info(pf_req *r, pf_resp *w)
{
    cJSON *o = NULL;
    pf_err err = info_json(r, true, &o);
    return err ? err : pf_resp_json(w, 200, o);
}

static pf_err company_get(pf_req *r, pf_resp *w)
{
    cJSON *o = NULL;
    pf_err err = info_json(r, false, &o);
    return err ? err : pf_resp_json(w, 200, o);
}

/* The settings key a company-info field names: "company.x", "social.x" and the payee/branding site keys as
 * given; a bare name ("gstin", "upi_id") is company.<name>, or site.<name> for the site keys. */
static bool company_key(const char *name, char *out, size_t len)
{
    static const char *const site_keys[] = {"upi_id", "upi_name", "logo_url", "name"};
    if (!strncmp(name, "company.", 8) || !strncmp(name, "social.", 7)) {
        snprintf(out, len, "%s", name);
        return strlen(name) < len;
    }
    for (size_t i = 0; i < sizeof site_keys / sizeof site_keys[0]; i++) {
        char full[64];
        snprintf(full, sizeof full, "site.%s", site_keys[i]);
        if (!strcmp(name, full) || (!strcmp(name, site_keys[i]) && strcmp(name, "name"))) {
            snprintf(out, len, "%s", full);
            return true;
        }
    }
    if (strchr(name, '.')) return false;
    snprintf(out, len, "company.%s", name);
    return strlen(name) + 8 < len;
}

static pf_err company_post(pf_req *r, pf_resp *w)
{
    const cJSON *body = pf_req_json(r);
    int count = cJSON_GetArraySize(body);
    if (!body || count < 1 || count > MAX_BULK_KEYS)
        return pf_errf(EB(r), PF_E_INVALID_FIELD, "body: an object of 1 to %d company settings",
                       MAX_BULK_KEYS);
    set_one *kv = calloc((size_t)count, sizeof *kv);
    char(*keys)[128] = calloc((size_t)count, sizeof *keys);
    pf_err err = kv && keys ? PF_E_OK : PF_E_NOMEM;
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, body)
    {
        if (err) break;
        if (!company_key(it->string, keys[n], sizeof keys[n])) {
            err = pf_errf(EB(r), PF_E_INVALID_FIELD,
                          "%s: not a company setting (company.*, social.*, site.upi_id, site.upi_name, "
                          "site.logo_url, site.name)",
                          it->string);
            break;
        }
        for (size_t j = 0; j < n && !err; j++)
            if (!strcmp(keys[j], keys[n]))
                err = pf_errf(EB(r), PF_E_INVALID_FIELD, "%s: given twice", keys[n]);
        if (err) break;
        if (is_secret(keys[n]) && cJSON_IsString(it) && !strcmp(it->valuestring, MASK)) continue;
        if ((err = prepare_one(r, keys[n], it, &kv[n]))) break;
        n++;
    }
    if (!err) {
        set_batch b = {pf_req_store(r), kv, n, pf_req_principal(r)->user.id};
        err = pf_store_write(b.st, batch_txn, &b, EB(r));
        if (!err) pf_server_settings_changed(pf_req_server(r));
    }
    for (size_t i = 0; kv && i < n; i++)
        free(kv[i].value);
    free(kv);
    free(keys);
    if (err) return err;
    return company_get(r, w);
}

#define A PF_ACCESS_ADMIN
#define J PF_ACCESS_ADMIN_JWT
#define G PF_LIMIT_GENERAL
static const pf_route routes[] = {
    {PF_GET, "/api/admin/cost-settings", cost_settings, A, "admin:read", G, PF_BODY_NONE, 0, NULL},
    {PF_POST, "/api/admin/price-preview", price_preview, A, "admin:read", G, PF_BODY_JSON, 0, NULL},
    {PF_GET, "/api/admin/settings", settings_all, A, "admin:read", G, PF_BODY_NONE, 0, NULL},
    {PF_PUT, "/api/admin/settings/:key", settings_put, J, NULL, G, PF_BODY_JSON, 0, NULL},
    {PF_GET, "/api/admin/settings/:key/history", settings_history, A, "admin:read", G, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/admin/site-info", site_info, A, "admin:read", G, PF_BODY_NONE, 0, NULL},
    {PF_GET, "/api/admin/company-info", company_get, A, "admin:read", G, PF_BODY_NONE, 0, NULL},
    {PF_POST, "/api/admin/company-info", company_post, J, NULL, G, PF_BODY_JSON, 0, NULL},
};
#undef A
#undef J
#undef G

const pf_route_table pf_api_cost_routes = {routes, sizeof routes / sizeof routes[0]};
