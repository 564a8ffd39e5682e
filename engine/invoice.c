/* GST tax invoices: totals, the CGST/SGST split, amounts in words (Indian numbering) and the PDF (libharu).
 */
#include "engine/invoice.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hpdf.h>

#include "engine/dynlib.h"
#include "engine/price.h"
#include "engine/shipping.h"

/* libharu, opened when the first PDF is made (engine/dynlib.h): with libpng it cost every printforge process
 * ~1.5 ms of start-up, and only the server makes invoices. The calls below go through this table. */
typedef struct hpdf_api {
    __typeof__(HPDF_AddPage) *addpage;
    __typeof__(HPDF_Font_TextWidth) *font_textwidth;
    __typeof__(HPDF_Free) *free;
    __typeof__(HPDF_GetFont) *getfont;
    __typeof__(HPDF_GetStreamSize) *getstreamsize;
    __typeof__(HPDF_New) *new;
    __typeof__(HPDF_Page_BeginText) *page_begintext;
    __typeof__(HPDF_Page_EndText) *page_endtext;
    __typeof__(HPDF_Page_Fill) *page_fill;
    __typeof__(HPDF_Page_LineTo) *page_lineto;
    __typeof__(HPDF_Page_MoveTo) *page_moveto;
    __typeof__(HPDF_Page_Rectangle) *page_rectangle;
    __typeof__(HPDF_Page_SetFontAndSize) *page_setfontandsize;
    __typeof__(HPDF_Page_SetGrayFill) *page_setgrayfill;
    __typeof__(HPDF_Page_SetLineWidth) *page_setlinewidth;
    __typeof__(HPDF_Page_SetSize) *page_setsize;
    __typeof__(HPDF_Page_Stroke) *page_stroke;
    __typeof__(HPDF_Page_TextOut) *page_textout;
    __typeof__(HPDF_ReadFromStream) *readfromstream;
    __typeof__(HPDF_SaveToStream) *savetostream;
    __typeof__(HPDF_SetCompressionMode) *setcompressionmode;
    __typeof__(HPDF_SetInfoAttr) *setinfoattr;
} hpdf_api;
static hpdf_api hp;
#define SYM(member, name) PF_DYNSYM(hpdf_api, member, name)
static const pf_dynsym hpdf_syms[] = {
    SYM(addpage, "HPDF_AddPage"),
    SYM(font_textwidth, "HPDF_Font_TextWidth"),
    SYM(free, "HPDF_Free"),
    SYM(getfont, "HPDF_GetFont"),
    SYM(getstreamsize, "HPDF_GetStreamSize"),
    SYM(new, "HPDF_New"),
    SYM(page_begintext, "HPDF_Page_BeginText"),
    SYM(page_endtext, "HPDF_Page_EndText"),
    SYM(page_fill, "HPDF_Page_Fill"),
    SYM(page_lineto, "HPDF_Page_LineTo"),
    SYM(page_moveto, "HPDF_Page_MoveTo"),
    SYM(page_rectangle, "HPDF_Page_Rectangle"),
    SYM(page_setfontandsize, "HPDF_Page_SetFontAndSize"),
    SYM(page_setgrayfill, "HPDF_Page_SetGrayFill"),
    SYM(page_setlinewidth, "HPDF_Page_SetLineWidth"),
    SYM(page_setsize, "HPDF_Page_SetSize"),
    SYM(page_stroke, "HPDF_Page_Stroke"),
    SYM(page_textout, "HPDF_Page_TextOut"),
    SYM(readfromstream, "HPDF_ReadFromStream"),
    SYM(savetostream, "HPDF_SaveToStream"),
    SYM(setcompressionmode, "HPDF_SetCompressionMode"),
    SYM(setinfoattr, "HPDF_SetInfoAttr"),
};
#undef SYM
static pf_dynlib hpdf_lib = PF_DYNLIB("libhpdf-2.3.0.so", hpdf_syms, &hp);
#define HPDF_AddPage (hp.addpage)
#define HPDF_Font_TextWidth (hp.font_textwidth)
#define HPDF_Free (hp.free)
#define HPDF_GetFont (hp.getfont)
#define HPDF_GetStreamSize (hp.getstreamsize)
#define HPDF_New (hp.new)
#define HPDF_Page_BeginText (hp.page_begintext)
#define HPDF_Page_EndText (hp.page_endtext)
#define HPDF_Page_Fill (hp.page_fill)
#define HPDF_Page_LineTo (hp.page_lineto)
#define HPDF_Page_MoveTo (hp.page_moveto)
#define HPDF_Page_Rectangle (hp.page_rectangle)
#define HPDF_Page_SetFontAndSize (hp.page_setfontandsize)
#define HPDF_Page_SetGrayFill (hp.page_setgrayfill)
#define HPDF_Page_SetLineWidth (hp.page_setlinewidth)
#define HPDF_Page_SetSize (hp.page_setsize)
#define HPDF_Page_Stroke (hp.page_stroke)
#define HPDF_Page_TextOut (hp.page_textout)
#define HPDF_ReadFromStream (hp.readfromstream)
#define HPDF_SaveToStream (hp.savetostream)
#define HPDF_SetCompressionMode (hp.setcompressionmode)
#define HPDF_SetInfoAttr (hp.setinfoattr)

/* Bound on every figure of one line: keeps the sums of PF_INVOICE_MAX_LINES + 1 lines far from overflow
 * (10^15 paise is ten lakh crore rupees, beyond any real invoice). */
#define MAX_FIGURE 1000000000000000LL

/* ---- states ---- */

/* GST state codes (the first two digits of a GSTIN), by normalised name; alternative spellings repeat a code.
 */
