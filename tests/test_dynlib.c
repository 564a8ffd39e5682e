/* Libraries opened on first use (engine/dynlib.h), the upload digest that uses one (api/sha256.h), and the
 * binary's start-up list of shared objects. */
#include <criterion/criterion.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "api/sha256.h"
#include "engine/dynlib.h"

typedef struct z_api {
    __typeof__(zlibVersion) *version;
    __typeof__(crc32) *crc;
} z_api;

static const pf_dynsym z_syms[] = {
    PF_DYNSYM(z_api, version, "zlibVersion"),
    PF_DYNSYM(z_api, crc, "crc32"),
};

Test(dynlib, resolves_a_table_that_calls_the_library)
{
    static z_api z;
    static pf_dynlib lib = PF_DYNLIB("libz.so.1", z_syms, &z);
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_dynlib_load(&lib, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_str_eq(z.version(), zlibVersion());
    const unsigned char s[] = "123456789";
    cr_assert_eq(z.crc(0, s, 9), 0xCBF43926u); /* CRC-32's check value */
    cr_assert_eq(pf_dynlib_load(&lib, &eb), PF_E_OK, "a second load returns the first outcome");
}

Test(dynlib, a_missing_library_is_an_io_error_naming_it_every_time)
{
    static z_api z;
    static pf_dynlib lib = PF_DYNLIB("libprintforge-nonexistent.so.7", z_syms, &z);
    for (int i = 0; i < 2; i++) {
        pf_errbuf eb = {{0}};
        cr_assert_eq(pf_dynlib_load(&lib, &eb), PF_E_IO);
        cr_assert(strstr(eb.msg, "cannot load libprintforge-nonexistent.so.7"), "%s", eb.msg);
    }
    cr_assert_null(z.version);
}

Test(dynlib, a_missing_symbol_is_an_io_error_naming_it)
{
    static z_api z;
    static const pf_dynsym syms[] = {
        PF_DYNSYM(z_api, version, "zlibVersion"),
        PF_DYNSYM(z_api, crc, "pf_no_such_function"),
    };
    static pf_dynlib lib = PF_DYNLIB("libz.so.1", syms, &z);
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_dynlib_load(&lib, &eb), PF_E_IO);
    cr_assert(strstr(eb.msg, "libz.so.1") && strstr(eb.msg, "pf_no_such_function"), "%s", eb.msg);
}

/* Digest of n bytes fed in pieces of 1, 7, 4096 … bytes, through libcrypto (portable 0) or libsodium. */
static void digest(int portable, const unsigned char *p, size_t n, unsigned char out[32])
{
    pf_sha256_stream *s = pf_sha256_begin(portable);
    cr_assert_not_null(s);
    static const size_t piece[] = {1, 7, 4096, 65536 + 3};
    for (size_t off = 0, k = 0; off < n; k++) {
        size_t m = piece[k % 4] < n - off ? piece[k % 4] : n - off;
        cr_assert_eq(pf_sha256_add(s, p + off, m), 0);
        off += m;
    }
    cr_assert_eq(pf_sha256_end(s, out), 0);
    pf_sha256_free(s);
}

Test(sha256, libcrypto_and_libsodium_give_the_same_digests)
{
    unsigned char a[32], b[32], want[32];
    /* FIPS 180-2's "abc" */
    static const unsigned char abc_digest[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    digest(0, (const unsigned char *)"abc", 3, a);
    digest(1, (const unsigned char *)"abc", 3, b);
    cr_assert_arr_eq(a, abc_digest, 32);
    cr_assert_arr_eq(b, abc_digest, 32);
    size_t n = 300001;
    unsigned char *buf = malloc(n);
    cr_assert_not_null(buf);
    randombytes_buf(buf, n);
    digest(0, buf, n, a);
    digest(1, buf, n, b);
    crypto_hash_sha256(want, buf, n);
    cr_assert_arr_eq(a, want, 32);
    cr_assert_arr_eq(b, want, 32);
    digest(0, buf, 0, a); /* nothing added */
    crypto_hash_sha256(want, buf, 0);
    cr_assert_arr_eq(a, want, 32);
    free(buf);
}

/* The shared objects the dynamic loader maps when printforge starts (LD_TRACE_LOADED_OBJECTS, as ldd). */
static char *startup_objects(void)
{
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        setenv("LD_TRACE_LOADED_OBJECTS", "1", 1);
        execl(PF_BINARY, PF_BINARY, "--version", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t cap = 1 << 16, n = 0;
    char *out = calloc(1, cap);
    cr_assert_not_null(out);
    for (ssize_t r; n + 1 < cap && (r = read(fd[0], out + n, cap - 1 - n)) > 0;)
        n += (size_t)r;
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the loader's trace failed");
    return out;
}

Test(dynlib, printforge_starts_without_the_libraries_it_opens_on_first_use)
{
    char *objs = startup_objects();
    cr_assert(strstr(objs, "libc.so"), "the trace lists the binary's objects: %s", objs);
    static const char *const lazy[] = {"libcrypto", "libhpdf", "libqrencode", "libmicrohttpd",
                                       "libcurl",   "libpng",  "libgnutls",   "libz.so"};
    for (size_t i = 0; i < sizeof lazy / sizeof lazy[0]; i++)
        cr_assert_null(strstr(objs, lazy[i]), "%s is loaded at start:\n%s", lazy[i], objs);
    free(objs);
}
