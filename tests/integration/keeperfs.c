/*
 * keeperfs MOUNTPOINT: a small low-level FUSE filesystem served through
 * the keeper (fs/keeper.c) and the takeover (fs/takeover.c) exactly as
 * rcapfs is, for tests/integration/keeper.sh and bench/keeper.sh. Run
 * without RCAPFS_KEEPER it is the keeper; the servers it starts serve:
 *
 *   hello    "hello\n"
 *   block    a read waits while $KEEPERFS_DIR/gate exists (having
 *            created $KEEPERFS_DIR/blocked), then gives "released\n"
 *   counter  a number kept in $KEEPERFS_DIR/counter; writes set it
 *   status   pid, keeper_pid, server_restarts, resend as ctl/status
 *
 * Node ids are fixed, so any server answers for nodes another looked up.
 * A server exits 3 at start while $KEEPERFS_DIR/crash exists.
 */
#include "config.h"

#include "compat/buf.h"
#include "compat/log.h"
#include "fs/keeper.h"
#include "fs/render.h"
#include "fs/takeover.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { INO_ROOT = 1, INO_HELLO, INO_BLOCK, INO_COUNTER, INO_STATUS, INO_END };

static const char *const kfs_names[INO_END] = {
	[INO_HELLO] = "hello",
	[INO_BLOCK] = "block",
	[INO_COUNTER] = "counter",
	[INO_STATUS] = "status",
};

static const char *kfs_dir;
static struct rcapfs_serving kfs_serving;

/* Returns a path below KEEPERFS_DIR in buf. */
static const char *kfs_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", kfs_dir, name);
	return buf;
}

static void kfs_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = ino == INO_ROOT ? 2 : 1;
	st->st_mode = ino == INO_ROOT	   ? S_IFDIR | 0755
		      : ino == INO_COUNTER ? S_IFREG | 0644
					   : S_IFREG | 0444;
	/* Direct I/O: a size that never cuts a read short. */
	st->st_size = ino == INO_ROOT ? 0 : 4096;
}

static void kfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = {.attr_timeout = 1, .entry_timeout = 1};

	for (fuse_ino_t i = INO_HELLO; parent == INO_ROOT && i < INO_END; i++)
		if (strcmp(name, kfs_names[i]) == 0) {
			e.ino = i;
			e.generation = 1;
			kfs_attr(i, &e.attr);
			fuse_reply_entry(req, &e);
			return;
		}
	fuse_reply_err(req, ENOENT);
}

static void kfs_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino < INO_ROOT || ino >= INO_END) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	kfs_attr(ino, &st);
	fuse_reply_attr(req, &st, 1);
}

/* Truncation (echo N > counter) changes nothing: a write sets it whole. */
static void kfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	(void)attr;
	(void)to_set;
	kfs_getattr(req, ino, fi);
}

static void kfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	char buf[1024];
	size_t len = 0;
	struct stat st;

	(void)fi;
	if (ino != INO_ROOT) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	for (off_t i = off + INO_HELLO; i < INO_END; i++) {
		size_t n;

		kfs_attr((fuse_ino_t)i, &st);
		n = fuse_add_direntry(req, buf + len, sizeof(buf) - len,
				      kfs_names[i], &st, i);
		if (len + n > size || len + n > sizeof(buf))
			break;
		len += n;
	}
	fuse_reply_buf(req, buf, len);
}

static void kfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == INO_ROOT) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

/* Appends the counter's value to out. Returns 0 or -errno. */
static int counter_read(struct rcapfs_buf *out)
{
	char path[4096];
	unsigned long long v = 0;
	FILE *f = fopen(kfs_path(path, sizeof(path), "counter"), "re");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return rcapfs_buf_printf(out, "%llu\n", v);
}

/* Waits while the gate exists. Returns 0 or -errno. */
static int block_read(struct rcapfs_buf *out)
{
	char gate[4096], blocked[4096];
	FILE *f = fopen(kfs_path(blocked, sizeof(blocked), "blocked"), "we");

	if (f)
		fclose(f);
	kfs_path(gate, sizeof(gate), "gate");
	while (access(gate, F_OK) == 0)
		usleep(10 * 1000);
	return rcapfs_buf_printf(out, "released\n");
}