static const struct {
    const char *name; /* normalised: lower case, "&" spelled "and", single spaces */
    int code;         /* GST state code */
} state_codes[] = {
    {"jammu and kashmir", 1},
    {"himachal pradesh", 2},
    {"punjab", 3},
    {"chandigarh", 4},
    {"uttarakhand", 5},
    {"uttaranchal", 5},
    {"haryana", 6},
    {"delhi", 7},
    {"new delhi", 7},
    {"nct of delhi", 7},
    {"rajasthan", 8},
    {"uttar pradesh", 9},
    {"bihar", 10},
    {"sikkim", 11},
    {"arunachal pradesh", 12},
    {"nagaland", 13},
    {"manipur", 14},
    {"mizoram", 15},
    {"tripura", 16},
    {"meghalaya", 17},
    {"assam", 18},
    {"west bengal", 19},
    {"jharkhand", 20},
    {"odisha", 21},
    {"orissa", 21},
    {"chhattisgarh", 22},
    {"madhya pradesh", 23},
    {"gujarat", 24},
    {"dadra and nagar haveli and daman and diu", 26},
    {"dadra and nagar haveli", 26},
    {"daman and diu", 26},
    {"maharashtra", 27},
    {"karnataka", 29},
    {"goa", 30},
    {"lakshadweep", 31},
    {"kerala", 32},
    {"tamil nadu", 33},
    {"puducherry", 34},
    {"pondicherry", 34},
    {"andaman and nicobar islands", 35},
    {"telangana", 36},
    {"andhra pradesh", 37},
    {"ladakh", 38},
};

/* Lower-cases s into out, trims it, collapses runs of spaces and spells '&' as "and". */
static void state_norm(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (; s && *s && n + 5 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isspace(ch)) {
            space = n > 0;
            continue;
        }
        if (space) out[n++] = ' ';
        space = false;
        if (ch == '&') {
            memcpy(out + n, "and", 3);
            n += 3;
        } else {
            out[n++] = (char)tolower(ch);
        }
    }
    out[n] = 0;
}

int pf_invoice_state_code(const char *state)
{
    char norm[96];
    state_norm(state, norm, sizeof norm);
    for (size_t i = 0; i < sizeof state_codes / sizeof state_codes[0]; i++)
        if (!strcmp(norm, state_codes[i].name)) return state_codes[i].code;
    return 0;
}

/* Intra-state when both name the same state (engine/shipping.h: by name, ignoring case and spaces), or when
 * both spellings are known to share one GST state code ("Orissa" and "Odisha", "Jammu & Kashmir"). */
static bool same_state(const char *a, const char *b)
{
    if (pf_gst_intra_state(a, b)) return true;
    int ca = pf_invoice_state_code(a);
    return ca && ca == pf_invoice_state_code(b);
}

/* ---- arithmetic ---- */

void pf_invoice_gst_split(int64_t gst, int64_t *cgst, int64_t *sgst)
{
    *sgst = gst / 2;
    *cgst = gst - *sgst;
}

