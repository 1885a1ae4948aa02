/* Files in temporary directories: the fixture /proc and /sys trees of the
 * Linux backend tests, the state files of the front's. */
#ifndef RCAPFS_TESTS_FIXTURE_FILE_H
#define RCAPFS_TESTS_FIXTURE_FILE_H

#include <stddef.h>

/* Write len bytes of data to root/rel, making the directories on the way
 * and replacing the file if it exists. Fails the test on any error. */
void fixture_file_put(const char *root, const char *rel, const void *data,
		      size_t len);

/* The whole file at path, NUL-terminated (the caller frees it); its size
 * in *len unless len is NULL. Fails the test on any error. */
char *fixture_file_get(const char *path, size_t *len);

/* Remove dir and everything below it. Fails the test on any error. */
void fixture_file_remove_tree(const char *dir);

#endif
