/* Storage crash safety: a child process writes orders (with indexes, timeline and counters), status changes,
 * deletes and blob uploads; it is killed with SIGKILL at random moments, and after each kill the parent
 * reopens the store and checks that every acknowledged write is there and every index agrees with its
 * records. */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "tests/test_storage_common.h"

#define KILLS 110

static const char *const statuses[] = {"pending", "confirmed", "printing", "shipped"};

/* One message from the child: an intent before a transaction, then its acknowledgement after the commit. */
typedef struct msg {
    char type;   /* 'I' insert, 'S' status change, 'D' delete, 'B' blob upload; upper = intent, +32 = done */
    uint64_t id; /* order id (0 for an insert's intent) */
    uint64_t value; /* status index for 'S' */
} msg;

static void send_msg(int fd, char type, uint64_t id, uint64_t value)
{
    msg m = {type, id, value};
    if (write(fd, &m, sizeof m) != (ssize_t)sizeof m) _exit(3);
}

typedef struct insert_ctx {
    pf_order o;       /* the order */
    pf_order_event e; /* its first timeline event */
} insert_ctx;

static pf_err insert_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    insert_ctx *c = vctx;
    pf_err err = pf_store_order_put(NULL, t, &c->o, eb);
    c->e.order_id = c->o.id;
    if (!err) err = pf_store_order_event_put(NULL, t, &c->e, eb);
    if (!err) err = pf_store_counter_add(NULL, t, "orders_placed", 1, NULL, eb);
    return err;
}

typedef struct blob_ctx {
    pf_blob_writer *w; /* finished upload */
    pf_upload u;       /* record holding it */
} blob_ctx;

static pf_err blob_fn(pf_txn *t, void *vctx, pf_errbuf *eb)
{
    blob_ctx *c = vctx;
    pf_err err = pf_store_blob_finish(c->w, t, &c->u.blob, NULL, eb);
    return err ? err : pf_store_upload_put(NULL, t, &c->u, eb);
}

/* The child: never returns; killed by the parent. */
static void writer(const char *dir, int fd, unsigned seed)
{
    pf_store *st;
    pf_store_options o = fast_options(dir);
    if (pf_store_open(&o, &st, NULL)) _exit(2);
    uint8_t *blob = malloc(1200000);
    for (unsigned n = 0;; n++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 100;
        uint64_t max = 0;
        pf_store_counter_get(st, NULL, "order", &max, NULL);
        uint64_t target = max ? 1 + (seed >> 8) % max : 0;
        pf_order cur = {0};
        bool exists = target && pf_store_order_get(st, NULL, target, &cur, NULL) == PF_E_OK;
        if (r < 60 || !exists) {
            char tr[40];
            snprintf(tr, sizeof tr, "T%u-%u", seed, n);
            insert_ctx c = {
                .o = {.user_id = 1 + seed % 5, .status = "pending", .tracking_no = tr, .quantity = 1},
                .e = {.status = "pending", .message = "placed"}};
            send_msg(fd, 'I', 0, 0);
            if (pf_store_write(st, insert_fn, &c, NULL)) _exit(4);
            send_msg(fd, 'i', c.o.id, 0);
        } else if (r < 85) {
            uint64_t s = (seed >> 4) % 4;
            free(cur.status);
            cur.status = strdup(statuses[s]);
            cur.printer_id = s; /* 0 = unassigned: exercises index removal */
            send_msg(fd, 'S', target, s);
            if (pf_store_order_put(st, NULL, &cur, NULL)) _exit(5);
            send_msg(fd, 's', target, s);
        } else if (r < 90) {
            send_msg(fd, 'D', target, 0);
            if (pf_store_order_del(st, NULL, target, NULL)) _exit(6);
            send_msg(fd, 'd', target, 0);
        } else {
            /* Odd steps upload over one chunk of incompressible bytes, even steps a small file. */
            size_t len = n & 1 ? 1200000 : 20000;
            for (size_t i = 0; i < len; i++)
                blob[i] = (uint8_t)((seed + i * 2654435761u) >> 13);
            blob_ctx c = {.u = {.user_id = 1, .size = len}};
            send_msg(fd, 'B', 0, 0);
            if (pf_store_blob_begin(st, &c.w, NULL)) _exit(7);
            if (pf_store_blob_write(c.w, blob, len, NULL)) _exit(8);
            if (pf_store_write(st, blob_fn, &c, NULL)) _exit(9);
            pf_store_blob_free(c.w);
            send_msg(fd, 'b', c.u.id, 0);
        }
        pf_order_clear(&cur);
    }
}

