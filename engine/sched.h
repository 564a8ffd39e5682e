/* How many threads a parallel engine step should use right now: a second one only when a core is idle. */
#ifndef PF_SCHED_H
#define PF_SCHED_H

/* Returns 1 or 2 for a step that could use `want` threads (0 meaning "decide": 2 when another core is idle
 * now, else 1; 1 and 2 are taken as they are). Why: the engine's steps end in a join, and when every core is
 * busy (a loaded server, or a shared build machine) a second thread only waits to be scheduled, so the step
 * took longer on two threads than on one. Results never depend on the choice. Reads /proc/loadavg's count
 * of running tasks (one small read); without it, 2. Never 2 for a process allowed on one core only (taskset,
 * cpuset). Thread-safe. */
int pf_sched_threads(int want);

#endif
