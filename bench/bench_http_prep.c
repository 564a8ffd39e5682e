/* Prepares a data directory for bench/run_http.sh: seeds the store (cheap argon2id for the admin), lifts the
 * rate limits out of the way of the load generator, and prints an admin session JWT for the authenticated
 * route. usage: bench_http_prep DATA_DIR */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "api/jwt.h"
#include "storage/store.h"

int main(int argc, char **argv)
{
    if (argc != 2) return fprintf(stderr, "usage: bench_http_prep DATA_DIR\n"), 2;
    pf_store_options o = {.dir = argv[1],
                          .admin_password = "bench-password",
                          .pw_opslimit = crypto_pwhash_OPSLIMIT_MIN,
                          .pw_memlimit = crypto_pwhash_MEMLIMIT_MIN};
    pf_store *st = NULL;
    pf_errbuf eb = {{0}};
    static const char *const lift[] = {"ratelimit.general_max", "ratelimit.auth_max", "ratelimit.upload_max",
                                       "ratelimit.quote_max", "ratelimit.model_file_max"};
    pf_err err = pf_store_open(&o, &st, &eb);
    for (size_t i = 0; !err && i < sizeof lift / sizeof lift[0]; i++)
        err = pf_store_setting_set(st, NULL, lift[i], "1000000000", 0, &eb);
    /* Anonymous requests would still hit the limiter's bookkeeping: that cost is part of what is measured. */
    pf_store_close(st);
    pf_jwt_key key;
    char *tok = NULL;
    int64_t now = (int64_t)time(NULL);
    pf_jwt_claims c = {.sub = 1, .typ = PF_JWT_SESSION, .iat = now, .exp = now + 3600};
    if (!err) err = pf_jwt_key_load(argv[1], &key, &eb);
    if (!err) err = pf_jwt_sign(&key, &c, &tok, &eb);
    if (err) return fprintf(stderr, "bench_http_prep: %s: %s\n", pf_err_message(err), eb.msg), 1;
    printf("%s\n", tok);
    free(tok);
    return 0;
}
