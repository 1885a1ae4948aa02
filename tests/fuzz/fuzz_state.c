/*
 * Fuzz rcapfs_state_load: the input is written to a file in a temporary
 * directory ($TMPDIR, else /tmp) and loaded into a fresh scanner over the
 * fake backend. A refused file must fail with EINVAL and leave the scanner
 * as it was; a loaded one must hold one collection per "collection" line,
 * save, load into another fresh scanner and save again to the same text.
 */
#include "config.h"

#include "tests/fuzz/fuzz.h"

#include "compat/buf.h"
#include "compat/log.h"
#include "fs/state.h"
#include "scanner/scanner.h"
#include "tests/unit/fake_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct rcapfs_backend *be;
static char dir[PATH_MAX - 32];
static char in_path[PATH_MAX], saved_path[PATH_MAX], again_path[PATH_MAX];

static void cleanup(void)
{
	unlink(in_path);
	unlink(saved_path);
	unlink(again_path);
	rmdir(dir);
	rcapfs_backend_free(be);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct rcapfs_proc procs[] = {
		{.pid = 1, .ppid = 0, .start_ticks = 10, .comm = "init"},
		{.pid = 100, .ppid = 1, .start_ticks = 5000, .comm = "nginx"},
		{.pid = 200, .ppid = 1, .start_ticks = 6000, .comm = "psql"},
	};
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	fuzz_init();
	/* Every load logs at info; the errors are what is fuzzed. */
	rcapfs_log_setup(0, RCAPFS_LOG_ERR);
	be = fake_backend_new();
	fake_backend_set_procs(be, procs, sizeof(procs) / sizeof(procs[0]));
	fake_backend_add_user(be, "www", 33);
	fake_backend_add_group(be, "staff", 50);
	snprintf(dir, sizeof(dir), "%s/rcapfs-fuzz-state-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(dir), "mkdtemp %s", dir);
	snprintf(in_path, sizeof(in_path), "%s/in", dir);
	snprintf(saved_path, sizeof(saved_path), "%s/saved", dir);
	snprintf(again_path, sizeof(again_path), "%s/again", dir);
	atexit(cleanup);
	return 0;
}

static void spit(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n;

	FUZZ_CHECK(fd >= 0, "cannot create %s", path);
	while (size > 0) {
		n = write(fd, data, size);
		FUZZ_CHECK(n > 0, "cannot write %s", path);
		data += n;
		size -= (size_t)n;
	}
	FUZZ_CHECK(close(fd) == 0, "cannot write %s", path);
}

static void slurp(const char *path, struct rcapfs_buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	FUZZ_CHECK(fd >= 0, "cannot open %s", path);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		FUZZ_CHECK(rcapfs_buf_add(out, chunk, (size_t)n) == 0,
			   "out of memory");
	FUZZ_CHECK(n == 0, "cannot read %s", path);
	close(fd);
}

static struct rcapfs_scanner *new_scanner(void)
{
	struct rcapfs_scanner *sc = NULL;

	FUZZ_CHECK(rcapfs_scanner_new(be, &sc) == 0, "out of memory");
	return sc;
}

static size_t ncollections(struct rcapfs_scanner *sc)
{
	char **names = NULL;
	size_t n = 0;

	FUZZ_CHECK(rcapfs_scanner_names(sc, &names, &n) == 0, "out of memory");
	rcapfs_names_free(names, n);
	return n;
}

/* A refused file changed nothing: defaults, no collection. */
static void check_pristine(struct rcapfs_scanner *sc)
{
	const struct rcapfs_ctl want = RCAPFS_CTL_DEFAULTS;
	struct rcapfs_ctl ctl;

	rcapfs_scanner_get_ctl(sc, &ctl);
	FUZZ_CHECK(ctl.enforce == want.enforce &&
			   ctl.pressure_pct == want.pressure_pct &&
			   ctl.sample_interval_s == want.sample_interval_s &&
			   ctl.scan_interval_s == want.scan_interval_s &&
			   ctl.report_interval_s == want.report_interval_s &&
			   ctl.mode == want.mode &&
			   ctl.accounting == want.accounting,
		   "a refused file changed the ctl values");
	FUZZ_CHECK(ncollections(sc) == 0, "a refused file left %zu collections",
		   ncollections(sc));
}

/* Lines of a file that loaded that open a collection block. */
static size_t collection_lines(const uint8_t *data, size_t size)
{
	static const char key[] = "collection ";
	const uint8_t *p = data, *end = data + size, *nl;
	size_t n = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		FUZZ_CHECK(nl, "a file without a final newline loaded");
		n += (size_t)(nl - p) >= sizeof(key) - 1 &&
		     memcmp(p, key, sizeof(key) - 1) == 0;
		p = nl + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rcapfs_buf saved = RCAPFS_BUF_INIT, again = RCAPFS_BUF_INIT;
	struct rcapfs_scanner *sc = new_scanner(), *sc2;
	int rc;

	spit(in_path, data, size);
	rc = rcapfs_state_load(sc, in_path);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "load: rc %d", rc);
	if (rc) {
		check_pristine(sc);
		goto out;
	}
	FUZZ_CHECK(ncollections(sc) == collection_lines(data, size),
		   "%zu collections loaded from %zu blocks", ncollections(sc),
		   collection_lines(data, size));
	FUZZ_CHECK(rcapfs_state_save(sc, saved_path) == 0, "save failed");
	sc2 = new_scanner();
	rc = rcapfs_state_load(sc2, saved_path);
	FUZZ_CHECK(rc == 0, "the saved file does not load: %d", rc);
	FUZZ_CHECK(rcapfs_state_save(sc2, again_path) == 0, "save failed");
	rcapfs_scanner_free(sc2);
	slurp(saved_path, &saved);
	slurp(again_path, &again);
	FUZZ_CHECK(saved.len == again.len &&
			   memcmp(saved.data, again.data, saved.len) == 0,
		   "save, load, save changed the text:\n%s---\n%s", saved.data,
		   again.data);
	unlink(saved_path);
	unlink(again_path);
out:
	unlink(in_path);
	rcapfs_buf_release(&saved);
	rcapfs_buf_release(&again);
	rcapfs_scanner_free(sc);
	return 0;
}
