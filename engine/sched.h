/* How many threads a parallel engine step should use right now: a second one only when a core is idle. */
#ifndef PF_SCHED_H
#define PF_SCHED_H

/* Returns 1 or 2 for a step that could use `want` threads (0 meaning "decide": 2 when another core is idle
 * now, else 1; 1 and 2 are taken as they are). Why: the engine's steps end in a join, and when every core is
 * busy (a loaded server, or a shared build machine) a second thread only waits to be scheduled, so the step
 * took longer on two threads than on one. Results never depend on the choice. Reads /proc/loadavg's count
 * of running tasks, the caller included (one small read; when it shows every core busy, two more 50 us apart,
 * so that a task running for a moment does not count); without it, 2. Never 2 for a process allowed on one
 * core only (taskset, cpuset). Thread-safe. */
int pf_sched_threads(int want);

/* Runs a two-way step: fn(ctx, 0) on the caller's thread and, when two is nonzero, fn(ctx, 1) on the
 * process's helper thread, if no other step holds it and it picks this one up before fn(ctx, 0) has returned;
 * returns once every call made has returned. fn(ctx, 1) may come late or not at all, so fn must share the
 * work through ctx as it goes (e.g. pieces taken from an atomic counter) so that fn(ctx, 0) alone can do all
 * of it. Why a kept helper: starting a thread took 0.1 to 4 ms here before it ran, longer than some steps;
 * the helper, started on first use and kept until the process exits, spins for 1 ms after each step (then
 * sleeps, and is woken on another core than the caller's) and so joins the next step of the same request
 * within microseconds. Thread-safe; a step run from
 * inside another two-way step runs on its caller's thread alone. */
void pf_sched_pair(void (*fn)(void *ctx, int who), void *ctx, int two);

/* Lets the helper sleep now rather than spin until the next step: for a caller whose next work runs on other
 * threads (an OpenCL CPU device's kernels), where a spinning helper takes a core from them. The next
 * pf_sched_pair wakes it (later to join than a spinning one). Thread-safe. */
void pf_sched_rest(void);
/* Wakes the helper now, with no step for it yet, so that it spins when the caller's next step comes: for a
 * caller whose device work has just ended and whose next steps follow some work of its own (waking an idle
 * virtual CPU took 0.1 to 4 ms here). It sleeps again after its spin if no step comes. Thread-safe. */
void pf_sched_warm(void);

/* A pause in a spin-wait loop. */
static inline void pf_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#endif