void pf_invoice_totals_clear(pf_invoice_totals *t)
{
    if (!t) return;
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static bool blank(const char *s)
{
    if (!s) return true;
    while (isspace((unsigned char)*s))
        s++;
    return *s == 0;
}

static pf_err check_line(const pf_invoice_line *l, const char *what, size_t i, pf_errbuf *eb)
{
    if (l->quantity < 1 || l->quantity > MAX_FIGURE)
        return pf_errf(eb, PF_E_INVAL, "%s %zu: quantity %" PRId64 " outside 1..10^15", what, i, l->quantity);
    if (l->amount < 0 || l->amount > MAX_FIGURE)
        return pf_errf(eb, PF_E_INVAL, "%s %zu: amount %" PRId64 " outside 0..10^15 paise", what, i,
                       l->amount);
    if (l->discount < 0 || l->discount > l->amount)
        return pf_errf(eb, PF_E_INVAL, "%s %zu: discount %" PRId64 " outside 0..amount %" PRId64, what, i,
                       l->discount, l->amount);
    if (l->gst < 0 || l->gst > MAX_FIGURE)
        return pf_errf(eb, PF_E_INVAL, "%s %zu: gst %" PRId64 " outside 0..10^15 paise", what, i, l->gst);
    if (!isfinite(l->gst_pct) || l->gst_pct < 0 || l->gst_pct > 100)
        return pf_errf(eb, PF_E_INVAL, "%s %zu: gst_pct %g outside 0..100", what, i, l->gst_pct);
    return PF_E_OK;
}

/* Adds one line into its tax summary row (same HSN/SAC and rate), creating the row when new. */
static void add_to_rows(pf_invoice_tax_row *rows, size_t *nrows, const pf_invoice_line *l)
{
    const char *hsn = l->hsn ? l->hsn : "";
    size_t i = 0;
    while (i < *nrows && !(rows[i].gst_pct == l->gst_pct && !strcmp(rows[i].hsn, hsn)))
        i++;
    if (i == *nrows) {
        rows[i] = (pf_invoice_tax_row){.hsn = hsn, .gst_pct = l->gst_pct};
        (*nrows)++;
    }
    rows[i].taxable += l->amount - l->discount;
    rows[i].gst += l->gst;
}

pf_err pf_invoice_compute(const pf_invoice_doc *doc, pf_invoice_totals *out, pf_errbuf *eb)
{
    pf_invoice_totals t = {0};
    pf_err err = PF_E_OK;
    if (blank(doc->number)) return pf_errf(eb, PF_E_INVAL, "number: required");
    if (blank(doc->seller.name)) return pf_errf(eb, PF_E_INVAL, "seller.name: required");
    if (blank(doc->seller.state)) return pf_errf(eb, PF_E_INVAL, "seller.state: required");
    if (blank(doc->buyer.name)) return pf_errf(eb, PF_E_INVAL, "buyer.name: required");
    if (blank(doc->place_of_supply)) return pf_errf(eb, PF_E_INVAL, "place_of_supply: required");
    if (!doc->lines || doc->nlines == 0 || doc->nlines > PF_INVOICE_MAX_LINES)
        return pf_errf(eb, PF_E_INVAL, "lines: %zu lines, 1..%d allowed", doc->lines ? doc->nlines : 0,
                       PF_INVOICE_MAX_LINES);
    if (doc->nrefs && !doc->refs) return pf_errf(eb, PF_E_INVAL, "refs: NULL with nrefs %zu", doc->nrefs);
    for (size_t i = 0; i < doc->nlines; i++)
        if ((err = check_line(&doc->lines[i], "line", i + 1, eb))) return err;
    if (doc->shipping && (err = check_line(doc->shipping, "shipping line", 1, eb))) return err;

    t.rows = calloc(doc->nlines + 1, sizeof *t.rows);
    if (!t.rows) return pf_errf(eb, PF_E_NOMEM, "invoice tax rows");
    t.intra = same_state(doc->seller.state, doc->place_of_supply);
    for (size_t i = 0; i <= doc->nlines; i++) {
        const pf_invoice_line *l = i < doc->nlines ? &doc->lines[i] : doc->shipping;
        if (!l) break;
        /* Each figure is at most 10^15 and there are at most 1001 lines: no sum below can overflow. */
        t.amount += l->amount;
        t.discount += l->discount;
        t.gst += l->gst;
        add_to_rows(t.rows, &t.nrows, l);
    }
    t.taxable = t.amount - t.discount;
    for (size_t i = 0; i < t.nrows; i++) {
        pf_invoice_tax_row *r = &t.rows[i];
        if (t.intra)
            pf_invoice_gst_split(r->gst, &r->cgst, &r->sgst);
        else
            r->igst = r->gst;
        t.cgst += r->cgst;
        t.sgst += r->sgst;
        t.igst += r->igst;
    }
    t.total = t.taxable + t.gst;
    if (t.total != doc->total) {
        char a[PF_PRICE_INR_BUFSZ], b[PF_PRICE_INR_BUFSZ];
        err = pf_errf(eb, PF_E_INVAL, "total: the lines add up to %s, not %s",
                      pf_price_format_plain(t.total, a), pf_price_format_plain(doc->total, b));
        pf_invoice_totals_clear(&t);
        return err;
    }
    *out = t;
    return PF_E_OK;
}

/* ---- amount in words ---- */

/* A bounded string builder; overflow is sticky. */
typedef struct wbuf {
    char *s;       /* output */
    size_t n, cap; /* used bytes (without NUL) and capacity */
    bool over;     /* something did not fit */
} wbuf;

/* Appends word, preceded by a space unless it starts the text or joins with a hyphen. */
static void wput(wbuf *w, const char *word, bool hyphen)
{
    size_t l = strlen(word), sep = w->n > 0 ? 1 : 0;
    if (w->over || w->n + sep + l + 1 > w->cap) {
        w->over = true;
        return;
    }
    if (sep) w->s[w->n++] = hyphen ? '-' : ' ';
    memcpy(w->s + w->n, word, l + 1);
    w->n += l;
}

static const char *const ones[] = {"Zero",    "One",     "Two",       "Three",    "Four",
                                   "Five",    "Six",     "Seven",     "Eight",    "Nine",
                                   "Ten",     "Eleven",  "Twelve",    "Thirteen", "Fourteen",
                                   "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
static const char *const tens[] = {"",      "",      "Twenty",  "Thirty", "Forty",
                                   "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"};

/* 1..99: "Thirty-Four". */
static void words_99(wbuf *w, unsigned n)
{
    if (n < 20) {
        wput(w, ones[n], false);
        return;
    }
    wput(w, tens[n / 10], false);
    if (n % 10) wput(w, ones[n % 10], true);
}

/* 1..999: "Two Hundred Thirty-Four". */
static void words_999(wbuf *w, unsigned n)
{
    if (n >= 100) {
        wput(w, ones[n / 100], false);
        wput(w, "Hundred", false);
    }
    if (n % 100) words_99(w, n % 100);
}

/* n >= 1 in Indian numbering: [crores] Crore, then lakhs (two digits), thousands (two digits), the rest. The
 * crore count is itself written in Indian numbering, so scales repeat past 99 crore ("One Thousand Crore").
 */
static void words_indian(wbuf *w, uint64_t n)
{
    if (n >= 10000000) {
        words_indian(w, n / 10000000);
        wput(w, "Crore", false);
        n %= 10000000;
    }
    if (n >= 100000) {
        words_99(w, (unsigned)(n / 100000));
        wput(w, "Lakh", false);
        n %= 100000;
    }
    if (n >= 1000) {
        words_99(w, (unsigned)(n / 1000));
        wput(w, "Thousand", false);
        n %= 1000;
    }
    if (n) words_999(w, (unsigned)n);
}

pf_err pf_invoice_amount_words(int64_t paise, char buf[PF_INVOICE_WORDS_BUFSZ], pf_errbuf *eb)
{
    if (paise < 0) return pf_errf(eb, PF_E_INVAL, "amount %" PRId64 " paise is negative", paise);
    char tmp[PF_INVOICE_WORDS_BUFSZ];
    wbuf w = {tmp, 0, sizeof tmp, false};
    tmp[0] = 0;
    uint64_t rupees = (uint64_t)paise / 100;
    unsigned p = (unsigned)((uint64_t)paise % 100);
    wput(&w, "Rupees", false);
    if (rupees)
        words_indian(&w, rupees);
    else
        wput(&w, "Zero", false);
    if (p) {
        wput(&w, "and", false);
        words_99(&w, p);
        wput(&w, p == 1 ? "Paisa" : "Paise", false);
    }
    wput(&w, "Only", false);
    if (w.over) return pf_errf(eb, PF_E_INVAL, "amount %" PRId64 ": words too long", paise);
    memcpy(buf, tmp, w.n + 1);
    return PF_E_OK;
}

/* ---- text for the built-in fonts ---- */

/* UTF-8 to WinAnsi (CP1252): ASCII and Latin-1 pass, a few typographic marks map to their CP1252 bytes, the
 * rupee sign becomes "Rs.", control characters become spaces (newlines kept) and everything else '?'.
 * Returns a malloc'd string or NULL (NOMEM). */
static char *winansi(const char *s)
{
    if (!s) s = "";
    size_t cap = strlen(s) * 3 + 1; /* "Rs." from a 3-byte sequence is the largest growth: 1 per byte */
    char *out = malloc(cap), *o = out;
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int n;
        if (p[0] < 0x80)
            cp = p[0], n = 1;
        else if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80)
            cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F), n = 2;
        else if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
            cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F), n = 3;
        else if ((p[0] & 0xF8) == 0xF0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
                 (p[3] & 0xC0) == 0x80)
            cp = 0x110000, n = 4; /* outside the BMP: never in WinAnsi */
        else
            cp = 0xFFFD, n = 1; /* a byte that starts no valid sequence */
        p += n;
        if (cp == '\n' || (cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF))
            *o++ = (char)cp;
        else if (cp < 0x20 || cp == 0x7F)
            *o++ = ' ';
        else if (cp == 0x20B9)
            memcpy(o, "Rs.", 3), o += 3;
        else if (cp == 0x2013)
            *o++ = (char)0x96;
        else if (cp == 0x2014)
            *o++ = (char)0x97;
        else if (cp == 0x2018 || cp == 0x2019)
            *o++ = (char)(0x91 + (cp - 0x2018));
        else if (cp == 0x201C || cp == 0x201D)
            *o++ = (char)(0x93 + (cp - 0x201C));
        else if (cp == 0x2022)
            *o++ = (char)0x95;
        else if (cp == 0x2026)
            *o++ = (char)0x85;
        else if (cp == 0x20AC)
            *o++ = (char)0x80;
        else
            *o++ = '?';
    }
    *o = 0;
    return out;
}

