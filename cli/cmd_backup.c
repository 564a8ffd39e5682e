/* printforge backup DEST: a compacted, consistent copy of the data directory, safe while the server runs. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "storage/store.h"

int pf_cmd_backup(int argc, char **argv)
{
    const char *dest = NULL, *data_dir = "./data";
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--data-dir") && i + 1 < argc)
            data_dir = argv[++i];
        else if (argv[i][0] != '-' && !dest)
            dest = argv[i];
        else
            return fprintf(stderr, "usage: printforge backup DEST [--data-dir DIR]\n"), 2;
    }
    if (!dest) return fprintf(stderr, "usage: printforge backup DEST [--data-dir DIR]\n"), 2;
    pf_errbuf eb = {{0}};
    pf_store *st = NULL;
    pf_store_options opt = {.dir = data_dir, .readonly = true};
    pf_err err = pf_store_open(&opt, &st, &eb);
    if (!err) err = pf_store_backup(st, dest, &eb);
    pf_store_close(st);
    if (err) return fprintf(stderr, "printforge: backup: %s: %s\n", pf_err_message(err), eb.msg), 1;
    printf("backup of %s written to %s\n", data_dir, dest);
    return 0;
}
