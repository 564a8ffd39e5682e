/* printforge serve: open the store (seeding defaults on first run) and serve the HTTP API until SIGINT or
 * SIGTERM, then finish requests in flight and close the store cleanly. */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/server.h"
#include "cli/cli.h"
#include "storage/store.h"

static int usage(void)
{
    fprintf(stderr, "usage: printforge serve [--port 8080] [--bind 127.0.0.1] [--data-dir ./data]\n"
                    "                        [--admin-email E --admin-password P] [--threads N]\n"
                    "                        [--access-log FILE|-|off] [--mail-log FILE|-]\n"
                    "environment: PRINTFORGE_ARGON2=min|interactive|moderate (password hashing cost)\n");
    return 2;
}

int pf_cmd_serve(int argc, char **argv)
{
    pf_server_options so = {.bind = "127.0.0.1", .port = 8080, .data_dir = "./data", .access_log = stderr};
    pf_store_options sto = {0};
    const char *log_path = "-", *mail_path = "-";
    /* Every option takes a value: walk the arguments two at a time. */
    for (int i = 0; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (!v) return usage();
        if (!strcmp(a, "--port")) {
            long p = strtol(v, &end, 10);
            if (*end || p < 0 || p > 65535) return usage();
            so.port = (uint16_t)p;
        } else if (!strcmp(a, "--bind")) {
            so.bind = v;
        } else if (!strcmp(a, "--data-dir")) {
            so.data_dir = v;
        } else if (!strcmp(a, "--admin-email")) {
            sto.admin_email = v;
        } else if (!strcmp(a, "--admin-password")) {
            sto.admin_password = v;
        } else if (!strcmp(a, "--threads")) {
            long t = strtol(v, &end, 10);
            if (*end || t < 1 || t > 256) return usage();
            so.threads = (unsigned)t;
        } else if (!strcmp(a, "--access-log")) {
            log_path = v;
        } else if (!strcmp(a, "--mail-log")) {
            mail_path = v;
        } else {
            return usage();
        }
    }
    sto.dir = so.data_dir;
    /* "min" keeps password hashing cheap for the test suite under ASan; never use it in production. */
    const char *cost = getenv("PRINTFORGE_ARGON2");
    if (cost && !strcmp(cost, "min")) {
        so.pw_opslimit = sto.pw_opslimit = crypto_pwhash_OPSLIMIT_MIN;
        so.pw_memlimit = sto.pw_memlimit = crypto_pwhash_MEMLIMIT_MIN;
    } else if (cost && !strcmp(cost, "moderate")) {
        so.pw_opslimit = sto.pw_opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
        so.pw_memlimit = sto.pw_memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
    }

    int rc = 1;
    pf_errbuf eb = {{0}};
    pf_store *st = NULL;
    pf_server *srv = NULL;
    FILE *logf = NULL, *mailf = NULL;
    if (strcmp(mail_path, "-")) {
        if (!(mailf = fopen(mail_path, "a"))) {
            fprintf(stderr, "printforge: serve: %s: %s\n", mail_path, strerror(errno));
            return 1;
        }
        so.mail_log = mailf;
    }
    if (!strcmp(log_path, "off")) {
        so.access_log = NULL;
    } else if (strcmp(log_path, "-")) {
        if (!(logf = fopen(log_path, "a"))) {
            fprintf(stderr, "printforge: serve: %s: %s\n", log_path, strerror(errno));
            return 1;
        }
        so.access_log = logf;
    }
    /* Block-buffered: a write() per request line costs a quarter of the throughput of a small route. The
     * main thread flushes every second (below), so the log lags by at most that. */
    if (so.access_log) setvbuf(so.access_log, NULL, _IOFBF, 64 << 10);
    /* Signals are taken synchronously by this thread: blocked before MHD starts its threads (which inherit
     * the mask), then awaited with sigwait, so no handler runs in the middle of a request. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    pf_err err = pf_store_open(&sto, &st, &eb);
    if (!err) err = pf_server_start(&so, st, &srv, &eb);
    if (err) {
        fprintf(stderr, "printforge: serve: %s: %s\n", pf_err_message(err), eb.msg);
        goto done;
    }
    printf("printforge: listening on http://%s%s%s:%u (data in %s)\n", strchr(so.bind, ':') ? "[" : "",
           so.bind, strchr(so.bind, ':') ? "]" : "", pf_server_port(srv), so.data_dir);
    fflush(stdout);
    int sig = -1;
    const struct timespec second = {1, 0};
    while (sig < 0) {
        sig = sigtimedwait(&sigs, NULL, &second);
        if (so.access_log) fflush(so.access_log);
    }
    fprintf(stderr, "printforge: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    pf_server_stop(srv, 10000);
    srv = NULL;
    rc = 0;
done:
    pf_server_stop(srv, 0);
    pf_store_close(st);
    if (so.access_log) fflush(so.access_log);
    if (logf) fclose(logf);
    if (mailf) fclose(mailf);
    return rc;
}