/* Money for the PDF: Indian grouping without the rupee sign ("1,23,456.78"); headers say "Rs.". */
static char *money(int64_t paise, char buf[PF_PRICE_INR_BUFSZ])
{
    pf_price_format_inr(paise, buf);
    char *sign = strstr(buf, "\u20b9");
    if (sign) memmove(sign, sign + 3, strlen(sign + 3) + 1);
    return buf;
}

/* A rate without needless decimals: "18%", "2.5%", "0.25%". */
static char *pct_text(double pct, char buf[24])
{
    snprintf(buf, 24, "%.2f", pct);
    char *e = buf + strlen(buf);
    while (e[-1] == '0')
        *--e = 0;
    if (e[-1] == '.') *--e = 0;
    strcat(buf, "%");
    return buf;
}

/* The date in India (UTC+05:30), "01 Dec 2026". */
static char *date_text(int64_t t, char buf[32])
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t ist = (time_t)(t + 19800);
    struct tm tm;
    if (!gmtime_r(&ist, &tm)) {
        snprintf(buf, 32, "-");
        return buf;
    }
    snprintf(buf, 32, "%02d %s %04d", tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900);
    return buf;
}

/* ---- PDF ---- */

#define PAGE_W 595.276f
#define PAGE_H 841.89f
#define LEFT 36.0f
#define RIGHT (PAGE_W - 36.0f)
#define TOP (PAGE_H - 36.0f)
#define BOTTOM 56.0f /* lowest baseline of content; the footer sits below */
#define BODY 8.5f    /* body font size */
#define LEAD 11.0f   /* body line height */
#define MAX_WRAP 64  /* most wrapped lines one text block may take */

/* Rendering state. */
typedef struct pdf {
    HPDF_Doc doc;               /* the document */
    HPDF_Font reg, bold;        /* Helvetica, Helvetica-Bold (WinAnsi) */
    HPDF_Page *pages;           /* every page, in order (for the footers) */
    size_t npages, cap;         /* pages used and allocated */
    HPDF_Page page;             /* current page */
    float y;                    /* current baseline */
    HPDF_STATUS err, detail;    /* first libharu error (0 = none) */
    bool nomem;                 /* an allocation of ours failed */
    bool rounded_unit;          /* some unit price shown is rounded (amount not a multiple of quantity) */
    const pf_invoice_doc *d;    /* the document */
    const pf_invoice_totals *t; /* its totals */
    char *number;               /* d->number in WinAnsi */
} pdf;

static void on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    pdf *p = user_data;
    if (!p->err) p->err = error_no, p->detail = detail_no;
}

static bool failed(const pdf *p)
{
    return p->err || p->nomem;
}

static float text_width(HPDF_Font f, float size, const char *s, size_t len)
{
    if (!len) return 0;
    HPDF_TextWidth tw = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)s, (HPDF_UINT)len);
    return (float)tw.width * size / 1000.0f;
}

/* Draws s (WinAnsi) with its left edge at x, or its right edge at x when align_right. */
static void put(pdf *p, float x, float y, HPDF_Font f, float size, const char *s, bool align_right)
{
    if (failed(p) || !s || !*s) return;
    if (align_right) x -= text_width(f, size, s, strlen(s));
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, f, size);
    HPDF_Page_TextOut(p->page, x, y, s);
    HPDF_Page_EndText(p->page);
}

/* Draws s in a cell of width w, shrinking the font (down to 5 pt) rather than letting it spill over. */
static void put_fit(pdf *p, float x, float y, float w, HPDF_Font f, float size, const char *s,
                    bool align_right)
{
    float width = text_width(f, size, s, strlen(s));
    if (width > w && width > 0) size = size * w / width < 5.0f ? 5.0f : size * w / width;
    put(p, align_right ? x + w : x, y, f, size, s, align_right);
}

/* Converts s and draws it (a UTF-8 convenience for labels built from document fields). */
static void put_u(pdf *p, float x, float y, HPDF_Font f, float size, const char *utf8, bool align_right)
{
    char *s = winansi(utf8);
    if (!s) {
        p->nomem = true;
        return;
    }
    put(p, x, y, f, size, s, align_right);
    free(s);
}

/* Word-wraps s (WinAnsi, '\n' breaks lines) into lines no wider than w: starts[i]/lens[i]; returns the count
 * (at most MAX_WRAP lines: text beyond them is not shown; callers bound what they pass). */
