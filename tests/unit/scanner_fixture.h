/* The fixture of the scanner and state tests, a scanner over a fake
 * backend of its own, and the checks both make on scanners. */
#ifndef RCAPFS_TESTS_SCANNER_FIXTURE_H
#define RCAPFS_TESTS_SCANNER_FIXTURE_H

#include "compat/backend.h"
#include "scanner/scanner.h"

/* A new fake backend (see fake_backend_new) in *be and a scanner over it
 * in *sc. Fails the test when the scanner cannot be made. Free both with
 * scanner_fixture_free(). */
void scanner_fixture_new(struct rcapfs_backend **be,
			 struct rcapfs_scanner **sc);

/* Free sc, then be, which it works on. */
void scanner_fixture_free(struct rcapfs_backend *be, struct rcapfs_scanner *sc);

/* Set the membership rules of collection name to text, as a user writes
 * them; fail the test, saying why, when they are refused. */
void scanner_fixture_set_members(struct rcapfs_scanner *sc, const char *name,
				 const char *text);

/* Fail the test unless a and b hold the same settings, compared knob by
 * knob (scanner/ctl.h), naming the first that differs. */
void scanner_fixture_assert_ctl_equal(const struct rcapfs_ctl *a,
				      const struct rcapfs_ctl *b);

#endif
