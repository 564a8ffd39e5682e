/* Thread-count choice for the engine's two-thread steps, from the number of tasks running right now, and the
 * helper thread that runs a step's second share. */
#include "engine/sched.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The count of running tasks in /proc/loadavg ("0.50 0.40 0.30 R/T LAST": R, the caller included), or -1. */
static long running_tasks(void)
{
    char buf[128];
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    const char *p = buf;
    for (int field = 0; field < 3 && p; field++) {
        p = strchr(p, ' ');
        if (p) p++;
    }
    return p ? strtol(p, NULL, 10) : -1;
}

static int helper_awake(void);

int pf_sched_threads(int want)
{
    if (want == 1 || want == 2) return want;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t allowed; /* the cores this process may run on (taskset, cgroup cpusets) */
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) < cores)
        cores = CPU_COUNT(&allowed);
    if (cores < 2) return 1;
    /* A busy core shows in three reads 50 us apart; a task that runs for a moment (a kernel thread, a parent
     * on its way into wait) does not. The engine's own helper, spinning between steps, is no competition: it
     * is what the second thread would be (counted, it made every step after the first run on one thread). */
    for (int tries = 0; tries < 3; tries++) {
        if (tries) nanosleep(&(struct timespec){0, 50000}, NULL);
        long running = running_tasks();
        if (running < 0 || running - helper_awake() < cores) return 2;
    }
    return 1;
}

/* ---- The helper thread of two-way steps ----
 * One per process, like malloc's arenas: started on first use, it lives until the process exits. Between
 * steps it spins for HELPER_SPIN_NS (1 ms, so the next step of the same request finds it awake: waking a
 * sleeping thread, or starting one, took 0.1 to 4 ms here before it ran, on an idle virtual CPU) and then
 * sleeps on a futex. A step is offered through `state`; whoever moves it from OFFERED first decides: the
 * helper by taking it, the caller by withdrawing it once its own share is done. */
#define HELPER_SPIN_NS 1000000L
#define CALLER_SPIN_NS                                                                                       \
    50000000L         /* the caller waits for the helper's last piece: short unless it was preempted */
#define SPIN_CHECK 64 /* spins between clock reads */

enum { JOB_NONE, JOB_OFFERED, JOB_TAKEN, JOB_DONE };

typedef struct helper {
    pthread_mutex_t start_lock; /* guards starting the thread */
    atomic_int started;         /* 0 not yet, 1 running, -1 could not be started */
    pthread_t th;               /* the thread (when started) */
    cpu_set_t allowed;          /* the cores it may run on, as the process could when it started */
    atomic_int pinned;          /* 1: a caller narrowed its cores to wake it (see pf_sched_pair) */
    atomic_flag busy;           /* set while a caller holds the helper for a step */
    atomic_uint state;          /* JOB_*: the futex word the helper sleeps on when idle */
    atomic_uint done;           /* 1 when the taken step is done: the futex word the caller sleeps on */
    atomic_int helper_sleeps;   /* the helper sleeps (or is about to) on state */
    atomic_int caller_sleeps;   /* the caller sleeps (or is about to) on done */
    atomic_int rest;            /* 1: the helper sleeps at once instead of spinning (pf_sched_rest) */
    void (*fn)(void *, int);    /* the offered step */
    void *ctx;                  /* its argument */
} helper;

