/* Accuracy of the fast quote model (engine/fastquote.h) against PrusaSlicer 2.5 on tests/data/reference.csv:
 * one markdown row per part at 20 % infill, then the error distribution over every distinct part and infill.
 * usage: bench_fastquote [reference.csv] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bigalloc.h"
#include "engine/fastquote.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    pf_big_keep_heap(); /* as printforge does (cli/main.c) */
    const char *path = argc > 1 ? argv[1] : "tests/data/reference.csv";
    FILE *f = fopen(path, "r");
    if (!f) return fprintf(stderr, "bench_fastquote: cannot open %s\n", path), 1;
    char line[1024];
    double ew[512], et[512], seen[512][5];
    size_t n = 0;
    pf_profile p = pf_profile_default();
    if (!fgets(line, sizeof line, f)) return 1;
    printf("| part | bbox mm | volume cm³ | PrusaSlicer g | fast g | error | PrusaSlicer s | fast s | error "
           "|\n");
    printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    while (fgets(line, sizeof line, f) && n < 512) {
        char *col[20];
        size_t nc = 0;
        for (char *s = strtok(line, ",\r\n"); s && nc < 20; s = strtok(NULL, ",\r\n"))
            col[nc++] = s;
        if (nc < 19 || strcmp(col[18], "ok")) continue;
        double vol = atof(col[3]), x = atof(col[5]), y = atof(col[6]), z = atof(col[7]), inf = atof(col[8]);
        double g = atof(col[11]), t = atof(col[14]);
        int dup = 0;
        for (size_t i = 0; i < n && !dup; i++)
            dup = seen[i][0] == vol && seen[i][1] == x && seen[i][2] == y && seen[i][3] == z &&
                  seen[i][4] == inf;
        if (dup) continue;
        seen[n][0] = vol, seen[n][1] = x, seen[n][2] = y, seen[n][3] = z, seen[n][4] = inf;
        double dims[3] = {x, y, z};
        pf_estimate e;
        pf_errbuf eb;
        if (pf_fastquote_estimate(dims, vol, inf / 100, &p, &e, &eb))
            return fprintf(stderr, "bench_fastquote: %s: %s\n", col[0], eb.msg), 1;
        ew[n] = e.weight_g / g - 1;
        et[n] = e.print_time_s / t - 1;
        if (inf == 20)
            printf("| %s | %.0f × %.0f × %.0f | %.1f | %.2f | %.2f | %+.0f %% | %.0f | %.0f | %+.0f %% |\n",
                   col[0], x, y, z, vol / 1000, g, e.weight_g, 100 * ew[n], t, e.print_time_s, 100 * et[n]);
        ew[n] = fabs(ew[n]), et[n] = fabs(et[n]);
        n++;
    }
    fclose(f);
    if (!n) return 1;
    qsort(ew, n, sizeof *ew, cmp_double);
    qsort(et, n, sizeof *et, cmp_double);
    printf("\nOver %zu distinct parts × infills (0, 10, 20, 50, 100 %%): weight error median %.1f %%, p90 "
           "%.1f %%, "
           "worst %.1f %%; time error median %.1f %%, p90 %.1f %%, worst %.1f %%.\n",
           n, 100 * ew[n / 2], 100 * ew[n * 9 / 10], 100 * ew[n - 1], 100 * et[n / 2], 100 * et[n * 9 / 10],
           100 * et[n - 1]);
    return 0;
}