static size_t wrap(HPDF_Font f, float size, float w, const char *s, size_t starts[MAX_WRAP],
                   size_t lens[MAX_WRAP])
{
    size_t n = 0, i = 0, len = strlen(s);
    while (i < len && n < MAX_WRAP) {
        size_t eol = i + strcspn(s + i, "\n"), end = i, best = i;
        if (eol == i) { /* an empty line */
            starts[n] = i, lens[n] = 0, n++;
            i = eol + 1;
            continue;
        }
        /* Extend word by word while the line fits. */
        while (end < eol) {
            size_t next = end;
            while (next < eol && s[next] == ' ')
                next++;
            while (next < eol && s[next] != ' ')
                next++;
            if (text_width(f, size, s + i, next - i) > w) break;
            end = best = next;
        }
        if (best == i) { /* a single word wider than the line: break it where it stops fitting */
            best = i + 1;
            while (best < eol && text_width(f, size, s + i, best + 1 - i) <= w)
                best++;
        }
        starts[n] = i, lens[n] = best - i, n++;
        i = best;
        while (i < eol && s[i] == ' ')
            i++;
        if (i == eol && eol < len) i = eol + 1;
    }
    return n;
}

/* Draws wrapped text from the current position down; returns the lines drawn. */
static size_t put_wrapped(pdf *p, float x, float y, float w, HPDF_Font f, float size, float lead,
                          const char *utf8)
{
    char *s = winansi(utf8);
    if (!s) {
        p->nomem = true;
        return 0;
    }
    size_t st[MAX_WRAP], ln[MAX_WRAP], n = wrap(f, size, w, s, st, ln);
    for (size_t i = 0; i < n; i++) {
        char save = s[st[i] + ln[i]];
        s[st[i] + ln[i]] = 0;
        put(p, x, y - (float)i * lead, f, size, s + st[i], false);
        s[st[i] + ln[i]] = save;
    }
    free(s);
    return n;
}

/* Lines wrapped text would take (for layout before drawing). */
static size_t count_wrapped(pdf *p, float w, HPDF_Font f, float size, const char *utf8)
{
    char *s = winansi(utf8);
    if (!s) {
        p->nomem = true;
        return 1;
    }
    size_t st[MAX_WRAP], ln[MAX_WRAP], n = wrap(f, size, w, s, st, ln);
    free(s);
    return n ? n : 1;
}

static void hline(pdf *p, float x0, float x1, float y, float width)
{
    if (failed(p)) return;
    HPDF_Page_SetLineWidth(p->page, width);
    HPDF_Page_MoveTo(p->page, x0, y);
    HPDF_Page_LineTo(p->page, x1, y);
    HPDF_Page_Stroke(p->page);
}

static void shade(pdf *p, float x, float y, float w, float h)
{
    if (failed(p)) return;
    HPDF_Page_SetGrayFill(p->page, 0.9f);
    HPDF_Page_Rectangle(p->page, x, y, w, h);
    HPDF_Page_Fill(p->page);
    HPDF_Page_SetGrayFill(p->page, 0.0f);
}

/* Starts a page; continuation pages get a one-line header. */
static void new_page(pdf *p)
{
    if (failed(p)) return;
    if (p->npages == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        HPDF_Page *g = realloc(p->pages, cap * sizeof *g);
        if (!g) {
            p->nomem = true;
            return;
        }
        p->pages = g, p->cap = cap;
    }
    p->page = HPDF_AddPage(p->doc);
    if (!p->page) return;
    HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    p->pages[p->npages++] = p->page;
    p->y = TOP;
    if (p->npages > 1) {
        put_u(p, LEFT, p->y - 10, p->bold, 10, p->d->seller.name, false);
        char line[160];
        snprintf(line, sizeof line, "Tax Invoice %s (continued)", p->number);
        put(p, RIGHT, p->y - 10, p->bold, 10, line, true);
        p->y -= 18;
        hline(p, LEFT, RIGHT, p->y, 0.5f);
        p->y -= 14;
    }
}

/* ---- items table ---- */

/* Columns of the items table. */
enum { C_NO, C_DESC, C_HSN, C_QTY, C_RATE, C_AMOUNT, C_DISC, C_TAXABLE, NCOLS };
static const struct {
    const char *title; /* header text */
    float w;           /* width, pt (they add up to RIGHT - LEFT) */
    bool right;        /* right-aligned */
} cols[NCOLS] = {
    {"#", 18, false},       {"Description", 181.276f, false}, {"HSN/SAC", 42, false},
    {"Qty", 34, true},      {"Unit price", 60, true},         {"Amount", 64, true},
    {"Discount", 60, true}, {"Taxable value", 64, true},
};
#define PAD 3.0f

static float col_x(int c)
{
    float x = LEFT;
    for (int i = 0; i < c; i++)
        x += cols[i].w;
    return x;
}

static void table_header(pdf *p)
{
    shade(p, LEFT, p->y - 14, RIGHT - LEFT, 14);
    for (int c = 0; c < NCOLS; c++)
        put_fit(p, col_x(c) + PAD, p->y - 10, cols[c].w - 2 * PAD, p->bold, 7.5f, cols[c].title,
                cols[c].right);
    p->y -= 14;
    hline(p, LEFT, RIGHT, p->y, 0.5f);
}

/* Moves to a new page when h points do not fit above the bottom margin; returns true if it did. */
static bool need(pdf *p, float h)
{
    if (p->y - h >= BOTTOM) return false;
    new_page(p);
    return true;
}

