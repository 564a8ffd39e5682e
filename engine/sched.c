/* Thread-count choice for the engine's two-thread steps, from the number of tasks running right now. */
#include "engine/sched.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pf_sched_threads(int want)
{
    if (want == 1 || want == 2) return want;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t allowed; /* the cores this process may run on (taskset, cgroup cpusets) */
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) < cores)
        cores = CPU_COUNT(&allowed);
    if (cores < 2) return 1;
    char buf[128];
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 2;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 2;
    buf[n] = 0;
    /* "0.50 0.40 0.30 R/T LAST": R counts running tasks, the caller included. */
    const char *p = buf;
    for (int field = 0; field < 3 && p; field++) {
        p = strchr(p, ' ');
        if (p) p++;
    }
    if (!p) return 2;
    long running = strtol(p, NULL, 10);
    return running < cores ? 2 : 1;
}
