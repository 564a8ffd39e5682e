/* GST invoices (engine/invoice.h): amounts in words in Indian numbering, the CGST/SGST split, totals that add
 * up to the paisa for intra- and inter-state documents, validation, and the PDF's text through pdftotext. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/invoice.h"
#include "engine/price.h"
#include "pdf_text_util.h"

/* ---- amount in words ---- */

static void expect_words(int64_t paise, const char *want)
{
    char buf[PF_INVOICE_WORDS_BUFSZ];
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_invoice_amount_words(paise, buf, &eb), PF_E_OK, "%" PRId64 ": %s", paise, eb.msg);
    cr_expect_str_eq(buf, want, "%" PRId64 " paise", paise);
}

Test(invoice_words, worked_examples)
{
    expect_words(0, "Rupees Zero Only");
    expect_words(1, "Rupees Zero and One Paisa Only");
    expect_words(99, "Rupees Zero and Ninety-Nine Paise Only");
    expect_words(100, "Rupees One Only");
    expect_words(123450, "Rupees One Thousand Two Hundred Thirty-Four and Fifty Paise Only");
    expect_words(1100, "Rupees Eleven Only");
    expect_words(2000000, "Rupees Twenty Thousand Only");
    expect_words(10000000, "Rupees One Lakh Only");
    expect_words(100100000, "Rupees Ten Lakh One Thousand Only");
    expect_words(999999900, "Rupees Ninety-Nine Lakh Ninety-Nine Thousand Nine Hundred Ninety-Nine Only");
    expect_words(1000000000, "Rupees One Crore Only");
    expect_words(12345678905, "Rupees Twelve Crore Thirty-Four Lakh Fifty-Six Thousand Seven Hundred "
                              "Eighty-Nine and Five Paise Only");
    expect_words(1000000000000, "Rupees One Thousand Crore Only");
    expect_words(10000000000000000, "Rupees One Crore Crore Only");
}

Test(invoice_words, negative_is_refused_and_buffer_untouched)
{
    char buf[PF_INVOICE_WORDS_BUFSZ] = "unchanged";
    pf_errbuf eb = {{0}};
    cr_expect_eq(pf_invoice_amount_words(-1, buf, &eb), PF_E_INVAL);
    cr_expect_str_eq(buf, "unchanged");
    cr_expect(strstr(eb.msg, "negative"), "%s", eb.msg);
}

/* Reads words back into paise, independently of how they were written: small numbers add up, "Hundred"
 * multiplies the group, Thousand and Lakh close a group, Crore scales everything before it. */
static int64_t parse_words(const char *s)
{
    static const char *const small[] = {"Zero",    "One",     "Two",       "Three",    "Four",
                                        "Five",    "Six",     "Seven",     "Eight",    "Nine",
                                        "Ten",     "Eleven",  "Twelve",    "Thirteen", "Fourteen",
                                        "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
    static const char *const tens[] = {"Twenty", "Thirty",  "Forty",  "Fifty",
                                       "Sixty",  "Seventy", "Eighty", "Ninety"};
    char *copy = strdup(s), *save = NULL;
    int64_t total = 0, cur = 0, rupees = -1, paise = 0;
    cr_assert(!strncmp(s, "Rupees ", 7) && strlen(s) > 5 && !strcmp(s + strlen(s) - 5, " Only"), "%s", s);
    for (char *t = strtok_r(copy + 7, " -", &save); t; t = strtok_r(NULL, " -", &save)) {
        int64_t v = -1;
        for (int i = 0; i < 20; i++)
            if (!strcmp(t, small[i])) v = i;
        for (int i = 0; i < 8; i++)
            if (!strcmp(t, tens[i])) v = 20 + 10 * i;
        if (v >= 0)
            cur += v;
        else if (!strcmp(t, "Hundred"))
            cur *= 100;
        else if (!strcmp(t, "Thousand"))
            total += cur * 1000, cur = 0;
        else if (!strcmp(t, "Lakh"))
            total += cur * 100000, cur = 0;
        else if (!strcmp(t, "Crore"))
            total = (total + cur) * 10000000, cur = 0;
        else if (!strcmp(t, "and"))
            rupees = total + cur, total = cur = 0;
        else if (!strcmp(t, "Paise") || !strcmp(t, "Paisa"))
            paise = total + cur, total = cur = 0;
        else if (!strcmp(t, "Only"))
            break;
        else
            cr_assert_fail("unexpected word '%s' in '%s'", t, s);
    }
    if (rupees < 0) rupees = total + cur;
    free(copy);
    return rupees * 100 + paise;
}

Test(invoice_words, round_trip_over_random_amounts_up_to_int64_max)
{
    srand(6);
    char buf[PF_INVOICE_WORDS_BUFSZ];
    const int64_t fixed[] = {
        INT64_MAX, INT64_MAX - 23, 7777777777777777777LL, 9177777777777777777LL, 1777777777777777777, 101,
        10001,     100000001,      100000000100};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        cr_assert_eq(pf_invoice_amount_words(fixed[i], buf, NULL), PF_E_OK, "%" PRId64, fixed[i]);
        cr_expect_eq(parse_words(buf), fixed[i], "%" PRId64 " -> %s", fixed[i], buf);
    }
    for (int i = 0; i < 20000; i++) {
        int digits = 1 + rand() % 18;
        int64_t v = 0;
        for (int d = 0; d < digits; d++)
            v = v * 10 + rand() % 10;
        cr_assert_eq(pf_invoice_amount_words(v, buf, NULL), PF_E_OK, "%" PRId64, v);
        cr_assert_eq(parse_words(buf), v, "%" PRId64 " -> %s", v, buf);
        cr_assert(!strstr(buf, "  ") && !strstr(buf, "Zero and Zero"), "%s", buf);
    }
}

