#include "config.h"

#include "scanner/ctl.h"

#include <errno.h>
#include <string.h>

const char *const rcapfs_ctl_words_bool[] = {"0", "1", NULL};
const char *const rcapfs_ctl_words_mode[] = {"pageout", "cold", NULL};
const char *const rcapfs_ctl_words_accounting[] = {"rss", "pss", "unique",
						   NULL};

#define KNOB(field, file, min, max, def, words)                                \
	{file, offsetof(struct rcapfs_ctl, field), min, max, def, words},

const struct rcapfs_ctl_knob rcapfs_ctl_knobs[RCAPFS_CTL_NKNOBS] = {
	RCAPFS_CTL_KNOBS(KNOB)};

const struct rcapfs_ctl_knob *rcapfs_ctl_find(const char *name, size_t len)
{
	for (size_t i = 0; i < RCAPFS_CTL_NKNOBS; i++) {
		const char *file = rcapfs_ctl_knobs[i].file;

		if (strlen(file) == len && memcmp(file, name, len) == 0)
			return &rcapfs_ctl_knobs[i];
	}
	return NULL;
}

unsigned rcapfs_ctl_get(const struct rcapfs_ctl *ctl,
			const struct rcapfs_ctl_knob *k)
{
	unsigned v;

	memcpy(&v, (const char *)ctl + k->offset, sizeof(v));
	return v;
}

void rcapfs_ctl_set(struct rcapfs_ctl *ctl, const struct rcapfs_ctl_knob *k,
		    unsigned v)
{
	memcpy((char *)ctl + k->offset, &v, sizeof(v));
}

int rcapfs_ctl_check(const struct rcapfs_ctl *ctl)
{
	for (size_t i = 0; i < RCAPFS_CTL_NKNOBS; i++) {
		const struct rcapfs_ctl_knob *k = &rcapfs_ctl_knobs[i];
		unsigned v = rcapfs_ctl_get(ctl, k);

		if (v < k->min || v > k->max)
			return k->words ? -EINVAL : -ERANGE;
	}
	return 0;
}
