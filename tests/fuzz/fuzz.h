/*
 * Fuzz targets: one per parser. Each file defines the two libFuzzer entry
 * points below; built with -fsanitize=fuzzer it is a fuzzer, built with
 * tests/fuzz/driver.c it is a plain program that replays a corpus (so
 * every input a fuzzer once broke stays a regression test).
 */
#ifndef RCAPFS_TESTS_FUZZ_FUZZ_H
#define RCAPFS_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Called once before any input; argc/argv are the program's. Returns 0. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Run one input: returns 0; a broken invariant aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Keep a descriptor of stderr for failure reports: the fuzzers run with
 * -close_fd_mask=2 so the daemon's log lines do not flood the terminal,
 * and a report must still be seen. Call from LLVMFuzzerInitialize.
 */
void fuzz_init(void);

/* Report a broken invariant (printf-style) and abort. */
void fuzz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);            \
	} while (0)

/* A NUL-terminated malloc'd copy of data (the caller frees), for the
 * checks that need a C string; aborts on ENOMEM. */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
