/* A thread of the test process that does nothing until told to end: the
 * Linux backend tests check that a thread's id is not taken for a
 * process. */
#ifndef RCAPFS_TESTS_PARKED_THREAD_H
#define RCAPFS_TESTS_PARKED_THREAD_H

#include <pthread.h>
#include <sys/types.h>

struct parked_thread {
	pthread_t thread;
	pthread_barrier_t ready;
	pthread_barrier_t done;
	pid_t tid; /* the thread's id, set once it runs */
};

/* Start t and return once it runs, with t->tid set. Fails the test when
 * no thread can be started. End it with parked_thread_stop(). */
void parked_thread_start(struct parked_thread *t);

/* Let t end, join it and release what it held. */
void parked_thread_stop(struct parked_thread *t);

#endif
