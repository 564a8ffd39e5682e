/* GST tax invoices: the arithmetic (totals, CGST/SGST or IGST, amount in words in Indian numbering) and the
 * PDF (libharu, built in memory) of one plain invoice document. Pure: no storage, no HTTP, no clock.
 *
 * Money is integer paise. The document carries the figures exactly as they were frozen on the order(s); this
 * module never re-prices, it only adds up, splits GST between the Centre and the State, and checks that the
 * figures add up to the total the caller expects, to the paisa.
 *
 * Text is UTF-8. The PDF uses the built-in Helvetica fonts (WinAnsi encoding), which cover ASCII and Latin-1:
 * other characters are shown as '?' and the rupee sign as "Rs.". Thread-safe (no shared state). */
#ifndef PF_INVOICE_H
#define PF_INVOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* A seller or a buyer. Every string may be NULL or "" (the line is then left out), except where
 * pf_invoice_doc says otherwise. Borrowed: nothing is freed or kept by this module. */
typedef struct pf_invoice_party {
    const char *name;    /* company or person */
    const char *gstin;   /* 15-character GSTIN; buyers without one are shown as unregistered */
    const char *address; /* street lines ('\n' separates lines) */
    const char *city;    /* city */
    const char *state;   /* state or union territory, by name ("Karnataka") */
    const char *pin;     /* PIN code */
    const char *phone;   /* phone */
    const char *email;   /* email */
} pf_invoice_party;

/* One line of the invoice: an order line (goods) or the shipping service. */
typedef struct pf_invoice_line {
    const char *description; /* what was supplied: file name, material, color, infill, ... */
    const char *reference;   /* shown under the description (order tracking number, coupon); may be NULL */
    const char *hsn;         /* HSN code (goods) or SAC (services); may be NULL or "" */
    int64_t quantity;        /* units, >= 1 */
    int64_t amount;          /* value of all units before any discount, paise, >= 0 */
    int64_t discount;        /* discount on this line, paise, 0..amount */
    int64_t gst;             /* GST charged on the taxable value (amount - discount), paise, >= 0 */
    double gst_pct;          /* the GST rate shown for this line, 0..100 */
} pf_invoice_line;

/* The invoice document. */
typedef struct pf_invoice_doc {
    const char *number;              /* invoice number (required, non-empty) */
    int64_t date;                    /* invoice date, Unix seconds; printed as the date in India (IST) */
    const char *const *refs;         /* order or group references printed in the header; may be NULL */
    size_t nrefs;                    /* number of refs */
    pf_invoice_party seller;         /* the shop; seller.name and seller.state are required */
    pf_invoice_party buyer;          /* the customer; buyer.name is required */
    const char *place_of_supply;     /* state of the place of supply (required): decides CGST+SGST vs IGST */
    const pf_invoice_line *lines;    /* goods, in order; at least one */
    size_t nlines;                   /* number of lines (at most PF_INVOICE_MAX_LINES) */
    const pf_invoice_line *shipping; /* the shipping service line, NULL when there is none (pickup) */
    int64_t total;           /* the amount payable the caller expects: must equal the computed total */
    bool paid;               /* payment received */
    int64_t paid_at;         /* when (Unix seconds; 0 = unknown) */
    const char *payment_ref; /* UPI transaction reference when paid; may be NULL */
    const char *upi_id;      /* payee VPA shown on unpaid invoices; may be NULL */
    const char *upi_ref;     /* the reference to quote when paying (the tr of the UPI link); may be NULL */
    const char *notes;       /* remark printed below the totals (e.g. "Pickup at the shop"); may be NULL */
} pf_invoice_doc;

/* Most lines one invoice may have (a cart is much smaller; this bounds the work a document can ask for). */
#define PF_INVOICE_MAX_LINES 1000

/* One row of the tax summary: every line (and shipping) with the same HSN/SAC and rate, added up. */
typedef struct pf_invoice_tax_row {
    const char *hsn; /* borrowed from the first line of the group ("" when none) */
    double gst_pct;  /* rate */
    int64_t taxable; /* taxable value of the group */
    int64_t gst;     /* GST of the group: cgst + sgst, or igst */
    int64_t cgst;    /* intra-state: central half, gets the odd paisa (0 when inter-state) */
    int64_t sgst;    /* intra-state: state half (0 when inter-state) */
    int64_t igst;    /* inter-state: all of gst (0 when intra-state) */
} pf_invoice_tax_row;

/* The invoice's totals. amount - discount = taxable; cgst + sgst + igst = gst; taxable + gst = total. */
typedef struct pf_invoice_totals {
    bool intra;               /* place of supply in the seller's state: CGST + SGST; else IGST */
    int64_t amount;           /* sum of line amounts (shipping included), paise */
    int64_t discount;         /* sum of discounts */
    int64_t taxable;          /* sum of taxable values */
    int64_t gst;              /* sum of GST */
    int64_t cgst;             /* sum of the rows' cgst */
    int64_t sgst;             /* sum of the rows' sgst */
    int64_t igst;             /* sum of the rows' igst */
    int64_t total;            /* taxable + gst */
    size_t nrows;             /* tax summary rows */
    pf_invoice_tax_row *rows; /* malloc'd; released by pf_invoice_totals_clear */
} pf_invoice_totals;

/* Checks the document and adds it up. Errors: INVAL (a required field missing, a line with a bad quantity,
 * a negative figure, a discount above its amount, a rate outside 0..100, too many lines, a sum that would
 * overflow, or a computed total different from doc->total; eb names the line or field and both totals).
 * NOMEM. *out is set only on success; release it with pf_invoice_totals_clear. */
pf_err pf_invoice_compute(const pf_invoice_doc *doc, pf_invoice_totals *out, pf_errbuf *eb);
/* Frees out->rows and zeroes *t. Accepts NULL. */
void pf_invoice_totals_clear(pf_invoice_totals *t);

/* Splits an intra-state GST amount into its central and state halves that add up to it exactly: the odd
 * paisa goes to the central half. gst must be >= 0. */
void pf_invoice_gst_split(int64_t gst, int64_t *cgst, int64_t *sgst);

/* Big enough for the words of any non-negative int64 amount of paise. */
#define PF_INVOICE_WORDS_BUFSZ 640

/* The amount in words in Indian numbering (crore, lakh, thousand, hundred):
 * 123450 -> "Rupees One Thousand Two Hundred Thirty-Four and Fifty Paise Only", 0 -> "Rupees Zero Only",
 * 1 -> "Rupees Zero and One Paisa Only", 10000000000 -> "Rupees Ten Crore Only" (amounts of a thousand crore
 * and more repeat the scale: "One Thousand Crore"). Errors: INVAL (negative). buf (NUL-terminated) is
 * written only on success. */
pf_err pf_invoice_amount_words(int64_t paise, char buf[PF_INVOICE_WORDS_BUFSZ], pf_errbuf *eb);

/* The GST state code of a state or union territory by name (case and surrounding spaces ignored; a few
 * common alternative spellings accepted), e.g. "Karnataka" -> 29; 0 when unknown. */
int pf_invoice_state_code(const char *state);

/* Renders the document as a PDF (A4, as many pages as the lines need, each numbered "Page i of n" with the
 * table header repeated). Errors: those of pf_invoice_compute, NOMEM, IO (libharu failed; eb has its error
 * number). On success *pdf is a malloc'd buffer of *len bytes that the caller frees. */
pf_err pf_invoice_pdf(const pf_invoice_doc *doc, uint8_t **pdf, size_t *len, pf_errbuf *eb);

#endif