/* What the parent knows: per order id, 0 = unknown, 1 + status index = present, -1 = deleted. */
typedef struct expect {
    int *state;
    size_t cap;
} expect;

static void set_state(expect *x, uint64_t id, int s)
{
    if (id >= x->cap) {
        size_t nc = (id + 1) * 2;
        x->state = realloc(x->state, nc * sizeof *x->state);
        memset(x->state + x->cap, 0, (nc - x->cap) * sizeof *x->state);
        x->cap = nc;
    }
    x->state[id] = s;
}

Test(storage_crash, sigkill_never_loses_an_acknowledged_write, .timeout = 600)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    pf_store_options o = fast_options(dir);
    pf_store *st;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "%s", eb.msg);
    pf_store_close(st);
    expect x = {0};
    unsigned seed = (unsigned)time(NULL);
    cr_log_info("seed %u", seed);
    uint64_t acked = 0, uploads = 0;
    for (int kill_no = 0; kill_no < KILLS; kill_no++) {
        int fds[2];
        cr_assert_eq(pipe(fds), 0);
        seed = seed * 1103515245u + 12345u;
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            writer(dir, fds[1], seed);
        }
        close(fds[1]);
        /* One kill in four is purely timed, so it may land inside the open; the others first wait for the
         * writer's first intent, so that a busy machine still sees transactions interrupted. */
        msg m;
        uint64_t in_flight = UINT64_MAX;
        bool have_first = kill_no % 4 && read(fds[0], &m, sizeof m) == (ssize_t)sizeof m;
        struct timespec d = {0, (long)(have_first ? (seed >> 10) % 15 : 2 + (seed >> 10) % 30) * 1000000L};
        nanosleep(&d, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        cr_assert(WIFSIGNALED(status), "the writer failed by itself: exit %d", WEXITSTATUS(status));
        while (have_first || read(fds[0], &m, sizeof m) == (ssize_t)sizeof m) {
            have_first = false;
            switch (m.type) {
            case 'S':
            case 'D':
                in_flight = m.id;
                break;
            case 'I':
            case 'B':
                in_flight = 0;
                break;
            case 'i':
                set_state(&x, m.id, 1), acked++, in_flight = UINT64_MAX;
                break;
            case 's':
                set_state(&x, m.id, 1 + (int)m.value), acked++, in_flight = UINT64_MAX;
                break;
            case 'd':
                set_state(&x, m.id, -1), acked++, in_flight = UINT64_MAX;
                break;
            case 'b':
                uploads++, acked++, in_flight = UINT64_MAX;
                break;
            }
        }
        close(fds[0]);

        cr_assert_eq(pf_store_open(&o, &st, &eb), PF_E_OK, "after kill %d: %s", kill_no, eb.msg);
        for (uint64_t id = 1; id < x.cap; id++) {
            if (!x.state[id] || id == in_flight) continue;
            pf_order got = {0};
            pf_err err = pf_store_order_get(st, NULL, id, &got, &eb);
            if (x.state[id] < 0) {
                cr_assert_eq(err, PF_E_NOT_FOUND, "kill %d: deleted order %llu is back", kill_no,
                             (unsigned long long)id);
                continue;
            }
            cr_assert_eq(err, PF_E_OK, "kill %d: acknowledged order %llu lost", kill_no,
                         (unsigned long long)id);
            if (x.state[id] > 1)
                cr_assert_str_eq(got.status, statuses[x.state[id] - 1], "kill %d: order %llu", kill_no,
                                 (unsigned long long)id);
            pf_order_clear(&got);
        }
        /* The change in flight may or may not have committed: adopt whatever the store says. */
        if (in_flight && in_flight != UINT64_MAX) {
            pf_order got = {0};
            if (pf_store_order_get(st, NULL, in_flight, &got, &eb) == PF_E_OK) {
                for (int s = 0; s < 4; s++)
                    if (!strcmp(got.status, statuses[s])) set_state(&x, in_flight, 1 + s);
                pf_order_clear(&got);
            } else {
                set_state(&x, in_flight, -1);
            }
        }
        uint64_t n = 1;
        cr_assert_eq(pf_store_check(st, stderr, &n, &eb), PF_E_OK, "%s", eb.msg);
        cr_assert_eq(n, 0, "kill %d: %llu integrity problems", kill_no, (unsigned long long)n);
        pf_store_close(st);
    }
    cr_log_info("%llu acknowledged writes, %llu uploads", (unsigned long long)acked,
                (unsigned long long)uploads);
    cr_assert_gt(acked, KILLS / 2, "the writer got work done between kills");
    free(x.state);
    rm_rf(dir);
}
