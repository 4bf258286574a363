// SPDX-License-Identifier: Apache-2.0
#include "pdp_scheduling.h"

#include <errno.h>
#include <string.h>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>

// The kernel's struct sched_attr (linux/sched/types.h), first version: 48 bytes.
struct pdp_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

int pdp_request_scheduler_slice(uint64_t nanoseconds) {
    struct pdp_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    // Read first, so the nice value (and policy) stay as they are.
    if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return errno;
    if (attr.sched_policy != 0) return EPERM; // SCHED_OTHER only: leave real-time or batch policies alone
    attr.size = sizeof attr;
    attr.sched_flags = 0;
    attr.sched_runtime = nanoseconds;
    if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) return errno;
    return 0;
}

uint64_t pdp_scheduler_slice(void) {
    struct pdp_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return 0;
    return attr.sched_runtime;
}
#else
int pdp_request_scheduler_slice(uint64_t nanoseconds) {
    (void)nanoseconds;
    return ENOSYS;
}

uint64_t pdp_scheduler_slice(void) { return 0; }
#endif