/* ---- the GST split ---- */

Test(invoice_split, halves_add_up_and_the_odd_paisa_goes_to_cgst)
{
    for (int64_t g = 0; g < 5000; g++) {
        int64_t c = -1, s = -1;
        pf_invoice_gst_split(g, &c, &s);
        cr_assert_eq(c + s, g);
        cr_assert_eq(c - s, g % 2, "%" PRId64 ": %" PRId64 " / %" PRId64, g, c, s);
    }
    int64_t c, s;
    pf_invoice_gst_split(INT64_MAX, &c, &s);
    cr_expect_eq(c + s, INT64_MAX);
}

/* ---- documents ---- */

static const char *const refs1[] = {"PF-7K3M-Q9XD"};

/* Two goods lines (one discounted, one with an odd GST) and shipping, seller in Karnataka. */
static pf_invoice_line goods[2] = {
    {"bracket.stl - PLA, Red, 20% infill", "Order PF-7K3M-Q9XD", "3926", 3, 100001, 10000, 16200, 18},
    {"lid.3mf - PETG, Black, 40% infill", NULL, "3926", 1, 55555, 0, 10000, 18},
};
static pf_invoice_line ship = {"Shipping (India Post)", NULL, "996812", 1, 8000, 0, 1440, 18};

static pf_invoice_doc example_doc(const char *buyer_state)
{
    return (pf_invoice_doc){
        .number = "PF/2026/000042",
        .date = 1796083200, /* 2026-12-01 00:00 UTC: 01 Dec 2026 in India */
        .refs = refs1,
        .nrefs = 1,
        .seller = {"PrintForge Studio", "29ABCDE1234F1Z5", "12 MG Road\nAshok Nagar", "Bengaluru",
                   "Karnataka", "560001", "+91 80 1234 5678", "billing@printforge.example"},
        .buyer = {"Asha Rao", NULL, "4 Lake View", "Mysuru", buyer_state, "570001", "9876543210",
                  "asha@example.com"},
        .place_of_supply = buyer_state,
        .lines = goods,
        .nlines = 2,
        .shipping = &ship,
        .total = 100001 - 10000 + 16200 + 55555 + 10000 + 8000 + 1440,
        .upi_id = "printforge@upi",
        .upi_ref = "PF-7K3M-Q9XD",
    };
}

