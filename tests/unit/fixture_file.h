/* Files of the fixture /proc and /sys trees that the Linux backend tests
 * build in temporary directories. */
#ifndef RCAPFS_TESTS_FIXTURE_FILE_H
#define RCAPFS_TESTS_FIXTURE_FILE_H

#include <stddef.h>

/* Write len bytes of data to root/rel, making the directories on the way
 * and replacing the file if it exists. Fails the test on any error. */
void fixture_file_put(const char *root, const char *rel, const void *data,
		      size_t len);

#endif
