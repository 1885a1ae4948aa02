#include "config.h"

#include "fs/state.h"

#include "tests/unit/fake_backend.h"
#include "tests/unit/fixture_file.h"
#include "tests/unit/scanner_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (UINT64_C(1) << 20)

struct fixture {
	char dir[64];	/* a fresh temporary directory */
	char path[128]; /* dir/lib/rcapfs/state: two levels to create */
	char *sub;	/* dir/lib/rcapfs */
	char in[128];	/* dir/in: files the tests write by hand */
	struct rcapfs_backend *be;
	struct rcapfs_scanner *sc;
};

static int setup(void **state)
{
	static const struct rcapfs_proc procs[] = {
		{.pid = 1, .ppid = 0, .start_ticks = 10, .comm = "init"},
		{.pid = 100, .ppid = 1, .start_ticks = 5000, .comm = "nginx"},
		{.pid = 200, .ppid = 1, .start_ticks = 6000, .comm = "psql"},
	};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/rcapfs-test-state-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/lib/rcapfs/state", f->dir);
	snprintf(f->in, sizeof(f->in), "%s/in", f->dir);
	f->sub = strndup(f->path, strrchr(f->path, '/') - f->path);
	assert_non_null(f->sub);
	scanner_fixture_new(&f->be, &f->sc);
	fake_backend_set_procs(f->be, procs, 3);
	fake_backend_add_user(f->be, "www", 33);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	scanner_fixture_free(f->be, f->sc);
	chmod(f->sub, 0700);
	fixture_file_remove_tree(f->dir);
	free(f->sub);
	free(f);
	return 0;
}

