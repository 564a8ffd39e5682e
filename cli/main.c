/* printforge: one command line, subcommands dispatched from a table. It is built twice: `printforge` holds
 * only the commands that need no server library (analyze) and hands every other command to
 * `printforge-full`, its sibling in the same directory, which holds them all (PF_CLI_FULL). Why: a process
 * pays for each shared object it loads, and the server's libraries (libmicrohttpd with GnuTLS, libcrypto,
 * libsodium, LMDB, libharu, libqrencode, OpenCL: 24 objects) cost `printforge analyze` more start-up CPU
 * (~15 ms on this VM) than reading and analysing a 1 M-triangle STL takes once the rest is fast. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#ifdef PF_CLI_FULL
#define FULL_ONLY(fn) fn
#else
#define FULL_ONLY(fn) NULL /* run by printforge-full */
#endif

/* The name of the binary that holds every command, next to the light one. */
#define FULL_NAME "printforge-full"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv); /* NULL: the command lives in printforge-full */
    const char *usage;
} commands[] = {
    {"analyze", pf_cmd_analyze, "analyze FILE [--json] [--bed XxYxZ]    mesh geometry and checks"},
    {"quote", FULL_ONLY(pf_cmd_quote),
     "quote FILE [--infill PCT] [--layer-height MM] [--supports] [--material NAME] [--quantity N] [--priority]\n"
     "              [--backend auto|scalar|simd|opencl] [--json]    weight, time and price"},
    {"backup", FULL_ONLY(pf_cmd_backup),
     "backup DEST [--data-dir DIR]    compacted consistent copy of the data directory"},
    {"check", FULL_ONLY(pf_cmd_check), "check [--data-dir DIR]    storage integrity: indexes, records, blobs"},
    {"serve", FULL_ONLY(pf_cmd_serve),
     "serve [--port 8080] [--bind 127.0.0.1] [--data-dir ./data] [--admin-email E --admin-password P]\n"
     "              [--threads N] [--access-log FILE|-|off]    the HTTP API"},
};

static int usage(FILE *f)
{
    fprintf(f, "usage: printforge COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) fprintf(f, "  %s\n", commands[i].usage);
    return f == stderr ? 2 : 0;
}

/* Replaces this process by printforge-full with the same arguments (same pid, environment and descriptors,
 * so signals and the caller's wait work as before). Returns only on failure, with the exit status. */
static int run_full(char **argv)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) {
        fprintf(stderr, "printforge: cannot find its own binary: %s\n", strerror(errno));
        return 2;
    }
    path[n] = 0;
    char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    if (dir + sizeof FULL_NAME > sizeof path) {
        fprintf(stderr, "printforge: path of its binary too long\n");
        return 2;
    }
    memcpy(path + dir, FULL_NAME, sizeof FULL_NAME);
    execv(path, argv);
    fprintf(stderr, "printforge: cannot run %s: %s\n", path, strerror(errno));
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage(stderr);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) return usage(stdout);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run ? commands[i].run(argc - 2, argv + 2) : run_full(argv);
    fprintf(stderr, "printforge: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