/* One row of the items table: number, wrapped description with its reference below, figures. */
static void item_row(pdf *p, size_t no, const pf_invoice_line *l)
{
    float dw = cols[C_DESC].w - 2 * PAD;
    size_t dl = count_wrapped(p, dw, p->reg, BODY, l->description ? l->description : "");
    size_t rl = blank(l->reference) ? 0 : count_wrapped(p, dw, p->reg, 7, l->reference);
    float h = (float)dl * LEAD + (float)rl * 9.0f + 5;
    if (need(p, h)) table_header(p);
    float base = p->y - 10;
    char num[32], a[PF_PRICE_INR_BUFSZ];
    if (no)
        snprintf(num, sizeof num, "%zu", no);
    else
        num[0] = 0;
    put(p, col_x(C_NO) + PAD, base, p->reg, BODY, num, false);
    put_wrapped(p, col_x(C_DESC) + PAD, base, dw, p->reg, BODY, LEAD, l->description ? l->description : "");
    if (rl) put_wrapped(p, col_x(C_DESC) + PAD, base - (float)dl * LEAD + 1, dw, p->reg, 7, 9, l->reference);
    char *hsn = winansi(l->hsn ? l->hsn : "");
    if (!hsn) {
        p->nomem = true;
        return;
    }
    put_fit(p, col_x(C_HSN) + PAD, base, cols[C_HSN].w - 2 * PAD, p->reg, BODY, hsn, false);
    free(hsn);
    snprintf(num, sizeof num, "%" PRId64, l->quantity);
    put_fit(p, col_x(C_QTY) + PAD, base, cols[C_QTY].w - 2 * PAD, p->reg, BODY, num, true);
    /* The unit price is the amount per unit to the nearest paisa, starred when rounded: the line was priced
     * for the whole quantity, so the amount is the figure that adds up. */
    int64_t unit = (l->amount + l->quantity / 2) / l->quantity;
    const int64_t fig[] = {unit, l->amount, l->discount, l->amount - l->discount};
    for (int c = C_RATE; c <= C_TAXABLE; c++) {
        money(fig[c - C_RATE], a);
        if (c == C_RATE && l->amount % l->quantity) {
            strcat(a, "*");
            p->rounded_unit = true;
        }
        put_fit(p, col_x(c) + PAD, base, cols[c].w - 2 * PAD, p->reg, BODY, a, true);
    }
    p->y -= h;
    hline(p, LEFT, RIGHT, p->y, 0.25f);
}

/* ---- header blocks ---- */

/* "Karnataka (29)" or the name alone when the code is unknown. */
static void state_line(const char *label, const char *state, char *out, size_t cap)
{
    int code = pf_invoice_state_code(state);
    if (code)
        snprintf(out, cap, "%s%s (State code %02d)", label, state, code);
    else
        snprintf(out, cap, "%s%s", label, state);
}

/* A party's lines (name first, bold); returns the lowest baseline used. */
static float party_block(pdf *p, float x, float y, float w, const pf_invoice_party *a, bool seller)
{
    char line[512];
    y -= (float)put_wrapped(p, x, y, w, p->bold, seller ? 14 : 10, seller ? 16 : LEAD, a->name) *
         (seller ? 16 : LEAD);
    if (!blank(a->address)) y -= (float)put_wrapped(p, x, y, w, p->reg, BODY, LEAD, a->address) * LEAD;
    if (!blank(a->city) || !blank(a->pin)) {
        snprintf(line, sizeof line, "%s%s%s", a->city ? a->city : "",
                 !blank(a->city) && !blank(a->pin) ? " - " : "", a->pin ? a->pin : "");
        y -= (float)put_wrapped(p, x, y, w, p->reg, BODY, LEAD, line) * LEAD;
    }
    if (!blank(a->state)) {
        state_line("State: ", a->state, line, sizeof line);
        y -= (float)put_wrapped(p, x, y, w, p->reg, BODY, LEAD, line) * LEAD;
    }
    if (seller || !blank(a->gstin)) {
        snprintf(line, sizeof line, "GSTIN: %s", blank(a->gstin) ? "Unregistered" : a->gstin);
        y -= (float)put_wrapped(p, x, y, w, seller ? p->bold : p->reg, BODY, LEAD, line) * LEAD;
    }
    if (!blank(a->phone)) {
        snprintf(line, sizeof line, "Phone: %s", a->phone);
        y -= (float)put_wrapped(p, x, y, w, p->reg, BODY, LEAD, line) * LEAD;
    }
    if (!blank(a->email)) {
        snprintf(line, sizeof line, "Email: %s", a->email);
        y -= (float)put_wrapped(p, x, y, w, p->reg, BODY, LEAD, line) * LEAD;
    }
    return y + LEAD;
}

static void first_page_header(pdf *p)
{
    const pf_invoice_doc *d = p->d;
    char line[512], dt[32];
    float rx = 370, rw = RIGHT - rx;
    float ly = party_block(p, LEFT, p->y - 14, rx - LEFT - 12, &d->seller, true);
    float ry = p->y - 14;
    put(p, RIGHT, ry, p->bold, 16, "TAX INVOICE", true);
    ry -= 12;
    put(p, RIGHT, ry, p->reg, 7, "Original for recipient", true);
    ry -= 16;
    const char *labels[] = {"Invoice no:", "Invoice date:", "Place of supply:", "Reverse charge:"};
    char pos[160];
    state_line("", d->place_of_supply, pos, sizeof pos);
    const char *values[] = {d->number, date_text(d->date, dt), pos, "No"};
    for (int i = 0; i < 4; i++) {
        put(p, rx, ry, p->bold, BODY, labels[i], false);
        ry -= (float)put_wrapped(p, rx + 70, ry, rw - 70, p->reg, BODY, LEAD, values[i]) * LEAD;
    }
    if (d->nrefs) {
        size_t n = 0;
        line[0] = 0;
        for (size_t i = 0; i < d->nrefs && n + 4 < sizeof line; i++)
            n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", i ? ", " : "",
                                  d->refs[i] ? d->refs[i] : "");
        put(p, rx, ry, p->bold, BODY, d->nrefs > 1 ? "Orders:" : "Order:", false);
        ry -= (float)put_wrapped(p, rx + 70, ry, rw - 70, p->reg, BODY, LEAD, line) * LEAD;
    }
    p->y = (ly < ry ? ly : ry) - 6;
    hline(p, LEFT, RIGHT, p->y, 0.75f);
    p->y -= 14;
    put(p, LEFT, p->y, p->bold, BODY, "Bill to / Ship to", false);
    p->y -= 13;
    p->y = party_block(p, LEFT, p->y, RIGHT - LEFT, &d->buyer, false) - 10;
}