Test(invoice_compute, intra_state_splits_each_rate_row_and_adds_up_to_the_paisa)
{
    pf_invoice_doc d = example_doc("  karnataka ");
    pf_invoice_totals t;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_invoice_compute(&d, &t, &eb), PF_E_OK, "%s", eb.msg);
    cr_expect(t.intra);
    cr_expect_eq(t.amount, 100001 + 55555 + 8000);
    cr_expect_eq(t.discount, 10000);
    cr_expect_eq(t.taxable, t.amount - t.discount);
    cr_expect_eq(t.gst, 16200 + 10000 + 1440);
    cr_expect_eq(t.total, d.total);
    cr_expect_eq(t.igst, 0);
    cr_expect_eq(t.cgst + t.sgst, t.gst);
    /* Rows: goods 3926 @18 and shipping 996812 @18. */
    cr_assert_eq(t.nrows, 2);
    cr_expect_str_eq(t.rows[0].hsn, "3926");
    cr_expect_eq(t.rows[0].taxable, 100001 - 10000 + 55555);
    cr_expect_eq(t.rows[0].gst, 26200);
    cr_expect_eq(t.rows[0].cgst, 13100);
    cr_expect_eq(t.rows[0].sgst, 13100);
    cr_expect_str_eq(t.rows[1].hsn, "996812");
    cr_expect_eq(t.rows[1].cgst, 720);
    cr_expect_eq(t.rows[1].sgst, 720);
    pf_invoice_totals_clear(&t);
    cr_expect_null(t.rows);
}

Test(invoice_compute, odd_gst_gives_the_extra_paisa_to_cgst)
{
    pf_invoice_line one = {"x", NULL, "3926", 1, 1000, 0, 181, 18};
    pf_invoice_doc d = example_doc("Karnataka");
    d.lines = &one, d.nlines = 1, d.shipping = NULL, d.total = 1181;
    pf_invoice_totals t;
    cr_assert_eq(pf_invoice_compute(&d, &t, NULL), PF_E_OK);
    cr_expect_eq(t.cgst, 91);
    cr_expect_eq(t.sgst, 90);
    pf_invoice_totals_clear(&t);
}

Test(invoice_compute, inter_state_is_igst_only)
{
    pf_invoice_doc d = example_doc("Maharashtra");
    pf_invoice_totals t;
    cr_assert_eq(pf_invoice_compute(&d, &t, NULL), PF_E_OK);
    cr_expect(!t.intra);
    cr_expect_eq(t.cgst, 0);
    cr_expect_eq(t.sgst, 0);
    cr_expect_eq(t.igst, t.gst);
    cr_expect_eq(t.igst, 16200 + 10000 + 1440);
    pf_invoice_totals_clear(&t);
}

Test(invoice_compute, states_compare_by_gst_code_and_normalised_name)
{
    cr_expect_eq(pf_invoice_state_code("Karnataka"), 29);
    cr_expect_eq(pf_invoice_state_code(" MAHARASHTRA"), 27);
    cr_expect_eq(pf_invoice_state_code("Orissa"), pf_invoice_state_code("Odisha"));
    cr_expect_eq(pf_invoice_state_code("Jammu & Kashmir"), 1);
    cr_expect_eq(pf_invoice_state_code("Atlantis"), 0);
    pf_invoice_doc d = example_doc("Karnataka");
    d.seller.state = "Odisha", d.place_of_supply = "orissa";
    pf_invoice_totals t;
    cr_assert_eq(pf_invoice_compute(&d, &t, NULL), PF_E_OK);
    cr_expect(t.intra);
    pf_invoice_totals_clear(&t);
}

Test(invoice_compute, random_documents_add_up_to_the_paisa)
{
    srand(42);
    pf_invoice_line lines[40];
    const char *hsn[] = {"3926", "8485", ""};
    const double rates[] = {18, 12, 5, 0};
    for (int iter = 0; iter < 500; iter++) {
        size_t n = 1 + (size_t)(rand() % 40);
        int64_t amount = 0, discount = 0, gst = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t a = rand() % 10000000;
            lines[i] = (pf_invoice_line){"part",
                                         NULL,
                                         hsn[rand() % 3],
                                         1 + rand() % 9,
                                         a,
                                         a ? rand() % (a + 1) : 0,
                                         rand() % 2000000,
                                         rates[rand() % 4]};
            amount += lines[i].amount, discount += lines[i].discount, gst += lines[i].gst;
        }
        pf_invoice_doc d = example_doc(iter % 2 ? "Karnataka" : "Kerala");
        d.lines = lines, d.nlines = n, d.shipping = NULL;
        d.total = amount - discount + gst;
        pf_invoice_totals t;
        cr_assert_eq(pf_invoice_compute(&d, &t, NULL), PF_E_OK);
        cr_assert_eq(t.taxable, amount - discount);
        cr_assert_eq(t.cgst + t.sgst + t.igst, gst);
        int64_t rt = 0, rg = 0;
        for (size_t i = 0; i < t.nrows; i++) {
            rt += t.rows[i].taxable, rg += t.rows[i].gst;
            cr_assert_eq(t.rows[i].cgst + t.rows[i].sgst + t.rows[i].igst, t.rows[i].gst);
            cr_assert(t.rows[i].cgst - t.rows[i].sgst == 0 || t.rows[i].cgst - t.rows[i].sgst == 1);
        }
        cr_assert_eq(rt, t.taxable);
        cr_assert_eq(rg, gst);
        cr_assert(t.nrows <= 12);
        pf_invoice_totals_clear(&t);
        d.total += 1;
        cr_assert_eq(pf_invoice_compute(&d, &t, NULL), PF_E_INVAL);
    }
}