static void spit(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Non-default ctl values and collections of every kind of rule. */
static void configure(struct rcapfs_scanner *sc)
{
	const struct rcapfs_ctl ctl = {
		.enforce = false,
		.pressure_pct = 80,
		.sample_interval_s = 2,
		.scan_interval_s = 30,
		.report_interval_s = 0,
		.mode = RCAPFS_MODE_COLD,
		.accounting = RCAPFS_ACCT_PSS,
		.idle_threshold_s = 30,
		.rlimit_rss = false,
	};

	assert_int_equal(rcapfs_scanner_set_ctl(sc, &ctl), 0);
	assert_int_equal(rcapfs_scanner_create(sc, "web"), 0);
	assert_int_equal(rcapfs_scanner_set_cap(sc, "web", 512 * MIB), 0);
	assert_int_equal(rcapfs_scanner_set_swap_idle(sc, "web", 600), 0);
	scanner_fixture_set_members(sc, "web",
				    "pid 100\nuser www\ncomm nginx*\n");
	assert_int_equal(rcapfs_scanner_create(sc, "batch.jobs-1"), 0);
	assert_int_equal(rcapfs_scanner_set_cap(sc, "batch.jobs-1", 0), 0);
	scanner_fixture_set_members(
		sc, "batch.jobs-1",
		"# nightly\ncgroup /system.slice/batch\ngid 65534\n\n"
		"uid 1000\ncomm [a-z]?x\n");
	assert_int_equal(rcapfs_scanner_create(sc, "db"), 0);
	assert_int_equal(rcapfs_scanner_set_cap(sc, "db", 3 * 1024), 0);
	scanner_fixture_set_members(sc, "db", "pid 200\ngroup nogroup\n");
	assert_int_equal(rcapfs_scanner_create(sc, "idle"), 0);
	assert_int_equal(rcapfs_scanner_set_cap(sc, "idle", 1024 * MIB), 0);
}

/* The scanner has the defaults and no collection. */
static void assert_pristine(struct rcapfs_scanner *sc)
{
	const struct rcapfs_ctl defaults = RCAPFS_CTL_DEFAULTS;
	struct rcapfs_ctl ctl;
	char **names = NULL;
	size_t n = 99;

	rcapfs_scanner_get_ctl(sc, &ctl);
	scanner_fixture_assert_ctl_equal(&ctl, &defaults);
	assert_int_equal(rcapfs_scanner_names(sc, &names, &n), 0);
	assert_int_equal(n, 0);
	rcapfs_names_free(names, n);
}

/* Collections, caps and rules (as users see them) are the same. */
static void assert_same_config(struct rcapfs_scanner *a,
			       struct rcapfs_scanner *b)
{
	struct rcapfs_buf ra = RCAPFS_BUF_INIT, rb = RCAPFS_BUF_INIT;
	struct rcapfs_ctl ca, cb;
	char **na = NULL, **nb = NULL;
	size_t n = 0, m = 0, i;
	uint64_t capa, capb;
	unsigned sia, sib;

	rcapfs_scanner_get_ctl(a, &ca);
	rcapfs_scanner_get_ctl(b, &cb);
	scanner_fixture_assert_ctl_equal(&ca, &cb);
	assert_int_equal(rcapfs_scanner_names(a, &na, &n), 0);
	assert_int_equal(rcapfs_scanner_names(b, &nb, &m), 0);
	assert_int_equal(n, m);
	for (i = 0; i < n; i++) {
		assert_string_equal(na[i], nb[i]);
		assert_int_equal(rcapfs_scanner_get_cap(a, na[i], &capa), 0);
		assert_int_equal(rcapfs_scanner_get_cap(b, nb[i], &capb), 0);
		assert_int_equal(capa, capb);
		assert_int_equal(rcapfs_scanner_get_swap_idle(a, na[i], &sia),
				 0);
		assert_int_equal(rcapfs_scanner_get_swap_idle(b, nb[i], &sib),
				 0);
		assert_int_equal(sia, sib);
		rcapfs_buf_reset(&ra);
		rcapfs_buf_reset(&rb);
		assert_int_equal(rcapfs_scanner_members(
					 a, na[i], RCAPFS_RULES_STATE, &ra),
				 0);
		assert_int_equal(rcapfs_scanner_members(
					 b, nb[i], RCAPFS_RULES_STATE, &rb),
				 0);
		assert_int_equal(ra.len, rb.len);
		if (ra.len)
			assert_string_equal(ra.data, rb.data);
	}
	rcapfs_names_free(na, n);
	rcapfs_names_free(nb, m);
	rcapfs_buf_release(&ra);
	rcapfs_buf_release(&rb);
}

/* Entries of dir other than . and .. whose name does not equal keep. */
static unsigned stray_entries(const char *dir, const char *keep)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, keep)) {
			print_message("stray entry %s/%s\n", dir, de->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

static struct rcapfs_scanner *new_scanner(struct fixture *f)
{
	struct rcapfs_scanner *sc = NULL;

	assert_int_equal(rcapfs_scanner_new(f->be, &sc), 0);
	return sc;
}

static void test_state__round_trip(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_scanner *sc2 = new_scanner(f);
	struct rcapfs_buf rules = RCAPFS_BUF_INIT;
	char path2[192], *text, *text2;
	struct stat st;

	configure(f->sc);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	/* The missing directories were made, private to the daemon. */
	assert_int_equal(stat(f->sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(rcapfs_state_load(sc2, f->path), 0);
	assert_same_config(f->sc, sc2);
	/* What users read back is what they wrote (comments dropped). */
	assert_int_equal(rcapfs_scanner_members(sc2, "batch.jobs-1",
						RCAPFS_RULES_USER, &rules),
			 0);
	assert_string_equal(rules.data, "cgroup /system.slice/batch\n"
					"gid 65534\nuid 1000\ncomm [a-z]?x\n");
	rcapfs_buf_reset(&rules);
	assert_int_equal(
		rcapfs_scanner_members(sc2, "web", RCAPFS_RULES_USER, &rules),
		0);
	assert_string_equal(rules.data, "pid 100\nuser www\ncomm nginx*\n");

	/* Saving what was loaded gives the same bytes. */
	snprintf(path2, sizeof(path2), "%s/state2", f->dir);
	assert_int_equal(rcapfs_state_save(sc2, path2), 0);
	text = fixture_file_get(f->path, NULL);
	text2 = fixture_file_get(path2, NULL);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	rcapfs_buf_release(&rules);
	rcapfs_scanner_free(sc2);
}

/* The format is part of the contract: pin it. */
static void test_state__format(void **state)
{
	struct fixture *f = *state;
	char *text;

	configure(f->sc);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	text = fixture_file_get(f->path, NULL);
	assert_string_equal(text, "rcapfs-state 1\n"
				  "enforce 0\n"
				  "pressure 80\n"
				  "sample_interval 2\n"
				  "scan_interval 30\n"
				  "report_interval 0\n"
				  "mode cold\n"
				  "accounting pss\n"
				  "idle_threshold 30\n"
				  "rlimit_rss 0\n"
				  "next_collection_id 5\n"
				  "collection batch.jobs-1\n"
				  "id 2\n"
				  "cap 0\n"
				  "swap_idle 0\n"
				  "member cgroup /system.slice/batch\n"
				  "member gid 65534\n"
				  "member uid 1000\n"
				  "member comm [a-z]?x\n"
				  "end\n"
				  "collection db\n"
				  "id 3\n"
				  "cap 3072\n"
				  "swap_idle 0\n"
				  "member pid 200 start=6000\n"
				  "member group nogroup\n"
				  "end\n"
				  "collection idle\n"
				  "id 4\n"
				  "cap 1073741824\n"
				  "swap_idle 0\n"
				  "end\n"
				  "collection web\n"
				  "id 1\n"
				  "cap 536870912\n"
				  "swap_idle 600\n"
				  "member pid 100 start=5000\n"
				  "member user www\n"
				  "member comm nginx*\n"
				  "end\n"
				  "end\n");
	free(text);
}

static void test_state__empty_scanner(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_scanner *sc2 = new_scanner(f);

	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	assert_int_equal(rcapfs_state_load(sc2, f->path), 0);
	assert_pristine(sc2);
	rcapfs_scanner_free(sc2);
}

static void test_state__replaced_atomically(void **state)
{
	struct fixture *f = *state;
	char *before, *after, stale[192];

	configure(f->sc);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	before = fixture_file_get(f->path, NULL);
	assert_int_equal(rcapfs_scanner_remove(f->sc, "idle"), 0);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	after = fixture_file_get(f->path, NULL);
	assert_null(strstr(after, "collection idle\n"));
	assert_non_null(strstr(before, "collection idle\n"));
	assert_int_equal(stray_entries(f->sub, "state"), 0);

	/* A temporary file left by a dead process with our pid is replaced,
	 * not a reason to fail every save. */
	snprintf(stale, sizeof(stale), "%s.tmp.%ld", f->path, (long)getpid());
	spit(stale, "junk", 4);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	assert_int_equal(stray_entries(f->sub, "state"), 0);
	free(before);
	free(after);
}

/* Saving into a directory the daemon cannot write fails and leaves the
 * old file as it was. Root ignores mode bits, so the save runs in a child
 * that gives up root. */
static void test_state__unwritable_dir_keeps_old(void **state)
{
	struct fixture *f = *state;
	char *before, *after;
	int status;
	pid_t child;

	configure(f->sc);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	before = fixture_file_get(f->path, NULL);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "web", MIB), 0);
	/* Reachable, but not writable. */
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(chmod(f->sub, 0555), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* The child leaves by _exit: nothing of its own may leak. */
		free(before);
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(2);
		_exit(rcapfs_state_save(f->sc, f->path) == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(chmod(f->sub, 0700), 0);
	after = fixture_file_get(f->path, NULL);
	assert_string_equal(before, after);
	assert_int_equal(stray_entries(f->sub, "state"), 0);
	free(before);
	free(after);
}

static void test_state__save_errors(void **state)
{
	struct fixture *f = *state;
	char path[192];

	/* The parent is a regular file. */
	snprintf(path, sizeof(path), "%s/file", f->dir);
	spit(path, "x", 1);
	snprintf(path, sizeof(path), "%s/file/state", f->dir);
	assert_int_equal(rcapfs_state_save(f->sc, path), -ENOTDIR);
	/* The target is a directory: rename fails, no temporary remains. */
	snprintf(path, sizeof(path), "%s/dir", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(mkdir(strcat(path, "/sub"), 0700), 0);
	*strrchr(path, '/') = '\0';
	assert_int_equal(rcapfs_state_save(f->sc, path), -EISDIR);
	assert_int_equal(stray_entries(f->dir, "dir"), 1); /* "file" */
	assert_int_equal(rcapfs_state_save(f->sc, ""), -EINVAL);
}

struct saver {
	struct fixture *f;
	int rc;
};

static void *save_many(void *arg)
{
	struct saver *s = arg;
	int i;

	for (i = 0; i < 20 && s->rc == 0; i++)
		s->rc = rcapfs_state_save(s->f->sc, s->f->path);
	return NULL;
}

/* The front saves from several threads at once. */
static void test_state__concurrent_saves(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_scanner *sc2 = new_scanner(f);
	struct saver savers[4];
	pthread_t threads[4];
	int i;

	configure(f->sc);
	for (i = 0; i < 4; i++) {
		savers[i] = (struct saver){f, 0};
		assert_int_equal(pthread_create(&threads[i], NULL, save_many,
						&savers[i]),
				 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(savers[i].rc, 0);
	}
	assert_int_equal(stray_entries(f->sub, "state"), 0);
	assert_int_equal(rcapfs_state_load(sc2, f->path), 0);
	assert_same_config(f->sc, sc2);
	rcapfs_scanner_free(sc2);
}

static void test_state__missing_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rcapfs_state_load(f->sc, f->path), 0);
	assert_pristine(f->sc);
	/* Nothing was created on the way. */
	assert_int_equal(stray_entries(f->dir, ""), 0);
}

/* A file written before idle_threshold, rlimit_rss and swap_idle loads:
 * what it leaves out keeps its default. */
static void test_state__older_file(void **state)
{
	static const char older[] = "rcapfs-state 1\n"
				    "enforce 1\npressure 0\nsample_interval 5\n"
				    "scan_interval 15\nreport_interval 5\n"
				    "mode cold\naccounting rss\n"
				    "collection a\ncap 1024\nend\n"
				    "end\n";
	struct rcapfs_ctl want = RCAPFS_CTL_DEFAULTS, ctl;
	struct fixture *f = *state;
	unsigned swap_idle_s = 99;

	spit(f->in, older, strlen(older));
	assert_int_equal(rcapfs_state_load(f->sc, f->in), 0);
	want.mode = RCAPFS_MODE_COLD;
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	scanner_fixture_assert_ctl_equal(&ctl, &want);
	assert_int_equal(rcapfs_scanner_get_swap_idle(f->sc, "a", &swap_idle_s),
			 0);
	assert_int_equal(swap_idle_s, 0);
}

static uint32_t id_of(struct rcapfs_scanner *sc, const char *name)
{
	uint32_t id = 0;

	assert_int_equal(rcapfs_scanner_coll_id(sc, name, &id), 0);
	return id;
}

/* Ids survive a restart, and one a removed collection had is not given
 * again by the restarted daemon. */
static void test_state__ids_kept(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_scanner *sc2 = new_scanner(f);
	char name[RCAPFS_NAME_MAX + 1];

	configure(f->sc);
	assert_int_equal(rcapfs_scanner_create(f->sc, "gone"), 0);
	assert_int_equal(id_of(f->sc, "gone"), 5);
	assert_int_equal(rcapfs_scanner_remove(f->sc, "gone"), 0);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	assert_int_equal(rcapfs_state_load(sc2, f->path), 0);
	assert_int_equal(id_of(sc2, "web"), id_of(f->sc, "web"));
	assert_int_equal(id_of(sc2, "db"), id_of(f->sc, "db"));
	assert_int_equal(id_of(sc2, "idle"), 4);
	assert_int_equal(rcapfs_scanner_coll_name(sc2, 3, name), 0);
	assert_string_equal(name, "db");
	assert_int_equal(rcapfs_scanner_coll_name(sc2, 5, name), -ENOENT);
	assert_int_equal(rcapfs_scanner_create(sc2, "new"), 0);
	assert_int_equal(id_of(sc2, "new"), 6);
	rcapfs_scanner_free(sc2);
}

/* A file from before ids: its collections get ids in file order, after
 * any the file gives; ids given twice are refused. */
static void test_state__ids_assigned(void **state)
{
	static const char older[] = "rcapfs-state 1\n"
				    "collection b\ncap 0\nend\n"
				    "collection a\nid 7\ncap 0\nend\n"
				    "collection c\ncap 0\nend\n"
				    "end\n";
	static const char twice[] = "rcapfs-state 1\n"
				    "collection b\nid 2\ncap 0\nend\n"
				    "collection a\nid 2\ncap 0\nend\n"
				    "end\n";
	struct fixture *f = *state;
	struct rcapfs_scanner *sc2 = new_scanner(f);

	spit(f->in, older, strlen(older));
	assert_int_equal(rcapfs_state_load(f->sc, f->in), 0);
	assert_int_equal(id_of(f->sc, "a"), 7);
	assert_int_equal(id_of(f->sc, "b"), 8);
	assert_int_equal(id_of(f->sc, "c"), 9);
	spit(f->in, twice, strlen(twice));
	assert_int_equal(rcapfs_state_load(sc2, f->in), -EINVAL);
	assert_pristine(sc2);
	rcapfs_scanner_free(sc2);
}

/* Every proper prefix of a valid file is refused and changes nothing. */
static void test_state__truncated(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_scanner *sc2 = new_scanner(f);
	char cut[192], *text;
	size_t len, n;

	configure(f->sc);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	text = fixture_file_get(f->path, &len);
	snprintf(cut, sizeof(cut), "%s/cut", f->dir);
	for (n = 0; n < len; n++) {
		spit(cut, text, n);
		if (rcapfs_state_load(sc2, cut) != -EINVAL) {
			print_error("prefix of %zu bytes accepted\n", n);
			fail();
		}
		assert_pristine(sc2);
	}
	spit(cut, text, len);
	assert_int_equal(rcapfs_state_load(sc2, cut), 0);
	assert_same_config(f->sc, sc2);
	free(text);
	rcapfs_scanner_free(sc2);
}

static void test_state__bad_lines(void **state)
{
	static const char head[] = "rcapfs-state 1\n";
	static const char *const bad[] = {
		"rcapfs-state 2\nend\n",
		"rcapfs-state 1 \nend\n",
		"rcapfs-state\nend\n",
		"something else\nend\n",
		"",
		/* the rest follow head */
		"frobnicate 1\nend\n",
		"enforce 2\nend\n",
		"enforce\nend\n",
		"enforce 1\nenforce 1\nend\n",
		"pressure 101\nend\n",
		"pressure -1\nend\n",
		"pressure 5x\nend\n",
		"pressure  5\nend\n",
		"sample_interval 0\nend\n",
		"sample_interval 99999999999\nend\n",
		"sample_interval 100000\nend\n",
		"sample_interval 86401\nend\n",
		"report_interval 86401\nend\n",
		"scan_interval 0\nend\n",
		"report_interval x\nend\n",
		"mode fast\nend\n",
		"accounting RSS\nend\n",
		"idle_threshold 86401\nend\n",
		"idle_threshold -1\nend\n",
		"idle_threshold 1\nidle_threshold 1\nend\n",
		"rlimit_rss 2\nend\n",
		"rlimit_rss yes\nend\n",
		"collection .hidden\ncap 0\nend\nend\n",
		"collection a/b\ncap 0\nend\nend\n",
		"collection \ncap 0\nend\nend\n",
		"collection\ncap 0\nend\nend\n",
		/* 32 bytes, one too many */
		"collection abcdefghijklmnopqrstuvwxyz012345\nend\n",
		"collection a\ncap 0\nend\ncollection a\ncap 0\nend\nend\n",
		"collection a\nend\nend\n",
		"collection a\ncap 0\ncap 0\nend\nend\n",
		"collection a\ncap 1Q\nend\nend\n",
		"collection a\ncap 0\nswap_idle 86401\nend\nend\n",
		"collection a\ncap 0\nswap_idle x\nend\nend\n",
		"collection a\ncap 0\nswap_idle 1\nswap_idle 1\nend\nend\n",
		"swap_idle 1\nend\n",
		"collection a\ncap 99999999999999999999999\nend\nend\n",
		"collection a\ncap 0\nmember\nend\nend\n",
		"collection a\ncap 0\nmember \nend\nend\n",
		"collection a\ncap 0\nmember bogus 1\nend\nend\n",
		"collection a\ncap 0\nmember cgroup relative\nend\nend\n",
		"collection a\ncap 0\nmember pid 0\nend\nend\n",
		"collection a\ncap 0\nenforce 1\nend\nend\n",
		"collection a\ncap 0\ncollection b\nend\nend\n",
		"collection a\ncap 0\nend\n",
		"collection a\ncap 0\nend \nend\n",
		"end\nend\n",
		"end\n\n",
		"end\nenforce 1\n",
		"end \n",
		"\nend\n",
		"enforce 1\r\nend\n",
		"end",
		"cap 0\nend\n",
		"member uid 0\nend\n",
	};
	struct fixture *f = *state;
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", i < 5 ? "" : head, bad[i]);
		spit(f->in, text, strlen(text));
		if (rcapfs_state_load(f->sc, f->in) != -EINVAL) {
			print_error("accepted: \"%s\"\n", text);
			fail();
		}
		assert_pristine(f->sc);
	}
}

/* A file written by earlier versions (version 1, every key of its time)
 * loads as it did; a key left out keeps the scanner's value. */
static void test_state__version1_loads(void **state)
{
	static const char v1[] = "rcapfs-state 1\n"
				 "enforce 0\n"
				 "pressure 40\n"
				 "sample_interval 86400\n"
				 "scan_interval 1\n"
				 "report_interval 0\n"
				 "mode cold\n"
				 "accounting unique\n"
				 "collection a\n"
				 "cap 268435456\n"
				 "member uid 0\n"
				 "end\n"
				 "end\n";
	static const char some[] = "rcapfs-state 1\npressure 7\nend\n";
	struct fixture *f = *state;
	struct rcapfs_scanner *sc2 = new_scanner(f);
	struct rcapfs_ctl want = RCAPFS_CTL_DEFAULTS, ctl;
	uint64_t cap;

	spit(f->in, v1, sizeof(v1) - 1);
	assert_int_equal(rcapfs_state_load(f->sc, f->in), 0);
	/* Knobs added since keep their defaults. */
	want.enforce = 0;
	want.pressure_pct = 40;
	want.sample_interval_s = 86400;
	want.scan_interval_s = 1;
	want.report_interval_s = 0;
	want.mode = RCAPFS_MODE_COLD;
	want.accounting = RCAPFS_ACCT_UNIQUE;
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	scanner_fixture_assert_ctl_equal(&ctl, &want);
	assert_int_equal(rcapfs_scanner_get_cap(f->sc, "a", &cap), 0);
	assert_int_equal(cap, 268435456);

	spit(f->in, some, sizeof(some) - 1);
	assert_int_equal(rcapfs_state_load(sc2, f->in), 0);
	want = (struct rcapfs_ctl)RCAPFS_CTL_DEFAULTS;
	want.pressure_pct = 7;
	rcapfs_scanner_get_ctl(sc2, &ctl);
	scanner_fixture_assert_ctl_equal(&ctl, &want);
	rcapfs_scanner_free(sc2);
}

/* The first collections were applied when a later one fails: all undone,
 * ctl values too. */
static void test_state__late_failure_undone(void **state)
{
	static const char ghost[] =
		"rcapfs-state 1\n"
		"mode cold\n"
		"collection a\ncap 1024\nmember uid 0\nend\n"
		"collection b\ncap 0\nend\n"
		"collection c\ncap 0\nmember user nobody\n"
		"member cgroup relative\nend\n"
		"end\n";
	static const char exists[] = "rcapfs-state 1\n"
				     "mode cold\n"
				     "collection a\ncap 1024\nend\n"
				     "collection b\ncap 0\nend\n"
				     "end\n";
	const struct rcapfs_ctl defaults = RCAPFS_CTL_DEFAULTS;
	struct fixture *f = *state;
	struct rcapfs_ctl ctl;

	spit(f->in, ghost, sizeof(ghost) - 1);
	assert_int_equal(rcapfs_state_load(f->sc, f->in), -EINVAL);
	assert_pristine(f->sc);
	/* A collection that exists already is refused the same way. */
	assert_int_equal(rcapfs_scanner_create(f->sc, "b"), 0);
	spit(f->in, exists, sizeof(exists) - 1);
	assert_int_equal(rcapfs_state_load(f->sc, f->in), -EEXIST);
	assert_true(rcapfs_scanner_exists(f->sc, "b"));
	assert_false(rcapfs_scanner_exists(f->sc, "a"));
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	scanner_fixture_assert_ctl_equal(&ctl, &defaults);
}

static void test_state__nul_byte(void **state)
{
	static const char text[] = "rcapfs-state 1\n"
				   "collection a\0b\ncap 0\nend\nend\n";
	struct fixture *f = *state;

	spit(f->in, text, sizeof(text) - 1);
	assert_int_equal(rcapfs_state_load(f->sc, f->in), -EINVAL);
	assert_pristine(f->sc);
}

static void test_state__too_big_or_not_a_file(void **state)
{
	struct fixture *f = *state;
	int fd;

	assert_int_equal(mkdir(f->in, 0700), 0);
	assert_int_equal(rcapfs_state_load(f->sc, f->in), -EINVAL);
	assert_int_equal(rmdir(f->in), 0);
	/* Sparse: the size alone is refused, nothing is read. */
	fd = open(f->in, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)RCAPFS_STATE_MAX + 1), 0);
	close(fd);
	assert_int_equal(rcapfs_state_load(f->sc, f->in), -EFBIG);
	assert_pristine(f->sc);
}

/* A pid rule names one process: gone or replaced by another with the same
 * pid, the rule is dropped, and the rest of the file loads. */
static void test_state__dead_pid_dropped(void **state)
{
	static const struct rcapfs_proc reused[] = {
		{.pid = 1, .ppid = 0, .start_ticks = 10, .comm = "init"},
		{.pid = 200, .ppid = 1, .start_ticks = 9999, .comm = "psql"},
	};
	struct fixture *f = *state;
	struct rcapfs_scanner *sc2 = new_scanner(f);
	struct rcapfs_buf rules = RCAPFS_BUF_INIT;
	uint64_t cap;

	configure(f->sc);
	assert_int_equal(rcapfs_state_save(f->sc, f->path), 0);
	/* 100 exited; 200 exited and its pid went to a new process. */
	fake_backend_set_procs(f->be, reused, 2);
	assert_int_equal(rcapfs_state_load(sc2, f->path), 0);
	assert_int_equal(
		rcapfs_scanner_members(sc2, "web", RCAPFS_RULES_USER, &rules),
		0);
	assert_string_equal(rules.data, "user www\ncomm nginx*\n");
	rcapfs_buf_reset(&rules);
	assert_int_equal(
		rcapfs_scanner_members(sc2, "db", RCAPFS_RULES_USER, &rules),
		0);
	assert_string_equal(rules.data, "group nogroup\n");
	assert_int_equal(rcapfs_scanner_get_cap(sc2, "web", &cap), 0);
	assert_int_equal(cap, 512 * MIB);
	rcapfs_buf_release(&rules);
	rcapfs_scanner_free(sc2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_state__round_trip),
		T(test_state__format),
		T(test_state__empty_scanner),
		T(test_state__replaced_atomically),
		T(test_state__unwritable_dir_keeps_old),
		T(test_state__version1_loads),
		T(test_state__save_errors),
		T(test_state__concurrent_saves),
		T(test_state__missing_file),
		T(test_state__older_file),
		T(test_state__ids_kept),
		T(test_state__ids_assigned),
		T(test_state__truncated),
		T(test_state__bad_lines),
		T(test_state__late_failure_undone),
		T(test_state__nul_byte),
		T(test_state__too_big_or_not_a_file),
		T(test_state__dead_pid_dropped),
#undef T
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
