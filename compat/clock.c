#include "config.h"

#include "compat/clock.h"

uint64_t rcapfs_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * RCAPFS_NS_PER_S + (uint64_t)ts.tv_nsec;
}

int rcapfs_cond_init_mono(pthread_cond_t *c)
{
	pthread_condattr_t attr;
	int rc;

	rc = -pthread_condattr_init(&attr);
	if (rc)
		return rc;
	rc = -pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = -pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
	return rc;
}

struct timespec rcapfs_ns_timespec(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / RCAPFS_NS_PER_S),
			      (long)(ns % RCAPFS_NS_PER_S)};

	return ts;
}
