/* The front's open files: a snapshot per open for the generated files, a
 * reader per open for pagedata, writes applied through fs/settings.h; each
 * a handle in the front's table, by id. */
#include "config.h"

#include "fs/front.h"

#include "compat/log.h"
#include "fs/front_i.h"
#include "fs/pagedata.h"
#include "fs/parse.h"
#include "fs/procfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct front_file {
	struct rcapfs_node node; /* its process pinned for M/proc files */
	/* Requests on one open file take turns: the kernel may send
	 * several at once. */
	pthread_mutex_t lock;
	struct rcapfs_buf snap;	    /* what reads serve, by offset */
	bool served;		    /* a read has been answered from snap */
	bool append;		    /* members: the next write appends */
	struct rcapfs_pagedata *pd; /* pagedata: this descriptor's reader */
};

static void file_free(void *arg)
{
	struct front_file *ff = arg;

	rcapfs_pagedata_close(ff->pd);
	rcapfs_buf_release(&ff->snap);
	pthread_mutex_destroy(&ff->lock);
	free(ff);
}

int rcapfs_front_files_new(struct rcapfs_front *f, uint32_t instance)
{
	return rcapfs_handles_new(file_free, instance, &f->handles);
}

void rcapfs_front_files_free(struct rcapfs_front *f)
{
	size_t open = f->handles ? rcapfs_handles_count(f->handles) : 0;

	/* Their RELEASE never came: the mount ended first. */
	if (open)
		log_debug("%zu open files closed at the end of the mount",
			  open);
	rcapfs_handles_free(f->handles);
	f->handles = NULL;
}

size_t rcapfs_front_open_files(struct rcapfs_front *f)
{
	return rcapfs_handles_count(f->handles);
}

/* A new open file of n, as rcapfs_front_open says, into *out (freed with
 * file_free). */
static int file_new(struct rcapfs_front *f, const struct rcapfs_node *n,
		    const struct rcapfs_caller *who, int flags,
		    struct front_file **out)
{
	int acc = flags & O_ACCMODE;
	struct front_file *ff;
	struct rcapfs_proc p;
	int rc;

	if (rcapfs_node_is_dir(n->kind))
		return -EISDIR;
	if (acc != O_RDONLY &&
	    (!rcapfs_node_writable(n->kind) || !rcapfs_front_may_change(who)))
		return -EACCES;
	ff = calloc(1, sizeof(*ff));
	if (!ff)
		return -ENOMEM;
	pthread_mutex_init(&ff->lock, NULL);
	ff->node = *n;
	/* ">>" appends rules; ">" (O_TRUNC) and a plain open replace them
	 * with the first write, and later writes of the same open append. */
	ff->append = (flags & O_APPEND) != 0;
	rc = 0;
	if (rcapfs_node_owner_only(n->kind)) {
		rc = rcapfs_front_proc(f, n, who, true, &p);
		/* From here on, this process and no other with its pid. */
		if (rc == 0)
			ff->node.start_ticks = p.start_ticks;
	}
	if (rc == 0 && rcapfs_node_size_uncached(n->kind))
		rc = rcapfs_pagedata_open(
			f->tr, n->pid, ff->node.start_ticks, f->read_chunk,
			n->kind == RCAPFS_NODE_PROC_PAGEDATA_HW
				? RCAPFS_PAGEDATA_HWMAPPED
				: 0,
			&ff->pd);
	else if (rc == 0 && acc != O_WRONLY)
		rc = rcapfs_front_render(f, &ff->node, who, &ff->snap);
	if (rc) {
		file_free(ff);
		return rc;
	}
	*out = ff;
	return 0;
}

int rcapfs_front_open(struct rcapfs_front *f, const struct rcapfs_node *n,
		      const struct rcapfs_caller *who, int flags, uint64_t *fh)
{
	struct front_file *ff = NULL;
	int rc;

	rc = file_new(f, n, who, flags, &ff);
	if (rc == 0)
		rc = rcapfs_handles_add(f->handles, ff, fh);
	if (rc && ff)
		file_free(ff);
	return rc;
}

int rcapfs_front_adopt(struct rcapfs_front *f, uint64_t fh,
		       const struct rcapfs_node *n,
		       const struct rcapfs_caller *who, int flags)
{
	struct front_file *ff;
	void *held;
	int rc;

	if (rcapfs_handles_get(f->handles, fh))
		return 0;
	rc = file_new(f, n, who, flags, &ff);
	if (rc)
		return rc;
	rc = rcapfs_handles_adopt(f->handles, fh, ff, &held);
	if (rc || held != ff) {
		file_free(ff);
		return rc;
	}
	/* Its reader's bits were the old server's; this one starts from
	 * now, as a new open would. */
	if (ff->pd)
		log_info("proc/%d/%s: a descriptor open across a server "
			 "restart reads afresh: the reference bits it had "
			 "gathered are lost",
			 (int)n->pid,
			 n->kind == RCAPFS_NODE_PROC_PAGEDATA_HW ? "pagedata_hw"
								 : "pagedata");
	return 0;
}

