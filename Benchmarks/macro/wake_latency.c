// SPDX-License-Identifier: Apache-2.0
// The scheduling floor of this machine: a thread asks to wake at fixed instants and records
// how late it wakes. No network, no server. On a VM, the p99.9 of this is a lower bound for
// the tail latency any server can show in an open-loop test here.
//   cc -O2 -o wake_latency wake_latency.c && ./wake_latency [samples] [period_ns]
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int samples = argc > 1 ? atoi(argv[1]) : 50000;
    long period = argc > 2 ? atol(argv[2]) : 100000;
    if (samples < 1000 || period < 1000) {
        fprintf(stderr, "usage: wake_latency [samples >= 1000] [period_ns >= 1000]\n");
        return 2;
    }
    long *late = malloc(sizeof(long) * samples);
    if (!late) return 1;
    prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);  // no deliberate timer slack: measure the machine
    long next = now_ns() + period;
    for (int i = 0; i < samples; i++) {
        struct timespec t = {next / 1000000000L, next % 1000000000L};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
        late[i] = now_ns() - next;
        next += period;
    }
    qsort(late, samples, sizeof(long), compare);
    printf("timer wake-up lateness, %d wake-ups every %ld us: p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us\n",
           samples, period / 1000, late[samples / 2] / 1e3, late[samples * 99 / 100] / 1e3,
           late[samples * 999 / 1000] / 1e3, late[samples - 1] / 1e3);
    free(late);
    return 0;
}
