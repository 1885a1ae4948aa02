/* Loading the state file (its format: fs/state_i.h): checked whole,
 * then applied, or nothing is. */
#include "config.h"

#include "fs/state.h"
#include "fs/state_i.h"

#include "compat/buf.h"
#include "compat/log.h"
#include "fs/parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One collection as the file gives it. */
struct coll {
	char name[RCAPFS_NAME_MAX + 1];
	unsigned lineno; /* of its "collection" line */
	uint32_t id;	 /* 0: none given */
	bool have_cap;
	uint64_t cap_bytes;
	bool have_swap_idle;
	unsigned swap_idle_s;
	size_t nrules;
	struct rcapfs_buf rules; /* one rule per line, RCAPFS_RULES_STATE */
};

/* What the file says, checked whole before anything is applied. */
struct loader {
	const char *path;
	unsigned lineno;
	struct rcapfs_ctl ctl;
	bool ctl_seen[RCAPFS_CTL_NKNOBS];
	struct coll *colls; /* room for RCAPFS_COLLECTIONS_MAX */
	size_t n;
	struct coll *cur; /* the open collection block, or NULL */
	/* next_collection_id, or 0; and past the largest id given. */
	uint32_t next_id;
	uint32_t past_ids;
	bool ended; /* the final end was read */
};