static helper the_helper = {.start_lock = PTHREAD_MUTEX_INITIALIZER, .busy = ATOMIC_FLAG_INIT};

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void futex_wait(atomic_uint *word, unsigned val)
{
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *word)
{
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Waits until *word == want: spinning for up to spin_ns (none while *rest is set, when rest is not NULL),
 * then sleeping with *sleeps set (the other side wakes the futex when it sees that flag after changing the
 * word). */
static void wait_for(atomic_uint *word, unsigned want, atomic_int *sleeps, long spin_ns,
                     const atomic_int *rest)
{
    long t0 = 0;
    for (unsigned i = 1;; i++) {
        if (atomic_load(word) == want) return;
        pf_cpu_relax();
        if (i % SPIN_CHECK) continue;
        long t = now_ns();
        if (!t0) t0 = t;
        if (t - t0 < spin_ns && !(rest && atomic_load(rest))) continue;
        atomic_store(sleeps, 1);
        unsigned seen = atomic_load(word);
        if (seen != want) futex_wait(word, seen);
        atomic_store(sleeps, 0);
        t0 = 0;
    }
}

static void *helper_main(void *arg)
{
    helper *h = arg;
    for (;;) {
        wait_for(&h->state, JOB_OFFERED, &h->helper_sleeps, HELPER_SPIN_NS, &h->rest);
        unsigned offered = JOB_OFFERED;
        if (!atomic_compare_exchange_strong(&h->state, &offered, JOB_TAKEN)) continue; /* withdrawn */
        h->fn(h->ctx, 1);
        atomic_store(&h->done, 1);
        if (atomic_load(&h->caller_sleeps)) futex_wake(&h->done);
        if (atomic_exchange(&h->pinned, 0)) /* running on another core than its waker now: free again */
            pthread_setaffinity_np(h->th, sizeof h->allowed, &h->allowed);
    }
    return NULL;
}

/* 1 while the helper thread runs or spins (it counts among /proc/loadavg's running tasks), else 0. */
static int helper_awake(void)
{
    return atomic_load(&the_helper.started) > 0 && !atomic_load(&the_helper.helper_sleeps);
}

/* In a child of fork the helper thread does not exist (only the forking thread is copied): the child starts
 * its own on first use. Without this its steps were offered to no one, and a wake's pinning would have named
 * the parent's helper (thread ids are system-wide). */
static void helper_forget(void)
{
    helper *h = &the_helper;
    pthread_mutex_init(&h->start_lock, NULL);
    atomic_store(&h->started, 0);
    atomic_store(&h->pinned, 0);
    atomic_flag_clear(&h->busy);
    atomic_store(&h->state, JOB_NONE);
    atomic_store(&h->helper_sleeps, 0);
    atomic_store(&h->caller_sleeps, 0);
}

static int helper_ready(helper *h)
{
    static int forget_registered; /* under start_lock; inherited by children, as the handler is */
    int s = atomic_load(&h->started);
    if (s) return s > 0;
    pthread_mutex_lock(&h->start_lock);
    if (!atomic_load(&h->started)) {
        if (!forget_registered) forget_registered = pthread_atfork(NULL, NULL, helper_forget) == 0;
        pthread_attr_t attr;
        if (sched_getaffinity(0, sizeof h->allowed, &h->allowed)) CPU_ZERO(&h->allowed);
        int ok = pthread_attr_init(&attr) == 0;
        if (ok) {
            ok = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
                 pthread_create(&h->th, &attr, helper_main, h) == 0;
            pthread_attr_destroy(&attr);
        }
        atomic_store(&h->started, ok ? 1 : -1);
    }
    pthread_mutex_unlock(&h->start_lock);
    return atomic_load(&h->started) > 0;
}

/* Wakes the sleeping helper on another core than the caller's. Why: Linux wakes a thread on its waker's core
 * when it judges them to share data (wake_affine), and there the helper waits for the caller, which spins
 * until its share is done, to give up the core. Seen in a bench of box_lid between other backends' runs: in
 * 4 of 9 estimates the helper took at most 3 of 32 steps and the two threads shared one core while the other
 * was idle (6.2–9.3 ms against 3.1, the process's CPU time equal to its wall time); woken elsewhere, 8 of 9
 * took 2.8–3.1 ms. The helper frees its cores again after its step (helper_main). */
static void wake_elsewhere(helper *h)
{
    int cpu = sched_getcpu();
    if (cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &h->allowed) && CPU_COUNT(&h->allowed) > 1) {
        cpu_set_t others = h->allowed;
        CPU_CLR(cpu, &others);
        if (!pthread_setaffinity_np(h->th, sizeof others, &others)) atomic_store(&h->pinned, 1);
    }
    futex_wake(&h->state);
}

void pf_sched_pair(void (*fn)(void *ctx, int who), void *ctx, int two)
{
    helper *h = &the_helper;
    if (!two || atomic_flag_test_and_set(&h->busy)) {
        fn(ctx, 0);
        return;
    }
    if (!helper_ready(h)) {
        atomic_flag_clear(&h->busy);
        fn(ctx, 0);
        return;
    }
    h->fn = fn;
    h->ctx = ctx;
    atomic_store(&h->rest, 0);
    atomic_store(&h->done, 0);
    atomic_store(&h->state, JOB_OFFERED);
    if (atomic_load(&h->helper_sleeps)) wake_elsewhere(h);
    fn(ctx, 0);
    unsigned offered = JOB_OFFERED;
    if (!atomic_compare_exchange_strong(&h->state, &offered, JOB_NONE)) { /* taken: wait for its end */
        wait_for(&h->done, 1, &h->caller_sleeps, CALLER_SPIN_NS, NULL);
        atomic_store(&h->state, JOB_NONE);
    }
    atomic_flag_clear(&h->busy);
}

void pf_sched_rest(void)
{
    atomic_store(&the_helper.rest, 1);
}

void pf_sched_warm(void)
{
    helper *h = &the_helper;
    if (atomic_load(&h->started) <= 0) return; /* none yet: the first step starts it */
    atomic_store(&h->rest, 0);
    if (atomic_load(&h->helper_sleeps)) wake_elsewhere(h); /* it spins until a step comes or its spin ends */
}
