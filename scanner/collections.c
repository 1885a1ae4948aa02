/*
 * The table of collections, sorted by name, and the calls that create,
 * remove, list and configure them (caps, swap_idle, membership rules) and
 * read what the last sample found (member pids).
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rcapfs_name_valid(const char *name)
{
	size_t len = strlen(name);

	/* A leading '-' would read as an option to every shell tool. */
	if (len == 0 || len > RCAPFS_NAME_MAX || name[0] == '.' ||
	    name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		      ch == '-'))
			return false;
	}
	return true;
}

void scanner_collection_free(struct collection *c)
{
	if (!c)
		return;
	/* First: its thread may still be reading the members' memory. */
	rcapfs_enforcer_free(c->enf);
	rcapfs_rules_free(c->rules);
	rcapfs_membership_free(c->membership);
	free(c->members);
	free(c);
}

static struct collection *collection_new(struct rcapfs_scanner *sc,
					 const char *name)
{
	struct collection *c = calloc(1, sizeof(*c));
	char label[RCAPFS_ENFORCER_LABEL_MAX];

	if (!c)
		return NULL;
	snprintf(label, sizeof(label), "collection %s", name);
	c->rules = rcapfs_rules_new();
	c->membership = rcapfs_membership_new();
	if (!c->rules || !c->membership ||
	    rcapfs_enforcer_new(sc->tr, sc->be, label, &c->enf)) {
		scanner_collection_free(c);
		return NULL;
	}
	strcpy(c->name, name);
	c->refs = 1;
	c->stats.version = RCAPFS_STATS_VERSION;
	c->stats.accounting = RCAPFS_ACCT_RSS;
	c->stats.fidelity = rcapfs_tracker_fidelity(sc->tr);
	return c;
}

struct collection *scanner_collection_put(struct collection *c)
{
	return --c->refs == 0 ? c : NULL;
}

/* Binary search by name under sc->lock: returns true when found; *pos is
 * its index, or where it would go. */
static bool find_pos(const struct rcapfs_scanner *sc, const char *name,
		     size_t *pos)
{
	size_t lo = 0, hi = sc->ncolls;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, sc->colls[mid]->name);

		if (cmp == 0) {
			*pos = mid;
			return true;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return false;
}

struct collection *scanner_find(const struct rcapfs_scanner *sc,
				const char *name)
{
	size_t pos;

	return find_pos(sc, name, &pos) ? sc->colls[pos] : NULL;
}

/* Under sc->lock: whether a collection has id. */
static bool id_taken(const struct rcapfs_scanner *sc, uint32_t id)
{
	for (size_t i = 0; i < sc->ncolls; i++)
		if (sc->colls[i]->id == id)
			return true;
	return false;
}