int rcapfs_front_read(struct rcapfs_front *f, uint64_t fh,
		      const struct rcapfs_caller *who, off_t off, char *buf,
		      size_t size, size_t *done)
{
	struct front_file *ff = rcapfs_handles_get(f->handles, fh);
	size_t n = 0;
	int rc = 0;

	*done = 0;
	if (!ff)
		return -EBADF;
	pthread_mutex_lock(&ff->lock);
	/* Every read of pagedata is a whole snapshot of its own. */
	if (ff->pd) {
		rc = rcapfs_pagedata_read(ff->pd, off, buf, size, done);
		goto out;
	}
	/* A new read from the start after the snapshot was served refreshes
	 * it, so lseek(0) + read sees current values. */
	if (off == 0 && ff->served) {
		rcapfs_buf_reset(&ff->snap);
		rc = rcapfs_front_render(f, &ff->node, who, &ff->snap);
		if (rc)
			goto out;
	}
	ff->served = true;
	if (off >= 0 && (size_t)off < ff->snap.len) {
		n = ff->snap.len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(buf, ff->snap.data + off, n);
	}
	*done = n;
out:
	pthread_mutex_unlock(&ff->lock);
	return rc;
}

/* A short printable excerpt of rejected input for the log. */
static void excerpt(const char *buf, size_t size, char *out, size_t outlen)
{
	size_t i, j = 0;

	if (size && buf[size - 1] == '\n')
		size--;
	for (i = 0; i < size && j + 4 < outlen; i++) {
		unsigned char c = (unsigned char)buf[i];

		out[j++] = isprint(c) ? (char)c : '?';
	}
	if (i < size) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

/* Replace or extend the rules of ff's collection with text whose pids
 * are who's. Under ff->lock. */
static int write_members(struct rcapfs_front *f, struct front_file *ff,
			 const struct rcapfs_caller *who, const char *buf,
			 size_t size, char *err, size_t errlen)
{
	struct rcapfs_buf text = RCAPFS_BUF_INIT;
	int rc;

	rc = rcapfs_front_members_in(f, who, &buf, &size, &text, err, errlen);
	if (rc == 0)
		rc = rcapfs_settings_set_members(f->settings, ff->node.name,
						 buf, size, ff->append, err,
						 errlen);
	rcapfs_buf_release(&text);
	if (rc == 0)
		ff->append = true;
	return rc;
}

/* Apply one write to ff's node. Under ff->lock. */
static int write_node(struct rcapfs_front *f, struct front_file *ff,
		      const struct rcapfs_caller *who, const char *buf,
		      size_t size, char *err, size_t errlen)
{
	const struct rcapfs_node *n = &ff->node;
	const struct rcapfs_ctl_knob *k;
	uint64_t cap;
	unsigned v;
	int rc;

	switch (n->kind) {
	case RCAPFS_NODE_COLL_CAP:
		rc = rcapfs_parse_cap(buf, size, &cap);
		return rc ? rc
			  : rcapfs_settings_set_cap(f->settings, n->name, cap);
	case RCAPFS_NODE_COLL_MEMBERS:
		return write_members(f, ff, who, buf, size, err, errlen);
	case RCAPFS_NODE_COLL_SWAP_IDLE:
		rc = rcapfs_parse_uint(buf, size, 0, RCAPFS_INTERVAL_MAX_S, &v);
		return rc ? rc
			  : rcapfs_settings_set_swap_idle(f->settings, n->name,
							  v);
	case RCAPFS_NODE_CTL_KNOB:
		k = &rcapfs_ctl_knobs[n->knob];
		rc = rcapfs_parse_knob(k, buf, size, &v);
		return rc ? rc : rcapfs_settings_set_knob(f->settings, k, v);
	default:
		return -EACCES;
	}
}

/* The path of a writable node, for the log: "caps/web/cap", "ctl/mode". */
static const char *node_path(const struct rcapfs_node *n, char *out, size_t len)
{
	const struct rcapfs_child *c = rcapfs_node_children(RCAPFS_NODE_COLL);

	if (n->kind == RCAPFS_NODE_CTL_KNOB) {
		snprintf(out, len, "ctl/%s", rcapfs_ctl_knobs[n->knob].file);
		return out;
	}
	while (c->name && c->kind != n->kind)
		c++;
	snprintf(out, len, "caps/%s/%s", n->name, c->name ? c->name : "?");
	return out;
}

int rcapfs_front_write(struct rcapfs_front *f, uint64_t fh,
		       const struct rcapfs_caller *who, const char *buf,
		       size_t size)
{
	struct front_file *ff = rcapfs_handles_get(f->handles, fh);
	char err[160] = "", what[48], path[64];
	int rc;

	if (!ff)
		return -EBADF;
	if (!rcapfs_front_may_change(who))
		return -EACCES;
	pthread_mutex_lock(&ff->lock);
	rc = write_node(f, ff, who, buf, size, err, sizeof(err));
	pthread_mutex_unlock(&ff->lock);
	if (rc) {
		excerpt(buf, size, what, sizeof(what));
		log_warn("%s: rejected \"%s\" (%zu bytes): %s%s%s",
			 node_path(&ff->node, path, sizeof(path)), what, size,
			 strerror(-rc), err[0] ? ": " : "", err);
	}
	return rc;
}

int rcapfs_front_truncate(struct rcapfs_front *f, const struct rcapfs_node *n,
			  const struct rcapfs_caller *who)
{
	(void)f;
	if (rcapfs_node_is_dir(n->kind))
		return -EISDIR;
	if (!rcapfs_node_writable(n->kind) || !rcapfs_front_may_change(who))
		return -EACCES;
	return 0;
}

bool rcapfs_front_size_uncached(struct rcapfs_front *f, uint64_t fh)
{
	struct front_file *ff = rcapfs_handles_get(f->handles, fh);

	return ff && rcapfs_node_size_uncached(ff->node.kind);
}

void rcapfs_front_release(struct rcapfs_front *f, uint64_t fh)
{
	struct front_file *ff = rcapfs_handles_take(f->handles, fh);

	if (ff)
		file_free(ff);
}
