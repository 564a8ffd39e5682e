/* printforge check: storage integrity (indexes <-> records, blobs <-> chunks <-> references). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "storage/store.h"

int pf_cmd_check(int argc, char **argv)
{
    const char *data_dir = "./data";
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--data-dir") && i + 1 < argc)
            data_dir = argv[++i];
        else
            return fprintf(stderr, "usage: printforge check [--data-dir DIR]\n"), 2;
    }
    pf_errbuf eb = {{0}};
    pf_store *st = NULL;
    /* Read-only: a check must never clean up what a running server is in the middle of writing. */
    pf_store_options opt = {.dir = data_dir, .readonly = true};
    uint64_t problems = 0;
    pf_err err = pf_store_open(&opt, &st, &eb);
    if (!err) err = pf_store_check(st, stdout, &problems, &eb);
    pf_store_close(st);
    if (err) return fprintf(stderr, "printforge: check: %s: %s\n", pf_err_message(err), eb.msg), 2;
    printf("%s: %llu problem%s\n", data_dir, (unsigned long long)problems, problems == 1 ? "" : "s");
    return problems ? 1 : 0;
}