Test(invoice_compute, bad_documents_are_refused_with_the_field)
{
    pf_errbuf eb;
    pf_invoice_totals t;
    pf_invoice_doc d = example_doc("Karnataka");
    d.total += 1;
    cr_expect_eq(pf_invoice_compute(&d, &t, &eb), PF_E_INVAL);
    cr_expect(strstr(eb.msg, "total"), "%s", eb.msg);

    d = example_doc("Karnataka");
    d.number = "";
    cr_expect_eq(pf_invoice_compute(&d, &t, &eb), PF_E_INVAL);
    cr_expect(strstr(eb.msg, "number"), "%s", eb.msg);

    d = example_doc("Karnataka");
    d.place_of_supply = NULL;
    cr_expect_eq(pf_invoice_compute(&d, &t, &eb), PF_E_INVAL);
    cr_expect(strstr(eb.msg, "place_of_supply"), "%s", eb.msg);

    pf_invoice_line bad[2] = {goods[0], goods[1]};
    d = example_doc("Karnataka");
    d.lines = bad;
    bad[1].discount = bad[1].amount + 1;
    cr_expect_eq(pf_invoice_compute(&d, &t, &eb), PF_E_INVAL);
    cr_expect(strstr(eb.msg, "line 2: discount"), "%s", eb.msg);
    bad[1] = goods[1], bad[1].quantity = 0;
    cr_expect_eq(pf_invoice_compute(&d, &t, &eb), PF_E_INVAL);
    cr_expect(strstr(eb.msg, "line 2: quantity"), "%s", eb.msg);
    bad[1] = goods[1], bad[1].gst = -5;
    cr_expect_eq(pf_invoice_compute(&d, &t, &eb), PF_E_INVAL);
    bad[1] = goods[1], bad[1].gst_pct = NAN;
    cr_expect_eq(pf_invoice_compute(&d, &t, &eb), PF_E_INVAL);

    d = example_doc("Karnataka");
    d.nlines = 0;
    cr_expect_eq(pf_invoice_compute(&d, &t, &eb), PF_E_INVAL);
    uint8_t *pdf = (uint8_t *)"untouched";
    size_t len = 7;
    cr_expect_eq(pf_invoice_pdf(&d, &pdf, &len, &eb), PF_E_INVAL);
    cr_expect_str_eq((char *)pdf, "untouched");
    cr_expect_eq(len, 7);
}

/* ---- PDF ---- */

