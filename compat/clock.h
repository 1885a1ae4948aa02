/* Monotonic time: for intervals and timed waits that must not jump with
 * the wall clock. */
#ifndef RCAPFS_COMPAT_CLOCK_H
#define RCAPFS_COMPAT_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define RCAPFS_NS_PER_S 1000000000ULL

/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t rcapfs_mono_ns(void);

/* Initialise c so that pthread_cond_timedwait takes CLOCK_MONOTONIC
 * deadlines. Returns 0 or -errno; destroy with pthread_cond_destroy. */
int rcapfs_cond_init_mono(pthread_cond_t *c);

/* A monotonic nanosecond value as the timespec timedwait takes. */
struct timespec rcapfs_ns_timespec(uint64_t ns);

#endif
