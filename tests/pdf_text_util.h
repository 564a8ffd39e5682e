/* Text of a PDF through poppler's pdftotext (poppler-utils, installed by scripts/setup.sh), with every run of
 * whitespace collapsed to one space so phrases wrapped over lines can be searched as one string. */
#ifndef PF_TEST_PDF_TEXT_UTIL_H
#define PF_TEST_PDF_TEXT_UTIL_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* True when pdftotext is on the PATH. */
static inline bool have_pdftotext(void)
{
    return system("command -v pdftotext >/dev/null 2>&1") == 0;
}

/* The text of the PDF in data[0..len), malloc'd, whitespace collapsed; NULL if pdftotext failed. */
static inline char *pdf_text(const void *data, size_t len)
{
    char path[] = "/tmp/pf-invoice-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    bool ok = write(fd, data, len) == (ssize_t)len;
    close(fd);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "pdftotext -q -enc UTF-8 '%s' -", path);
    FILE *f = ok ? popen(cmd, "r") : NULL;
    char *out = NULL;
    size_t n = 0, cap = 0;
    int ch;
    bool space = false;
    while (f && (ch = fgetc(f)) != EOF) {
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 4096;
            out = realloc(out, cap);
            if (!out) abort();
        }
        if (isspace(ch)) {
            space = n > 0;
            continue;
        }
        if (space) out[n++] = ' ';
        space = false;
        out[n++] = (char)ch;
    }
    int rc = f ? pclose(f) : -1;
    unlink(path);
    if (rc != 0) {
        free(out);
        return NULL;
    }
    if (!out)
        out = calloc(1, 1);
    else
        out[n] = 0;
    return out;
}

/* Occurrences of needle in hay. */
static inline size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + l, needle))
        n++;
    return n;
}

#endif
