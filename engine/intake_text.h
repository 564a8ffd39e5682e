/* Scanning helpers shared by the text readers (ASCII STL, OBJ): whitespace, lines and a fast exact float
 * parser. */
#ifndef PF_INTAKE_TEXT_H
#define PF_INTAKE_TEXT_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Horizontal whitespace: space, tab, CR, VT, FF. Newlines are significant to OBJ, so they are apart. */
static inline int pf__is_hspace(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline int pf__is_space(unsigned char c)
{
    return c == ' ' || (unsigned)(c - '\t') < 5u; /* \t \n \v \f \r */
}

static inline int pf__is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10u;
}

/* 1-based line number of pos: counted only when an error is reported, so the hot loops never track lines. */
static inline size_t pf__line_of(const unsigned char *buf, const unsigned char *pos)
{
    size_t line = 1;
    const unsigned char *p = buf;
    while (p < pos) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(pos - p));
        if (!nl) break;
        line++;
        p = nl + 1;
    }
    return line;
}

/* Line number of the end of the file: the last line, not the empty one after a final newline. */
static inline size_t pf__line_of_end(const unsigned char *buf, const unsigned char *end)
{
    return pf__line_of(buf, end > buf && end[-1] == '\n' ? end - 1 : end);
}

/* Exact powers of ten representable in a double (10^22 is the largest). */
static const double pf__pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                           1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Rounds d (within `slack` double ulps of the true value x) to float when that is certainly the float nearest
 * x. Float rounding of x and of d can only differ if a float rounding midpoint lies within the error
 * interval, and midpoints are doubles whose low 29 mantissa bits are exactly 0x10000000. Subnormal and
 * overflowing results are left to strtof. Returns 0 when the caller must fall back. */
static inline int pf__double_to_float_exact(double d, unsigned slack, float *out)
{
    if (!(d >= (double)FLT_MIN && d < (double)FLT_MAX)) return 0;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    uint32_t low = (uint32_t)(bits & 0x1FFFFFFFu);
    uint32_t dist = low > 0x10000000u ? low - 0x10000000u : 0x10000000u - low;
    if (dist <= slack) return 0;
    *out = (float)d;
    return 1;
}

/* strtof on n bytes at start, which are a complete number; out of line so the fast path stays small. */
__attribute__((noinline, unused)) static int pf__parse_float_slow(const unsigned char *start, size_t n,
                                                                  float *out)
{
    char tmp[304];
    if (n >= sizeof tmp - 1) return 0;
    memcpy(tmp, start, n);
    tmp[n] = 0;
    *out = strtof(tmp, NULL);
    return 1;
}

/* Parses one number of the form [+-]digits[.digits][(e|E)[+-]digits] (either digit run may be empty, not
 * both) starting at p, never reading at or past end. Returns the first byte after it, or NULL when there is
 * no number there or it is longer than 300 bytes. The value is the float strtof would give for the same text:
 * up to 19 significant digits are gathered into an integer, scaled by an exact power of ten in double
 * precision and rounded once to float; the rare cases where the double result sits too close to a float
 * rounding midpoint, or outside the normal float range, or that have more digits, go through strtof itself.
 * Non-finite results (1e39) are returned as strtof gives them: the caller rejects them. */
__attribute__((always_inline)) static inline const unsigned char *
pf__parse_float(const unsigned char *p, const unsigned char *end, float *out)
{
    const unsigned char *start = p;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    uint64_t m = 0;
    int nd = 0, e10 = 0, any = 0, exact = 1;
    while (p < end && *p == '0')
        p++, any = 1;
    while (p < end && pf__is_digit(*p)) {
        if (nd < 19) {
            m = m * 10 + (unsigned)(*p - '0');
            nd++;
        } else {
            e10++;
            exact &= *p == '0';
        }
        p++;
        any = 1;
    }
    if (p < end && *p == '.') {
        p++;
        if (nd == 0)
            while (p < end && *p == '0')
                p++, e10--, any = 1;
        while (p < end && pf__is_digit(*p)) {
            if (nd < 19) {
                m = m * 10 + (unsigned)(*p - '0');
                nd++;
                e10--;
            } else {
                exact &= *p == '0';
            }
            p++;
            any = 1;
        }
    }
    if (!any) return NULL;
    if (p < end && (*p | 0x20) == 'e') {
        const unsigned char *q = p + 1;
        int eneg = 0, ev = 0;
        if (q < end && (*q == '-' || *q == '+')) eneg = *q++ == '-';
        if (q < end && pf__is_digit(*q)) { /* "1e" alone: like strtof, the 'e' is not part of the number */
            while (q < end && pf__is_digit(*q)) {
                if (ev < 100000) ev = ev * 10 + (*q - '0');
                q++;
            }
            e10 += eneg ? -ev : ev;
            p = q;
        }
    }
    if (m == 0) {
        *out = neg ? -0.0f : 0.0f;
        return p;
    }
    if (exact) {
        double d = (double)m; /* exact up to 2^53, else within half an ulp */
        unsigned slack = m <= (1ull << 53) ? 0 : 1;
        if (e10 >= -22 && e10 <= 22) {
            d = e10 < 0 ? d / pf__pow10_exact[-e10] : d * pf__pow10_exact[e10];
            slack += 1;
        } else if (e10 >= -44 && e10 <= 44) {
            d = e10 < 0 ? d / pf__pow10_exact[22] / pf__pow10_exact[-e10 - 22]
                        : d * pf__pow10_exact[22] * pf__pow10_exact[e10 - 22];
            slack += 2;
        } else {
            slack = UINT32_MAX;
        }
        float f;
        if (slack != UINT32_MAX && pf__double_to_float_exact(d, slack, &f)) {
            *out = neg ? -f : f;
            return p;
        }
    }
    return pf__parse_float_slow(start, (size_t)(p - start), out) ? p : NULL;
}

#endif
