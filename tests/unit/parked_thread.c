#include "config.h"
#include "tests/unit/parked_thread.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

static void *parked_main(void *arg)
{
	struct parked_thread *t = arg;

	t->tid = gettid();
	pthread_barrier_wait(&t->ready);
	pthread_barrier_wait(&t->done);
	return NULL;
}

void parked_thread_start(struct parked_thread *t)
{
	pthread_barrier_init(&t->ready, NULL, 2);
	pthread_barrier_init(&t->done, NULL, 2);
	assert_int_equal(pthread_create(&t->thread, NULL, parked_main, t), 0);
	pthread_barrier_wait(&t->ready);
}

void parked_thread_stop(struct parked_thread *t)
{
	pthread_barrier_wait(&t->done);
	pthread_join(t->thread, NULL);
	pthread_barrier_destroy(&t->ready);
	pthread_barrier_destroy(&t->done);
}