static void kfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	int rc;

	(void)fi;
	switch (ino) {
	case INO_HELLO:
		rc = rcapfs_buf_printf(&b, "hello\n");
		break;
	case INO_BLOCK:
		rc = off ? rcapfs_buf_printf(&b, "%s", "") : block_read(&b);
		break;
	case INO_COUNTER:
		rc = counter_read(&b);
		break;
	case INO_STATUS:
		rc = rcapfs_render_serving(&kfs_serving, &b);
		break;
	default:
		rc = -EISDIR;
	}
	if (rc)
		fuse_reply_err(req, -rc);
	else if ((size_t)off >= b.len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, b.data + off,
			       b.len - (size_t)off < size ? b.len - (size_t)off
							  : size);
	rcapfs_buf_release(&b);
}

static void kfs_write(fuse_req_t req, fuse_ino_t ino, const char *data,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	char path[4096], num[32];
	unsigned long long v;
	FILE *f;

	(void)off;
	(void)fi;
	if (ino != INO_COUNTER) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (size >= sizeof(num)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(num, data, size);
	num[size] = '\0';
	if (sscanf(num, "%llu", &v) != 1) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	f = fopen(kfs_path(path, sizeof(path), "counter"), "we");
	if (!f || fprintf(f, "%llu\n", v) < 0 || fclose(f)) {
		fuse_reply_err(req, EIO);
		return;
	}
	fuse_reply_write(req, size);
}

static const struct fuse_lowlevel_ops kfs_ops = {
	.lookup = kfs_lookup,
	.getattr = kfs_getattr,
	.setattr = kfs_setattr,
	.readdir = kfs_readdir,
	.open = kfs_open,
	.read = kfs_read,
	.write = kfs_write,
};

static int serve(char *argv0, struct rcapfs_takeover *t)
{
	char *argv[] = {argv0, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_loop_config cfg = {.max_idle_threads = 4};
	struct fuse_session *se;
	char crash[4096];
	int rc;

	if (access(kfs_path(crash, sizeof(crash), "crash"), F_OK) == 0) {
		log_warn("%s exists: exiting at start", crash);
		return 3;
	}
	kfs_serving = (struct rcapfs_serving){.pid = getpid(),
					      .keeper_pid = t->keeper_pid,
					      .server_restarts = t->restarts,
					      .resend = t->resend};
	se = fuse_session_new(&args, &kfs_ops, sizeof(kfs_ops), NULL);
	fuse_opt_free_args(&args);
	if (!se)
		return 1;
	rc = fuse_set_signal_handlers(se);
	if (rc == 0)
		rc = rcapfs_takeover_start(t, se);
	/* The loop answers the number of a signal that ended it: a stop. */
	if (rc == 0 && (rc = fuse_session_loop_mt(se, &cfg)) > 0)
		rc = 0;
	if (rc)
		log_err("server: %s", strerror(-rc));
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	return rc ? 1 : 0;
}

static int keep(char *argv[])
{
	static char o[] = "-o", opts[] = "fsname=keeperfs,subtype=keeperfs";
	char *margv[] = {argv[0], o, opts, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, margv);
	int rc;

	rc = rcapfs_keeper_run(&(struct rcapfs_keeper_config){
		.mountpoint = argv[1],
		.mount_args = &args,
		.server_argv = argv,
	});
	fuse_opt_free_args(&args);
	return rc ? 1 : 0;
}

int main(int argc, char *argv[])
{
	struct rcapfs_takeover t;
	int rc;

	rcapfs_log_setup(0, RCAPFS_LOG_INFO);
	kfs_dir = getenv("KEEPERFS_DIR");
	if (argc != 2 || !kfs_dir) {
		fprintf(stderr,
			"usage: KEEPERFS_DIR=DIR keeperfs MOUNTPOINT\n");
		return 2;
	}
	rc = rcapfs_takeover_from_env(&t);
	if (rc < 0) {
		log_err("%s: %s", RCAPFS_TAKEOVER_ENV, strerror(-rc));
		return 2;
	}
	return rc ? serve(argv[0], &t) : keep(argv);
}
