/* printforge: one binary, subcommands dispatched from a table. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/bigalloc.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} commands[] = {
    {"analyze", pf_cmd_analyze, "analyze FILE [--json] [--bed XxYxZ]    mesh geometry and checks"},
    {"quote", pf_cmd_quote,
     "quote FILE [--infill PCT] [--layer-height MM] [--supports] [--material NAME] [--quantity N] "
     "[--priority]\n"
     "              [--backend auto|scalar|simd|opencl] [--profile INI] [--json]    weight, time and price"},
    {"backup", pf_cmd_backup,
     "backup DEST [--data-dir DIR]    compacted consistent copy of the data directory"},
    {"check", pf_cmd_check, "check [--data-dir DIR]    storage integrity: indexes, records, blobs"},
    {"serve", pf_cmd_serve,
     "serve [--port 8080] [--bind 127.0.0.1] [--data-dir ./data] [--admin-email E --admin-password P]\n"
     "              [--threads N] [--access-log FILE|-|off]    the HTTP API"},
};

static int usage(FILE *f)
{
    fprintf(f, "usage: printforge COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    return f == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
    pf_big_keep_heap(); /* one estimate's scratch stays for the next (engine/bigalloc.h) */
    if (argc < 2) return usage(stderr);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
        return usage(stdout);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "printforge: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
