// SPDX-License-Identifier: Apache-2.0
#ifndef PDP_SCHEDULING_H
#define PDP_SCHEDULING_H

#include <stdint.h>

/// Asks the kernel to give the calling thread time slices of `nanoseconds` (Linux 6.12 and
/// later: `sched_setattr` with `sched_runtime` under the normal policy; the kernel keeps it
/// between 0.1 and 100 ms). Returns 0, or the errno of the refusal; ENOSYS where there is no
/// such call. Swift cannot call the variadic `syscall`, and glibc before 2.41 has no wrapper.
int pdp_request_scheduler_slice(uint64_t nanoseconds);

/// The calling thread's time slice in nanoseconds as the kernel reports it, or 0 when it
/// cannot tell.
uint64_t pdp_scheduler_slice(void);

#endif
