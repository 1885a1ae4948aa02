#include "config.h"
#include "tests/unit/scanner_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tests/unit/fake_backend.h"

void scanner_fixture_new(struct rcapfs_backend **be, struct rcapfs_scanner **sc)
{
	*be = fake_backend_new();
	assert_int_equal(rcapfs_scanner_new(*be, sc), 0);
}

void scanner_fixture_free(struct rcapfs_backend *be, struct rcapfs_scanner *sc)
{
	rcapfs_scanner_free(sc);
	rcapfs_backend_free(be);
}

void scanner_fixture_set_members(struct rcapfs_scanner *sc, const char *name,
				 const char *text)
{
	char err[256] = "";
	int rc =
		rcapfs_scanner_set_members(sc, name, text, strlen(text), false,
					   RCAPFS_RULES_USER, err, sizeof(err));

	if (rc)
		fail_msg("set_members %s \"%s\": %d %s", name, text, rc, err);
}

void scanner_fixture_assert_ctl_equal(const struct rcapfs_ctl *a,
				      const struct rcapfs_ctl *b)
{
	for (size_t i = 0; i < RCAPFS_CTL_NKNOBS; i++) {
		const struct rcapfs_ctl_knob *k = &rcapfs_ctl_knobs[i];

		if (rcapfs_ctl_get(a, k) != rcapfs_ctl_get(b, k))
			fail_msg("ctl %s: %u, %u", k->file,
				 rcapfs_ctl_get(a, k), rcapfs_ctl_get(b, k));
	}
}