/* ---- totals, tax summary, payment ---- */

/* One label/value line of the totals block, right-aligned. */
static void total_line(pdf *p, const char *label, int64_t v, bool strong)
{
    char a[PF_PRICE_INR_BUFSZ];
    need(p, LEAD + 2);
    HPDF_Font f = strong ? p->bold : p->reg;
    float size = strong ? 10 : BODY;
    put(p, RIGHT - 100, p->y - 9, f, size, label, true);
    put(p, RIGHT - PAD, p->y - 9, f, size, money(v, a), true);
    p->y -= strong ? LEAD + 3 : LEAD;
}

/* Tax summary columns: HSN, taxable, then (rate, amount) per tax, then total tax. */
static void summary_header(pdf *p, bool intra, const float *x, int nc)
{
    const char *intra_t[] = {"HSN/SAC",   "Taxable value", "CGST rate", "CGST",
                             "SGST rate", "SGST",          "Total tax"};
    const char *inter_t[] = {"HSN/SAC", "Taxable value", "IGST rate", "IGST", "Total tax"};
    const char *const *t = intra ? intra_t : inter_t;
    shade(p, LEFT, p->y - 14, RIGHT - LEFT, 14);
    for (int c = 0; c < nc; c++)
        put_fit(p, x[c] + PAD, p->y - 10, x[c + 1] - x[c] - 2 * PAD, p->bold, 7.5f, t[c], c > 0);
    p->y -= 14;
}

static void summary_row(pdf *p, bool intra, const float *x, int nc, const char *hsn,
                        const pf_invoice_tax_row *r, bool strong)
{
    char a[7][PF_PRICE_INR_BUFSZ], half[24];
    const char *v[7];
    int i = 0;
    v[i++] = hsn;
    v[i++] = money(r->taxable, a[1]);
    if (intra) {
        v[i++] = strong ? "" : pct_text(r->gst_pct / 2, half);
        v[i++] = money(r->cgst, a[3]);
        v[i++] = strong ? "" : half;
        v[i++] = money(r->sgst, a[5]);
    } else {
        v[i++] = strong ? "" : pct_text(r->gst_pct, half);
        v[i++] = money(r->igst, a[3]);
    }
    v[i++] = money(r->gst, a[6]);
    HPDF_Font f = strong ? p->bold : p->reg;
    for (int c = 0; c < nc; c++)
        put_fit(p, x[c] + PAD, p->y - 10, x[c + 1] - x[c] - 2 * PAD, f, BODY, v[c], c > 0);
    p->y -= 13;
    hline(p, LEFT, RIGHT, p->y, 0.25f);
}

static void tax_summary(pdf *p)
{
    const pf_invoice_totals *t = p->t;
    float xi[] = {LEFT, LEFT + 95, LEFT + 185, LEFT + 250, LEFT + 325, LEFT + 390, LEFT + 460, RIGHT};
    float xo[] = {LEFT, LEFT + 140, LEFT + 260, LEFT + 330, LEFT + 430, RIGHT};
    const float *x = t->intra ? xi : xo;
    int nc = t->intra ? 7 : 5;
    need(p, 14 + 13 * 2 + 16);
    put(p, LEFT, p->y - 9, p->bold, BODY, "Tax summary", false);
    p->y -= 14;
    summary_header(p, t->intra, x, nc);
    for (size_t i = 0; i < t->nrows; i++) {
        if (need(p, 13)) summary_header(p, t->intra, x, nc);
        char *hsn = winansi(blank(t->rows[i].hsn) ? "-" : t->rows[i].hsn);
        if (!hsn) {
            p->nomem = true;
            return;
        }
        summary_row(p, t->intra, x, nc, hsn, &t->rows[i], false);
        free(hsn);
    }
    pf_invoice_tax_row all = {
        .taxable = t->taxable, .gst = t->gst, .cgst = t->cgst, .sgst = t->sgst, .igst = t->igst};
    if (need(p, 13)) summary_header(p, t->intra, x, nc);
    summary_row(p, t->intra, x, nc, "Total", &all, true);
    p->y -= 8;
}

static void payment_block(pdf *p)
{
    const pf_invoice_doc *d = p->d;
    char line[640], dt[32];
    if (d->paid) {
        int n = snprintf(line, sizeof line, "Payment: PAID by UPI");
        if (d->paid_at > 0)
            n += snprintf(line + n, sizeof line - (size_t)n, " on %s", date_text(d->paid_at, dt));
        if (!blank(d->payment_ref))
            snprintf(line + n, sizeof line - (size_t)n, " (UPI reference %s)", d->payment_ref);
    } else {
        int n = snprintf(line, sizeof line, "Payment: PENDING");
        if (!blank(d->upi_id))
            n += snprintf(line + n, sizeof line - (size_t)n, ". Pay by UPI to %s", d->upi_id);
        if (!blank(d->upi_ref)) snprintf(line + n, sizeof line - (size_t)n, " quoting %s", d->upi_ref);
    }
    need(p, 2 * LEAD + 4);
    p->y -= (float)put_wrapped(p, LEFT, p->y - 9, RIGHT - LEFT, p->bold, BODY, LEAD, line) * LEAD;
    if (!blank(d->notes)) {
        need(p, 2 * LEAD);
        p->y -= (float)put_wrapped(p, LEFT, p->y - 9, RIGHT - LEFT, p->reg, BODY, LEAD, d->notes) * LEAD;
    }
}

static void closing(pdf *p)
{
    char line[300];
    need(p, 50);
    snprintf(line, sizeof line, "For %s", p->d->seller.name);
    p->y -= 14;
    put_u(p, RIGHT, p->y, p->bold, BODY, line, true);
    p->y -= 24;
    put(p, RIGHT, p->y, p->reg, BODY, "Authorised signatory", true);
    put(p, LEFT, p->y, p->reg, 7, "This is a computer-generated invoice.", false);
}

