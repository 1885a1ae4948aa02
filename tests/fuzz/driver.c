/*
 * The main() of a fuzz target built without libFuzzer: replays inputs
 * through LLVMFuzzerTestOneInput. Each argument is a file or a directory of
 * files; without arguments it replays the target's seed corpus and its
 * regression inputs, tests/fuzz/{corpus,regressions}/FUZZ_TARGET/ under
 * $top_srcdir (make check sets it) or the source tree it was built from.
 */
#include "config.h"

#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif

/* automake's "hard error": the replay itself could not run. */
#define EXIT_HARD 99

/* Read a whole file into a buffer of exactly its size, so that a parser
 * reading one byte too far trips ASan or memcheck as it would under
 * libFuzzer. Returns 0 or -errno. */
static int slurp(const char *path, uint8_t **out, size_t *out_len)
{
	uint8_t *data = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	/* One byte at least: malloc(0) may return NULL. */
	data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!data) {
		rc = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, data + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
out:
	close(fd);
	if (rc) {
		free(data);
		return rc;
	}
	*out = data;
	*out_len = len;
	return 0;
}

static int replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = slurp(path, &data, &len);

	if (rc) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path,
			strerror(-rc));
		return rc;
	}
	/* Named before it runs: a crash report then says which input. */
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

/* Dot files (a .gitignore, editor droppings) are not inputs. */
static int is_input(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Replay every file of dir in name order; adds to *count. A missing dir
 * is an error only when must_exist. Returns 0 or -errno. */
static int replay_dir(const char *dir, bool must_exist, unsigned *count)
{
	struct dirent **names = NULL;
	char path[4096];
	struct stat st;
	int n, i, rc = 0;

	n = scandir(dir, &names, is_input, alphasort);
	if (n < 0) {
		rc = -errno;
		if (rc == -ENOENT && !must_exist)
			return 0;
		fprintf(stderr, "replay: cannot list %s: %s\n", dir,
			strerror(-rc));
		return rc;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && snprintf(path, sizeof(path), "%s/%s", dir,
					names[i]->d_name) >= (int)sizeof(path))
			rc = -ENAMETOOLONG;
		if (rc == 0 && stat(path, &st) < 0)
			rc = -errno;
		if (rc == 0 && S_ISREG(st.st_mode)) {
			rc = replay_file(path);
			*count += rc == 0;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	unsigned count = 0;
	char dir[4096];
	struct stat st;
	int i, rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	if (!top || !*top)
		top = TOP_SRCDIR;
	if (argc > 1) {
		for (i = 1; rc == 0 && i < argc; i++) {
			if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
				rc = replay_dir(argv[i], true, &count);
			} else {
				rc = replay_file(argv[i]);
				count += rc == 0;
			}
		}
	} else {
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top,
			 FUZZ_TARGET);
		rc = replay_dir(dir, true, &count);
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/regressions/%s", top,
			 FUZZ_TARGET);
		if (rc == 0)
			rc = replay_dir(dir, false, &count);
		/* An empty corpus would pass without testing anything. */
		if (rc == 0 && count == 0) {
			fprintf(stderr, "replay: no inputs for %s under %s\n",
				FUZZ_TARGET, top);
			rc = -ENOENT;
		}
	}
	if (rc)
		return EXIT_HARD;
	printf("%s: %u inputs replayed, every invariant held\n", FUZZ_TARGET,
	       count);
	return 0;
}