static int bad_line(const struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Log why the current line is bad; returns -EINVAL. */
static int bad_line(const struct loader *ld, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("state file %s, line %u: %s", ld->path, ld->lineno, msg);
	return -EINVAL;
}

/* Quote at most this much of a bad value in the log. */
static int quote_len(size_t len)
{
	return len > 64 ? 64 : (int)len;
}

static bool key_is(const char *key, size_t klen, const char *want)
{
	return strlen(want) == klen && memcmp(key, want, klen) == 0;
}

static int load_ctl(struct loader *ld, const struct rcapfs_ctl_knob *k,
		    const char *v, size_t vlen)
{
	size_t i = (size_t)(k - rcapfs_ctl_knobs);
	unsigned value;

	if (ld->ctl_seen[i])
		return bad_line(ld, "%s given twice", k->file);
	ld->ctl_seen[i] = true;
	if (rcapfs_parse_knob(k, v, vlen, &value))
		return bad_line(ld, "bad %s \"%.*s\"", k->file, quote_len(vlen),
				v);
	rcapfs_ctl_set(&ld->ctl, k, value);
	return 0;
}

/* An id: 1 to UINT32_MAX - 1. Returns 0 or -EINVAL. */
static int parse_id(const char *v, size_t vlen, uint32_t *out)
{
	unsigned id;

	if (rcapfs_parse_uint(v, vlen, 1, UINT32_MAX - 1, &id))
		return -EINVAL;
	*out = id;
	return 0;
}

/* A collection's id line. */
static int load_id(struct loader *ld, struct coll *c, const char *v,
		   size_t vlen)
{
	if (c->id)
		return bad_line(ld, "id given twice");
	if (parse_id(v, vlen, &c->id))
		return bad_line(ld, "bad id \"%.*s\"", quote_len(vlen), v);
	for (size_t i = 0; i < ld->n; i++)
		if (&ld->colls[i] != c && ld->colls[i].id == c->id)
			return bad_line(ld, "id %" PRIu32 " given twice",
					c->id);
	if (c->id >= ld->past_ids)
		ld->past_ids = c->id + 1;
	return 0;
}

/* A line outside a collection block. */
static int load_top(struct loader *ld, const char *key, size_t klen,
		    const char *v, size_t vlen, bool has_value)
{
	const struct rcapfs_ctl_knob *k;
	struct coll *c;
	size_t i;

	if (key_is(key, klen, "end") && !has_value) {
		ld->ended = true;
		return 0;
	}
	if (key_is(key, klen, "next_collection_id")) {
		if (ld->next_id)
			return bad_line(ld, "next_collection_id given twice");
		if (parse_id(v, vlen, &ld->next_id))
			return bad_line(ld, "bad next_collection_id \"%.*s\"",
					quote_len(vlen), v);
		return 0;
	}
	if (key_is(key, klen, "collection")) {
		if (ld->n == RCAPFS_COLLECTIONS_MAX)
			return bad_line(ld, "more than %d collections",
					RCAPFS_COLLECTIONS_MAX);
		c = &ld->colls[ld->n];
		if (vlen > RCAPFS_NAME_MAX)
			return bad_line(ld, "bad collection name \"%.*s\"",
					quote_len(vlen), v);
		memcpy(c->name, v, vlen);
		c->name[vlen] = '\0';
		if (!rcapfs_name_valid(c->name))
			return bad_line(ld, "bad collection name \"%s\"",
					c->name);
		for (i = 0; i < ld->n; i++) {
			if (strcmp(ld->colls[i].name, c->name) == 0)
				return bad_line(ld, "collection %s given twice",
						c->name);
		}
		c->lineno = ld->lineno;
		ld->n++;
		ld->cur = c;
		return 0;
	}
	k = rcapfs_ctl_find(key, klen);
	if (k)
		return load_ctl(ld, k, v, vlen);
	return bad_line(ld, "unknown key \"%.*s\"", quote_len(klen), key);
}

/* A line inside a collection block. */
static int load_block(struct loader *ld, const char *key, size_t klen,
		      const char *v, size_t vlen, bool has_value)
{
	struct coll *c = ld->cur;
	int rc;

	if (key_is(key, klen, "end") && !has_value) {
		if (!c->have_cap)
			return bad_line(ld, "collection %s has no cap",
					c->name);
		ld->cur = NULL;
		return 0;
	}
	if (key_is(key, klen, "id"))
		return load_id(ld, c, v, vlen);
	if (key_is(key, klen, "cap")) {
		if (c->have_cap)
			return bad_line(ld, "cap given twice");
		if (rcapfs_parse_cap(v, vlen, &c->cap_bytes))
			return bad_line(ld, "bad cap \"%.*s\"", quote_len(vlen),
					v);
		c->have_cap = true;
		return 0;
	}
	if (key_is(key, klen, "swap_idle")) {
		if (c->have_swap_idle)
			return bad_line(ld, "swap_idle given twice");
		if (rcapfs_parse_uint(v, vlen, 0, RCAPFS_INTERVAL_MAX_S,
				      &c->swap_idle_s))
			return bad_line(ld, "bad swap_idle \"%.*s\"",
					quote_len(vlen), v);
		c->have_swap_idle = true;
		return 0;
	}
	if (key_is(key, klen, "member")) {
		if (vlen == 0)
			return bad_line(ld, "member without a rule");
		if (c->nrules == RCAPFS_RULES_MAX)
			return bad_line(ld, "more than %d member rules",
					RCAPFS_RULES_MAX);
		rc = rcapfs_buf_add(&c->rules, v, vlen);
		if (rc == 0)
			rc = rcapfs_buf_add(&c->rules, "\n", 1);
		c->nrules++;
		return rc;
	}
	return bad_line(ld, "unknown key \"%.*s\" in collection %s",
			quote_len(klen), key, c->name);
}

static int load_line(struct loader *ld, const char *line, size_t len)
{
	static const char magic[] = STATE_MAGIC " " STATE_VERSION;
	const char *sp, *v;
	size_t klen, vlen;

	if (ld->ended)
		return bad_line(ld, "text after the final end");
	if (memchr(line, '\0', len))
		return bad_line(ld, "NUL byte");
	if (ld->lineno == 1) {
		if (len == sizeof(magic) - 1 && memcmp(line, magic, len) == 0)
			return 0;
		if (len > strlen(STATE_MAGIC " ") &&
		    memcmp(line, STATE_MAGIC " ", strlen(STATE_MAGIC " ")) == 0)
			return bad_line(ld, "unsupported version \"%.*s\"",
					quote_len(len), line);
		return bad_line(ld, "not an rcapfs state file");
	}
	sp = memchr(line, ' ', len);
	klen = sp ? (size_t)(sp - line) : len;
	v = sp ? sp + 1 : line + len;
	vlen = len - (size_t)(v - line);
	if (ld->cur)
		return load_block(ld, line, klen, v, vlen, sp != NULL);
	return load_top(ld, line, klen, v, vlen, sp != NULL);
}

/* Check the whole text into ld. Returns 0, -EINVAL or -ENOMEM. */
static int load_text(struct loader *ld, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	int rc;

	while (p < end) {
		ld->lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return bad_line(ld,
					"no newline: the file is cut short");
		rc = load_line(ld, p, (size_t)(nl - p));
		if (rc)
			return rc;
		p = nl + 1;
	}
	if (!ld->ended) {
		log_err("state file %s: %s: the file is cut short", ld->path,
			ld->lineno ? "no final \"end\"" : "empty");
		return -EINVAL;
	}
	return 0;
}

/* Read the whole file into out. Returns 0 or -errno (logged, but for
 * -ENOENT). */
static int read_file(const char *path, struct rcapfs_buf *out)
{
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc != -ENOENT)
			log_err("cannot open state file %s: %s", path,
				strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	if (st.st_size > (off_t)RCAPFS_STATE_MAX) {
		rc = -EFBIG;
		goto out;
	}
	for (;;) {
		rc = rcapfs_buf_reserve(out, 65536);
		if (rc)
			goto out;
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		/* It may have grown since fstat. */
		if (out->len > RCAPFS_STATE_MAX) {
			rc = -EFBIG;
			goto out;
		}
	}
out:
	if (rc == -EFBIG)
		log_err("state file %s is larger than %u bytes", path,
			RCAPFS_STATE_MAX);
	else if (rc)
		log_err("cannot read state file %s: %s", path,
			rc == -EINVAL ? "not a regular file" : strerror(-rc));
	close(fd);
	return rc;
}

/* Apply a checked file; on any failure undo what was done. */
static int apply(struct rcapfs_scanner *sc, const struct loader *ld)
{
	const struct coll *c = NULL;
	struct rcapfs_ctl old;
	size_t created = 0, i;
	char err[256] = "";
	int rc;

	rcapfs_scanner_get_ctl(sc, &old);
	/* The scanner's bounds are the last check of the file's values. */
	rc = rcapfs_scanner_set_ctl(sc, &ld->ctl);
	if (rc) {
		log_err("state file %s: ctl values refused: %s", ld->path,
			strerror(-rc));
		return rc == -ERANGE ? -EINVAL : rc;
	}
	/* Collections without an id (an older file) get ids after all. */
	rcapfs_scanner_raise_next_coll_id(
		sc, ld->next_id > ld->past_ids ? ld->next_id : ld->past_ids);
	for (i = 0; i < ld->n; i++) {
		c = &ld->colls[i];
		rc = c->id ? rcapfs_scanner_create_id(sc, c->name, c->id)
			   : rcapfs_scanner_create(sc, c->name);
		if (rc)
			goto undo;
		created++;
		rc = rcapfs_scanner_set_cap(sc, c->name, c->cap_bytes);
		if (rc == 0)
			rc = rcapfs_scanner_set_swap_idle(sc, c->name,
							  c->swap_idle_s);
		if (rc)
			goto undo;
		if (c->rules.len == 0)
			continue;
		rc = rcapfs_scanner_set_members(
			sc, c->name, c->rules.data, c->rules.len, false,
			RCAPFS_RULES_STATE, err, sizeof(err));
		if (rc)
			goto undo;
	}
	return 0;
undo:
	/* err counts lines among the collection's member rules. */
	log_err("state file %s, collection %s (line %u): %s%s", ld->path,
		c->name, c->lineno, *err ? "member rules, " : "",
		*err ? err : strerror(-rc));
	while (created-- > 0)
		rcapfs_scanner_remove(sc, ld->colls[created].name);
	if (rcapfs_scanner_set_ctl(sc, &old))
		log_err("state file %s: cannot restore the ctl values",
			ld->path);
	return rc;
}

/* A daemon killed while saving leaves "<path>.tmp.<pid>" behind; at start
 * every such file is stale (one daemon owns a state file), so remove them
 * rather than let crashes pile them up. */
static void remove_stale_tmps(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *prefix = NULL;
	struct dirent *de;
	size_t plen;
	DIR *d;

	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
		    : strdup(".");
	if (!dir ||
	    asprintf(&prefix, "%s.tmp.", slash ? slash + 1 : path) < 0) {
		free(dir);
		return;
	}
	plen = strlen(prefix);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_info("removed %s/%s left by a crashed daemon", dir,
				 de->d_name);
	}
	if (d)
		closedir(d);
	free(prefix);
	free(dir);
}

int rcapfs_state_load(struct rcapfs_scanner *sc, const char *path)
{
	struct rcapfs_buf text = RCAPFS_BUF_INIT;
	struct loader ld = {.path = path};
	size_t i;
	int rc;

	remove_stale_tmps(path);
	rc = read_file(path, &text);
	if (rc == -ENOENT) {
		log_info("no state file %s: starting without collections",
			 path);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	ld.colls = calloc(RCAPFS_COLLECTIONS_MAX, sizeof(*ld.colls));
	if (!ld.colls) {
		rc = -ENOMEM;
		goto out;
	}
	rcapfs_scanner_get_ctl(sc, &ld.ctl);
	rc = load_text(&ld, text.data, text.len);
	if (rc == 0)
		rc = apply(sc, &ld);
	if (rc == 0)
		log_info("state file %s: %zu collections restored", path, ld.n);
out:
	for (i = 0; i < ld.n; i++)
		rcapfs_buf_release(&ld.colls[i].rules);
	free(ld.colls);
	rcapfs_buf_release(&text);
	return rc;
}
