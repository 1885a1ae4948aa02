/* Golden files for the formatter tests: tests/golden/NAME in the source
 * tree, rewritten instead of compared under RCAPFS_UPDATE_GOLDEN=1 (make
 * update-golden). */
#ifndef RCAPFS_TESTS_GOLDEN_H
#define RCAPFS_TESTS_GOLDEN_H

#include "compat/buf.h"

/* Compare b with tests/golden/name byte for byte; on a difference, print
 * where it starts (and both texts when they are text) and fail the test. */
void golden_check(const char *name, const struct rcapfs_buf *b);

#endif
