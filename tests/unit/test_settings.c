/* fs/settings.c: each change saved, and undone exactly when the save
 * fails; an undo that fails in turn is logged. */
#include "config.h"

#include "fs/settings.h"

#include "fs/state.h"
#include "tests/unit/fake_backend.h"
#include "tests/unit/fixture_file.h"
#include "tests/unit/scanner_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (UINT64_C(1) << 20)

struct fixture {
	char dir[64];	 /* a fresh temporary directory */
	char path[128];	 /* dir/state */
	char block[160]; /* the name a save writes first: a directory there
			    makes saves fail and leaves the file alone */
	char log[128];	 /* dir/log: stderr while a test listens */
	int saved_stderr;
	struct rcapfs_backend *be;
	struct rcapfs_scanner *sc;
	struct rcapfs_settings *st;
};

static int setup(void **state)
{
	static const struct rcapfs_proc procs[] = {
		{.pid = 1, .ppid = 0, .start_ticks = 10, .comm = "init"},
		{.pid = 100, .ppid = 1, .start_ticks = 5000, .comm = "nginx"},
	};
	struct fixture *f = calloc(1, sizeof(*f));
	char err[64];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/rcapfs-test-settings-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/state", f->dir);
	snprintf(f->block, sizeof(f->block), "%s.tmp.%ld", f->path,
		 (long)getpid());
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	f->saved_stderr = -1;
	scanner_fixture_new(&f->be, &f->sc);
	fake_backend_set_procs(f->be, procs, 2);
	assert_int_equal(rcapfs_settings_new(f->sc, f->path, &f->st), 0);
	/* A collection with a cap and rules, saved. */
	assert_int_equal(rcapfs_settings_create(f->st, "web"), 0);
	assert_int_equal(rcapfs_settings_set_cap(f->st, "web", 512 * MIB), 0);
	assert_int_equal(rcapfs_settings_set_members(f->st, "web",
						     "pid 100\nuid 33\n", 15,
						     false, err, sizeof(err)),
			 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rcapfs_settings_free(f->st);
	scanner_fixture_free(f->be, f->sc);
	fixture_file_remove_tree(f->dir);
	free(f);
	return 0;
}

/* From here saves fail (their temporary name is taken by a directory they
 * cannot remove), and the state file stays as it is. */
static void break_saves(struct fixture *f)
{
	assert_int_equal(mkdir(f->block, 0700), 0);
}

static void mend_saves(struct fixture *f)
{
	assert_int_equal(rmdir(f->block), 0);
}

/* The log (stderr) goes to f->log until log_end(). */
static void log_begin(struct fixture *f)
{
	int fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	f->saved_stderr = dup(STDERR_FILENO);
	assert_true(f->saved_stderr >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* What was logged since log_begin() (the caller frees it). */
static char *log_end(struct fixture *f)
{
	fflush(stderr);
	assert_int_equal(dup2(f->saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(f->saved_stderr);
	f->saved_stderr = -1;
	return fixture_file_get(f->log, NULL);
}

static uint64_t cap_of(struct fixture *f, const char *name)
{
	uint64_t cap = 1;

	assert_int_equal(rcapfs_scanner_get_cap(f->sc, name, &cap), 0);
	return cap;
}

/* The rules of name as the state file keeps them (the caller frees). */
static char *rules_of(struct fixture *f, const char *name)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	assert_int_equal(
		rcapfs_scanner_members(f->sc, name, RCAPFS_RULES_STATE, &b), 0);
	return b.data ? b.data : strdup("");
}

/* Each change lands in the state file before it is acknowledged. */
static void test_settings__saved(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_int_equal(rcapfs_settings_set_knob(
				 f->st, rcapfs_ctl_find("pressure", 8), 40),
			 0);
	assert_int_equal(rcapfs_settings_create(f->st, "db"), 0);
	assert_int_equal(rcapfs_settings_set_swap_idle(f->st, "web", 600), 0);
	text = fixture_file_get(f->path, NULL);
	assert_non_null(strstr(text, "pressure 40\n"));
	assert_non_null(strstr(text, "collection web\nid 1\ncap 536870912\n"
				     "swap_idle 600\n"
				     "member pid 100 start=5000\n"
				     "member uid 33\nend\n"));
	assert_non_null(
		strstr(text, "collection db\nid 2\ncap 0\nswap_idle 0\nend\n"));
	free(text);
	assert_int_equal(rcapfs_settings_remove(f->st, "db"), 0);
	text = fixture_file_get(f->path, NULL);
	assert_null(strstr(text, "collection db"));
	free(text);
	assert_false(rcapfs_scanner_exists(f->sc, "db"));
}

/* What the scanner refuses changes nothing and saves nothing. */
static void test_settings__refused(void **state)
{
	struct fixture *f = *state;
	char err[64] = "", *before = fixture_file_get(f->path, NULL), *after;

	break_saves(f);
	assert_int_equal(rcapfs_settings_set_cap(f->st, "nope", MIB), -ENOENT);
	assert_int_equal(rcapfs_settings_set_swap_idle(f->st, "nope", 1),
			 -ENOENT);
	assert_int_equal(rcapfs_settings_set_swap_idle(
				 f->st, "web", RCAPFS_INTERVAL_MAX_S + 1),
			 -ERANGE);
	assert_int_equal(rcapfs_settings_set_members(f->st, "web", "bogus 1", 7,
						     false, err, sizeof(err)),
			 -EINVAL);
	assert_true(err[0] != '\0');
	assert_int_equal(rcapfs_settings_create(f->st, "web"), -EEXIST);
	assert_int_equal(rcapfs_settings_create(f->st, ".x"), -EINVAL);
	assert_int_equal(rcapfs_settings_remove(f->st, "nope"), -ENOENT);
	mend_saves(f);
	after = fixture_file_get(f->path, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_settings__cap_rolled_back(void **state)
{
	struct fixture *f = *state;
	char *before = fixture_file_get(f->path, NULL), *after;

	break_saves(f);
	assert_int_equal(rcapfs_settings_set_cap(f->st, "web", MIB), -EIO);
	assert_int_equal(cap_of(f, "web"), 512 * MIB);
	assert_int_equal(rcapfs_settings_set_cap(f->st, "web", 0), -EIO);
	assert_int_equal(cap_of(f, "web"), 512 * MIB);
	mend_saves(f);
	after = fixture_file_get(f->path, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_settings__swap_idle_rolled_back(void **state)
{
	struct fixture *f = *state;
	char *before = fixture_file_get(f->path, NULL), *after;
	unsigned s = 99;

	break_saves(f);
	assert_int_equal(rcapfs_settings_set_swap_idle(f->st, "web", 60), -EIO);
	assert_int_equal(rcapfs_scanner_get_swap_idle(f->sc, "web", &s), 0);
	assert_int_equal(s, 0);
	mend_saves(f);
	after = fixture_file_get(f->path, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_settings__members_rolled_back(void **state)
{
	struct fixture *f = *state;
	char *rules = rules_of(f, "web"), *now, err[64];

	break_saves(f);
	/* Replaced, and appended to: the rules stay as they were. */
	assert_int_equal(rcapfs_settings_set_members(f->st, "web", "uid 0\n", 6,
						     false, err, sizeof(err)),
			 -EIO);
	now = rules_of(f, "web");
	assert_string_equal(now, rules);
	free(now);
	assert_int_equal(rcapfs_settings_set_members(f->st, "web", "gid 7\n", 6,
						     true, err, sizeof(err)),
			 -EIO);
	now = rules_of(f, "web");
	assert_string_equal(now, rules);
	free(now);
	mend_saves(f);
	free(rules);
}

static void test_settings__knob_rolled_back(void **state)
{
	struct fixture *f = *state;
	const struct rcapfs_ctl defaults = RCAPFS_CTL_DEFAULTS;
	struct rcapfs_ctl ctl;

	break_saves(f);
	for (size_t i = 0; i < RCAPFS_CTL_NKNOBS; i++) {
		const struct rcapfs_ctl_knob *k = &rcapfs_ctl_knobs[i];
		unsigned v = k->def == k->max ? k->min : k->max;

		assert_int_equal(rcapfs_settings_set_knob(f->st, k, v), -EIO);
		rcapfs_scanner_get_ctl(f->sc, &ctl);
		scanner_fixture_assert_ctl_equal(&ctl, &defaults);
	}
	mend_saves(f);
}

static void test_settings__create_rolled_back(void **state)
{
	struct fixture *f = *state;
	char **names = NULL;
	size_t n = 0;

	break_saves(f);
	assert_int_equal(rcapfs_settings_create(f->st, "db"), -EIO);
	assert_false(rcapfs_scanner_exists(f->sc, "db"));
	assert_int_equal(rcapfs_scanner_names(f->sc, &names, &n), 0);
	assert_int_equal(n, 1);
	rcapfs_names_free(names, n);
	mend_saves(f);
	/* And nothing stands in the way of doing it again. */
	assert_int_equal(rcapfs_settings_create(f->st, "db"), 0);
}

/* A removal that cannot be saved leaves the collection as it was: cap,
 * rules and the counters it gathered, none of it made anew. */
static void test_settings__remove_rolled_back(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_stats before, after;
	char *rules = rules_of(f, "web"), *now;

	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_stats(f->sc, "web", &before), 0);
	assert_int_equal(before.samples, 1);
	break_saves(f);
	assert_int_equal(rcapfs_settings_remove(f->st, "web"), -EIO);
	mend_saves(f);
	assert_true(rcapfs_scanner_exists(f->sc, "web"));
	assert_int_equal(cap_of(f, "web"), 512 * MIB);
	now = rules_of(f, "web");
	assert_string_equal(now, rules);
	assert_int_equal(rcapfs_scanner_stats(f->sc, "web", &after), 0);
	assert_int_equal(after.samples, before.samples);
	assert_int_equal(after.last_sample_unix, before.last_sample_unix);
	free(now);
	free(rules);
}

/* The rules cannot be put back (the pid rule's process cannot be looked
 * up any more): the failed undo is logged, and the write still fails. */
static void test_settings__failed_undo_logged(void **state)
{
	struct fixture *f = *state;
	char err[64], *logged;
	int rc;

	break_saves(f);
	log_begin(f);
	fake_backend_fail_proc(f->be, -EMFILE);
	rc = rcapfs_settings_set_members(f->st, "web", "uid 0\n", 6, false, err,
					 sizeof(err));
	fake_backend_fail_proc(f->be, 0);
	logged = log_end(f);
	mend_saves(f);
	assert_int_equal(rc, -EIO);
	if (!strstr(logged, "members of web could not be saved") ||
	    !strstr(logged, "nor undone") || !strstr(logged, "process 100")) {
		print_error("log: %s\n", logged);
		fail();
	}
	free(logged);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_settings__saved),
		T(test_settings__refused),
		T(test_settings__cap_rolled_back),
		T(test_settings__swap_idle_rolled_back),
		T(test_settings__members_rolled_back),
		T(test_settings__knob_rolled_back),
		T(test_settings__create_rolled_back),
		T(test_settings__remove_rolled_back),
		T(test_settings__failed_undo_logged),
	};
#undef T

	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