static char *render_text(const pf_invoice_doc *d, size_t *pdf_len)
{
    uint8_t *pdf = NULL;
    size_t len = 0;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_invoice_pdf(d, &pdf, &len, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert(len > 500 && !memcmp(pdf, "%PDF-", 5), "not a PDF (%zu bytes)", len);
    if (pdf_len) *pdf_len = len;
    if (!have_pdftotext()) {
        free(pdf);
        cr_skip_test(
            "pdftotext (poppler-utils) is not installed: run scripts/setup.sh to check the PDF's text");
    }
    char *text = pdf_text(pdf, len);
    free(pdf);
    cr_assert_not_null(text, "pdftotext could not read the invoice");
    return text;
}

Test(invoice_pdf, intra_state_invoice_shows_cgst_sgst_totals_and_words)
{
    pf_invoice_doc d = example_doc("Karnataka");
    char *text = render_text(&d, NULL);
    char words[PF_INVOICE_WORDS_BUFSZ];
    const char *must[] = {"TAX INVOICE",
                          "PF/2026/000042",
                          "01 Dec 2026",
                          "29ABCDE1234F1Z5",
                          "PrintForge Studio",
                          "Asha Rao",
                          "Karnataka (State code 29)",
                          "PF-7K3M-Q9XD",
                          "bracket.stl - PLA, Red, 20% infill",
                          "Shipping (India Post)",
                          "996812",
                          "CGST",
                          "SGST",
                          "Payment: PENDING",
                          "printforge@upi",
                          "Page 1 of 1"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        cr_expect(strstr(text, must[i]), "missing \"%s\" in: %s", must[i], text);
    cr_expect(!strstr(text, "IGST"), "IGST on an intra-state invoice: %s", text);
    /* The figures, worked out by hand from the lines: total 1,81,196 paise, taxable 90,001 + 55,555 + 8,000
     * paise, CGST of the goods row 26,200 / 2 paise, of shipping 1,440 / 2 paise. */
    cr_expect(strstr(text, "1,811.96"), "grand total: %s", text);
    cr_expect(strstr(text, "1,535.56"), "taxable total: %s", text);
    cr_expect(strstr(text, "131.00"), "CGST of the goods row: %s", text);
    cr_expect(strstr(text, "7.20"), "CGST of shipping: %s", text);
    cr_assert_eq(pf_invoice_amount_words(d.total, words, NULL), PF_E_OK);
    cr_expect(strstr(text, words), "missing \"%s\" in: %s", words, text);
    /* 1,000.01 for 3 units is no whole number of paise per unit: the rounded unit price is starred. */
    cr_expect(strstr(text, "333.34*"), "%s", text);
    cr_expect(strstr(text, "* Unit price rounded to the paisa"), "%s", text);
    cr_expect(!strstr(text, "555.55*"), "an exact unit price starred: %s", text);
    free(text);
}

Test(invoice_pdf, inter_state_invoice_shows_igst_only)
{
    pf_invoice_doc d = example_doc("Maharashtra");
    d.paid = true, d.paid_at = 1796090000, d.payment_ref = "UPI123456789";
    char *text = render_text(&d, NULL);
    cr_expect(strstr(text, "IGST"), "%s", text);
    cr_expect(strstr(text, "276.40"), "IGST total: %s", text);
    cr_expect(strstr(text, "Maharashtra (State code 27)"), "%s", text);
    cr_expect(!strstr(text, "CGST") && !strstr(text, "SGST"), "CGST/SGST on an inter-state invoice: %s",
              text);
    cr_expect(strstr(text, "Payment: PAID by UPI on 01 Dec 2026 (UPI reference UPI123456789)"), "%s", text);
    free(text);
}

Test(invoice_pdf, many_lines_flow_over_numbered_pages_with_every_line_shown)
{
    enum { N = 150 };
    static pf_invoice_line lines[N];
    static char desc[N][64];
    int64_t total = 0;
    for (int i = 0; i < N; i++) {
        snprintf(desc[i], sizeof desc[i], "part-%03d.stl - PLA, White, 15%% infill", i + 1);
        lines[i] = (pf_invoice_line){desc[i],         NULL,        "3926", 1 + i % 4, 1000 + 37 * i,
                                     i % 5 ? 0 : 100, 180 + 7 * i, 18};
        total += lines[i].amount - lines[i].discount + lines[i].gst;
    }
    pf_invoice_doc d = example_doc("Karnataka");
    d.lines = lines, d.nlines = N, d.shipping = NULL, d.total = total;
    char *text = render_text(&d, NULL);
    for (int i = 0; i < N; i++)
        cr_assert(strstr(text, desc[i]), "line %d missing", i + 1);
    /* Every page numbered out of the same count, at least three pages for 150 lines. */
    size_t pages = count_of(text, "Page ");
    cr_expect_geq(pages, 3, "%s", text);
    char last[32];
    snprintf(last, sizeof last, "Page %zu of %zu", pages, pages);
    cr_expect(strstr(text, last), "missing \"%s\"", last);
    cr_expect_eq(count_of(text, "(continued)"), pages - 1);
    char a[PF_PRICE_INR_BUFSZ];
    pf_price_format_inr(total, a);
    cr_expect(strstr(text, a + 3), "grand total %s missing", a + 3);
    free(text);
}

Test(invoice_pdf, text_outside_latin1_is_replaced_not_dropped)
{
    pf_invoice_doc d = example_doc("Karnataka");
    d.buyer.name = "Zoë Café \xe2\x82\xb9 \xe0\xa4\x85"; /* e-diaeresis, e-acute, rupee sign, Devanagari A */
    char *text = render_text(&d, NULL);
    cr_expect(strstr(text, "Zoë Café Rs. ?"), "%s", text);
    free(text);
}
