/*
 * The costly accounting modes of ctl/accounting: a collection's memory as
 * the sum of its members' Pss, or with each physical page counted once
 * (their page frame numbers merged).
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include "compat/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The collection's memory with each physical page counted once: the
 * members' page frame numbers, merged. Returns 0, -EPERM when the kernel
 * hides them, or -errno.
 */
static int unique_kb(struct rcapfs_scanner *sc, const struct snap *s,
		     uint64_t *out)
{
	const struct rcapfs_backend *be = sc->be;
	uint64_t *all = NULL, count = 0;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < s->nmembers && rc == 0; i++) {
		struct rcapfs_task *t;
		uint64_t *pfns, *grown;
		size_t k;

		rc = be->ops->task_open(be->ctx, s->members[i].pid,
					s->members[i].start_ticks, &t);
		if (rc == 0) {
			rc = be->ops->task_pfns(be->ctx, t, &pfns, &k);
			be->ops->task_close(be->ctx, t);
		}
		if (rc == -ESRCH) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		grown = k ? realloc(all, (n + k) * sizeof(*all)) : all;
		if (!grown) {
			free(pfns);
			rc = -ENOMEM;
			break;
		}
		all = grown;
		memcpy(all + n, pfns, k * sizeof(*all));
		n += k;
		free(pfns);
	}
	if (rc == 0) {
		qsort(all, n, sizeof(*all), cmp_u64);
		for (size_t i = 0; i < n; i++)
			count += i == 0 || all[i] != all[i - 1];
		*out = count * (sc->page_size / 1024);
	}
	free(all);
	return rc;
}

/* Sum of the members' Pss. Returns 0 or -errno. */
static int pss_kb(struct rcapfs_scanner *sc, const struct snap *s,
		  uint64_t *out)
{
	const struct rcapfs_backend *be = sc->be;
	uint64_t sum = 0;
	int rc = 0;

	for (size_t i = 0; i < s->nmembers && rc == 0; i++) {
		struct rcapfs_task *t;
		uint64_t kb = 0;

		rc = be->ops->task_open(be->ctx, s->members[i].pid,
					s->members[i].start_ticks, &t);
		if (rc == 0) {
			rc = be->ops->task_pss(be->ctx, t, &kb);
			be->ops->task_close(be->ctx, t);
		}
		if (rc == -ESRCH)
			rc = 0;
		sum += kb;
	}
	if (rc == 0)
		*out = sum;
	return rc;
}

void scanner_account(struct rcapfs_scanner *sc, enum rcapfs_accounting mode,
		     struct snap *s)
{
	uint64_t kb;
	int rc;

	if (mode == RCAPFS_ACCT_UNIQUE) {
		rc = unique_kb(sc, s, &kb);
		if (rc == 0) {
			s->rss_kb = kb;
			s->acct = RCAPFS_ACCT_UNIQUE;
			return;
		}
		if (!sc->told_unique)
			log_warn("accounting unique: page frame numbers are "
				 "not available (%s%s): using pss",
				 strerror(-rc),
				 rc == -EPERM || rc == -EACCES
					 ? "; they need CAP_SYS_ADMIN"
					 : "");
		sc->told_unique = true;
	}
	rc = pss_kb(sc, s, &kb);
	if (rc == 0) {
		s->rss_kb = kb;
		s->acct = RCAPFS_ACCT_PSS;
		return;
	}
	if (!sc->told_pss)
		log_warn("accounting pss: %s: using rss", strerror(-rc));
	sc->told_pss = true;
}
