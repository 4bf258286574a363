#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H
// What `pdp load`'s generator threads (Sources/PDPLoad/Engine/LoadThread.swift, which says
// why they exist) need from Linux and Swift's Glibc module leaves out (<sys/epoll.h>) or
// cannot call (prctl is variadic; pthread_setname_np needs _GNU_SOURCE). Linux only.
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/prctl.h>

/// Names the calling thread (at most 15 bytes show); 0 on success.
static inline int clinux_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}

/// Sets the calling thread's timer slack; 0 on success.
static inline int clinux_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0UL, 0UL, 0UL);
}
#endif
#endif
