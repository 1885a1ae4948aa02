#include "config.h"

#include "tests/fuzz/fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int report_fd = STDERR_FILENO;

void fuzz_init(void)
{
	int fd = dup(STDERR_FILENO);

	if (fd >= 0)
		report_fd = fd;
}

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(report_fd, "%s:%d: invariant broken: %s\n", file, line, msg);
	abort();
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s) {
		dprintf(report_fd, "fuzz: out of memory\n");
		abort();
	}
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
