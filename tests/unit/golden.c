#include "config.h"

#include "tests/unit/golden.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The source tree: $top_srcdir under make check, else the configured one. */
static const char *source_dir(void)
{
	const char *d = getenv("top_srcdir");

	return d && *d ? d : TOP_SRCDIR;
}

static bool update_golden(void)
{
	const char *u = getenv("RCAPFS_UPDATE_GOLDEN");

	return u && strcmp(u, "1") == 0;
}

static bool is_text(const char *p, size_t n)
{
	return memchr(p, '\0', n) == NULL;
}

void golden_check(const char *name, const struct rcapfs_buf *b)
{
	const char *got = b->len ? b->data : "";
	char path[4096], *want;
	size_t want_len, i;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/golden/%s", source_dir(), name);
	if (update_golden()) {
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(got, 1, b->len, f), b->len);
		assert_int_equal(fclose(f), 0);
		return;
	}
	f = fopen(path, "rb");
	if (!f) {
		print_error("cannot open %s\n", path);
		fail();
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	want_len = (size_t)n;
	want = malloc(want_len + 1);
	assert_non_null(want);
	assert_int_equal(fread(want, 1, want_len, f), want_len);
	fclose(f);
	want[want_len] = '\0';
	for (i = 0; i < want_len && i < b->len; i++)
		if (want[i] != got[i])
			break;
	if (i < want_len || i < b->len) {
		print_error("%s differs from byte %zu on (%zu bytes expected, "
			    "%zu rendered)\n",
			    path, i, want_len, b->len);
		if (is_text(want, want_len) && is_text(got, b->len))
			print_error("--- expected\n%s--- actual\n%.*s", want,
				    (int)b->len, got);
		free(want);
		fail();
	}
	free(want);
}