/* Put a new collection in the table under id (0: the next one). */
static int insert(struct rcapfs_scanner *sc, const char *name, uint32_t id)
{
	struct collection *c, **grown;
	size_t pos;
	int rc = 0;

	if (!rcapfs_name_valid(name))
		return -EINVAL;
	c = collection_new(sc, name);
	if (!c)
		return -ENOMEM;
	pthread_mutex_lock(&sc->lock);
	if (id == 0)
		id = sc->next_coll_id;
	if (find_pos(sc, name, &pos) || id_taken(sc, id)) {
		rc = -EEXIST;
		goto out;
	}
	/* Ids are never given twice: once past the last one, no more. */
	if (sc->ncolls >= RCAPFS_COLLECTIONS_MAX || id == UINT32_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	grown = realloc(sc->colls, (sc->ncolls + 1) * sizeof(*grown));
	if (!grown) {
		rc = -ENOMEM;
		goto out;
	}
	sc->colls = grown;
	memmove(&grown[pos + 1], &grown[pos],
		(sc->ncolls - pos) * sizeof(*grown));
	grown[pos] = c;
	sc->ncolls++;
	c->id = id;
	if (id >= sc->next_coll_id)
		sc->next_coll_id = id + 1;
	c = NULL;
out:
	pthread_mutex_unlock(&sc->lock);
	scanner_collection_free(c);
	return rc;
}

int rcapfs_scanner_create(struct rcapfs_scanner *sc, const char *name)
{
	return insert(sc, name, 0);
}

int rcapfs_scanner_create_id(struct rcapfs_scanner *sc, const char *name,
			     uint32_t id)
{
	return id ? insert(sc, name, id) : -EINVAL;
}

int rcapfs_scanner_coll_id(struct rcapfs_scanner *sc, const char *name,
			   uint32_t *id)
{
	struct collection *c;

	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (c)
		*id = c->id;
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
}

int rcapfs_scanner_coll_name(struct rcapfs_scanner *sc, uint32_t id,
			     char name[RCAPFS_NAME_MAX + 1])
{
	int rc = -ENOENT;

	pthread_mutex_lock(&sc->lock);
	for (size_t i = 0; rc && i < sc->ncolls; i++) {
		if (sc->colls[i]->id == id) {
			strcpy(name, sc->colls[i]->name);
			rc = 0;
		}
	}
	pthread_mutex_unlock(&sc->lock);
	return rc;
}

uint32_t rcapfs_scanner_next_coll_id(struct rcapfs_scanner *sc)
{
	uint32_t id;

	pthread_mutex_lock(&sc->lock);
	id = sc->next_coll_id;
	pthread_mutex_unlock(&sc->lock);
	return id;
}

void rcapfs_scanner_raise_next_coll_id(struct rcapfs_scanner *sc, uint32_t id)
{
	pthread_mutex_lock(&sc->lock);
	if (id > sc->next_coll_id)
		sc->next_coll_id = id;
	pthread_mutex_unlock(&sc->lock);
}

int rcapfs_scanner_remove(struct rcapfs_scanner *sc, const char *name)
{
	struct collection *c, *dead = NULL;
	size_t pos;

	pthread_mutex_lock(&sc->lock);
	if (!find_pos(sc, name, &pos)) {
		pthread_mutex_unlock(&sc->lock);
		return -ENOENT;
	}
	c = sc->colls[pos];
	memmove(&sc->colls[pos], &sc->colls[pos + 1],
		(sc->ncolls - pos - 1) * sizeof(*sc->colls));
	sc->ncolls--;
	c->removed = true;
	dead = scanner_collection_put(c);
	pthread_mutex_unlock(&sc->lock);
	scanner_collection_free(dead);
	return 0;
}

bool rcapfs_scanner_exists(struct rcapfs_scanner *sc, const char *name)
{
	bool found;

	pthread_mutex_lock(&sc->lock);
	found = scanner_find(sc, name) != NULL;
	pthread_mutex_unlock(&sc->lock);
	return found;
}

void rcapfs_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int rcapfs_scanner_names(struct rcapfs_scanner *sc, char ***names, size_t *n)
{
	char **out;
	size_t count = 0;
	int rc = 0;

	pthread_mutex_lock(&sc->lock);
	out = calloc(sc->ncolls ? sc->ncolls : 1, sizeof(*out));
	if (!out) {
		rc = -ENOMEM;
		goto out;
	}
	for (; count < sc->ncolls; count++) {
		out[count] = strdup(sc->colls[count]->name);
		if (!out[count]) {
			rc = -ENOMEM;
			break;
		}
	}
out:
	pthread_mutex_unlock(&sc->lock);
	if (rc) {
		rcapfs_names_free(out, count);
		return rc;
	}
	*names = out;
	*n = count;
	return 0;
}

int rcapfs_scanner_set_cap(struct rcapfs_scanner *sc, const char *name,
			   uint64_t cap_bytes)
{
	struct collection *c;
	uint64_t rounded;

	if (cap_bytes > UINT64_MAX - 1023)
		return -ERANGE;
	rounded = (cap_bytes + 1023) & ~(uint64_t)1023;
	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (c) {
		c->cap_bytes = rounded;
		if (rounded && rounded < c->stats.rss_bytes)
			scanner_kick_locked(sc);
		else
			rcapfs_enforcer_withdraw(c->enf);
	}
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
}

int rcapfs_scanner_set_swap_idle(struct rcapfs_scanner *sc, const char *name,
				 unsigned seconds)
{
	struct collection *c;

	if (seconds > RCAPFS_INTERVAL_MAX_S)
		return -ERANGE;
	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (c)
		c->swap_idle_s = seconds;
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
}

int rcapfs_scanner_get_swap_idle(struct rcapfs_scanner *sc, const char *name,
				 unsigned *seconds)
{
	struct collection *c;

	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (c)
		*seconds = c->swap_idle_s;
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
}

int rcapfs_scanner_get_cap(struct rcapfs_scanner *sc, const char *name,
			   uint64_t *cap_bytes)
{
	struct collection *c;

	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (c)
		*cap_bytes = c->cap_bytes;
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
}

int rcapfs_scanner_set_members(struct rcapfs_scanner *sc, const char *name,
			       const char *text, size_t len, bool append,
			       enum rcapfs_rules_syntax syntax, char *err,
			       size_t errlen)
{
	struct rcapfs_rules *base = NULL, *rules = NULL;
	struct collection *c, *dead = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	/* Parsing calls the backend, so it runs without the table lock;
	 * writers are serialised so an append cannot lose another. */
	pthread_mutex_lock(&sc->members_lock);
	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (c) {
		c->refs++;
		if (append)
			base = rcapfs_rules_ref(c->rules);
	}
	pthread_mutex_unlock(&sc->lock);
	if (!c) {
		pthread_mutex_unlock(&sc->members_lock);
		return -ENOENT;
	}

	rc = rcapfs_rules_parse(base, text, len, syntax, sc->be, &rules, err,
				errlen);

	pthread_mutex_lock(&sc->lock);
	if (rc == 0 && c->removed)
		rc = -ENOENT;
	if (rc == 0) {
		struct rcapfs_rules *old = c->rules;

		c->rules = rules;
		rules = old;
		sc->need_walk = true;
		scanner_kick_locked(sc);
	}
	dead = scanner_collection_put(c);
	pthread_mutex_unlock(&sc->lock);
	pthread_mutex_unlock(&sc->members_lock);
	scanner_collection_free(dead);
	rcapfs_rules_free(rules);
	rcapfs_rules_free(base);
	return rc;
}

int rcapfs_scanner_members(struct rcapfs_scanner *sc, const char *name,
			   enum rcapfs_rules_syntax syntax,
			   struct rcapfs_buf *out)
{
	struct rcapfs_rules *rules = NULL;
	struct collection *c;
	int rc;

	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (c)
		rules = rcapfs_rules_ref(c->rules);
	pthread_mutex_unlock(&sc->lock);
	if (!c)
		return -ENOENT;
	rc = rcapfs_rules_format(rules, syntax, out);
	rcapfs_rules_free(rules);
	return rc;
}

int rcapfs_scanner_procs(struct rcapfs_scanner *sc, const char *name,
			 pid_t **pids, size_t *n)
{
	struct collection *c;
	pid_t *out = NULL;
	int rc = 0;

	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (!c) {
		rc = -ENOENT;
		goto out;
	}
	out = calloc(c->nmembers ? c->nmembers : 1, sizeof(*out));
	if (!out) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c->nmembers; i++)
		out[i] = c->members[i].pid;
	*pids = out;
	*n = c->nmembers;
out:
	pthread_mutex_unlock(&sc->lock);
	return rc;
}