static void footers(pdf *p)
{
    char line[200];
    for (size_t i = 0; i < p->npages && !failed(p); i++) {
        p->page = p->pages[i];
        hline(p, LEFT, RIGHT, 40, 0.25f);
        snprintf(line, sizeof line, "Invoice %s", p->number);
        put(p, LEFT, 28, p->reg, 7, line, false);
        snprintf(line, sizeof line, "Page %zu of %zu", i + 1, p->npages);
        put(p, RIGHT, 28, p->reg, 7, line, true);
    }
}

static void render(pdf *p)
{
    const pf_invoice_doc *d = p->d;
    const pf_invoice_totals *t = p->t;
    char a[PF_PRICE_INR_BUFSZ], words[PF_INVOICE_WORDS_BUFSZ];
    new_page(p);
    first_page_header(p);
    need(p, 14 + 3 * LEAD);
    table_header(p);
    for (size_t i = 0; i < d->nlines; i++)
        item_row(p, i + 1, &d->lines[i]);
    if (d->shipping) item_row(p, d->nlines + 1, d->shipping);
    /* The table's total row: the three columns that add up. */
    if (need(p, 16)) table_header(p);
    const int64_t fig[] = {t->amount, t->discount, t->taxable};
    put(p, col_x(C_DESC) + PAD, p->y - 10, p->bold, BODY, "Total", false);
    for (int c = C_AMOUNT; c <= C_TAXABLE; c++)
        put_fit(p, col_x(c) + PAD, p->y - 10, cols[c].w - 2 * PAD, p->bold, BODY, money(fig[c - C_AMOUNT], a),
                true);
    p->y -= 14;
    hline(p, LEFT, RIGHT, p->y, 0.75f);
    p->y -= 6;
    if (p->rounded_unit) {
        need(p, LEAD);
        put(p, LEFT, p->y - 8, p->reg, 7,
            "* Unit price rounded to the paisa: each line is priced for its whole quantity, and its amount "
            "is exact.",
            false);
        p->y -= LEAD;
    }

    total_line(p, "Amount (Rs.)", t->amount, false);
    total_line(p, "Less: discount", t->discount, false);
    total_line(p, "Taxable value", t->taxable, false);
    if (t->intra) {
        total_line(p, "CGST", t->cgst, false);
        total_line(p, "SGST", t->sgst, false);
    } else {
        total_line(p, "IGST", t->igst, false);
    }
    total_line(p, "Grand total (Rs.)", t->total, true);
    if (pf_invoice_amount_words(t->total, words, NULL) == PF_E_OK) {
        need(p, 2 * LEAD + 4);
        put(p, LEFT, p->y - 9, p->bold, BODY, "Amount in words:", false);
        p->y -=
            (float)put_wrapped(p, LEFT + 75, p->y - 9, RIGHT - LEFT - 75, p->reg, BODY, LEAD, words) * LEAD +
            8;
    }
    tax_summary(p);
    payment_block(p);
    closing(p);
    footers(p);
}

pf_err pf_invoice_pdf(const pf_invoice_doc *doc, uint8_t **out, size_t *out_len, pf_errbuf *eb)
{
    pf_invoice_totals t;
    pf_err err = pf_invoice_compute(doc, &t, eb);
    if (err) return err;
    pdf p = {.d = doc, .t = &t};
    uint8_t *buf = NULL;
    if ((err = pf_dynlib_load(&hpdf_lib, eb))) goto done;
    p.number = winansi(doc->number);
    if (!p.number) {
        err = pf_errf(eb, PF_E_NOMEM, "invoice number");
        goto done;
    }
    p.doc = HPDF_New(on_hpdf_error, &p);
    if (!p.doc) {
        err = pf_errf(eb, PF_E_NOMEM, "libharu document");
        goto done;
    }
    HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
    p.reg = HPDF_GetFont(p.doc, "Helvetica", "WinAnsiEncoding");
    p.bold = HPDF_GetFont(p.doc, "Helvetica-Bold", "WinAnsiEncoding");
    char title[200];
    snprintf(title, sizeof title, "Tax Invoice %s", p.number);
    HPDF_SetInfoAttr(p.doc, HPDF_INFO_TITLE, title);
    HPDF_SetInfoAttr(p.doc, HPDF_INFO_CREATOR, "PrintForge");
    if (!failed(&p)) render(&p);
    if (!failed(&p)) HPDF_SaveToStream(p.doc);
    if (p.nomem) {
        err = pf_errf(eb, PF_E_NOMEM, "invoice layout");
        goto done;
    }
    if (p.err) {
        err = pf_errf(eb, PF_E_IO, "libharu error 0x%04lX (detail %lu)", (unsigned long)p.err,
                      (unsigned long)p.detail);
        goto done;
    }
    HPDF_UINT32 size = HPDF_GetStreamSize(p.doc);
    buf = malloc(size ? size : 1);
    if (!buf) {
        err = pf_errf(eb, PF_E_NOMEM, "invoice PDF of %lu bytes", (unsigned long)size);
        goto done;
    }
    HPDF_UINT32 got = size;
    HPDF_STATUS rs = HPDF_ReadFromStream(p.doc, buf, &got);
    /* The whole stream is read at once; libharu reports the end of the stream as an "error". */
    if ((rs != HPDF_OK && rs != HPDF_STREAM_EOF) || got != size) {
        err = pf_errf(eb, PF_E_IO, "libharu read 0x%04lX: %lu of %lu bytes", (unsigned long)rs,
                      (unsigned long)got, (unsigned long)size);
        goto done;
    }
    *out = buf;
    *out_len = size;
    buf = NULL;
done:
    free(buf);
    if (p.doc) HPDF_Free(p.doc);
    free(p.pages);
    free(p.number);
    pf_invoice_totals_clear(&t);
    return err;
}
