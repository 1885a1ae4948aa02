/*
 * The global controls, M/ctl/: one table gives each knob its file name, its
 * field, its bounds and its default. The tree, reading, writing, the state
 * file and the scanner's check all go by it, so a new knob is one line of
 * RCAPFS_CTL_KNOBS. Pure data; no FUSE.
 */
#ifndef RCAPFS_SCANNER_CTL_H
#define RCAPFS_SCANNER_CTL_H

#include "rcapfs/stats.h"

#include <stddef.h>

/* The longest interval a knob takes, in seconds: one day. Sampling less
 * often would leave a cap unenforced for longer than anyone waits, and it
 * keeps interval arithmetic in nanoseconds far from overflow. */
#define RCAPFS_INTERVAL_MAX_S 86400

enum rcapfs_mode {
	RCAPFS_MODE_PAGEOUT = 0, /* MADV_PAGEOUT */
	RCAPFS_MODE_COLD = 1,	 /* MADV_COLD */
};

/*
 * X(field, file, min, max, def, words), one line per knob:
 *   field  its member of struct rcapfs_ctl (an unsigned)
 *   file   its name under M/ctl/ and its key in the state file
 *   min, max, def  the values it takes and the one it starts with
 *   words  NULL for a decimal number (ERANGE outside [min, max]); else
 *          the words that stand for 0..max (anything else is EINVAL)
 * The order is the order of the listing and of the state file.
 */
#define RCAPFS_CTL_KNOBS(X)                                                    \
	X(enforce, "enforce", 0, 1, 1, rcapfs_ctl_words_bool)                  \
	X(pressure_pct, "pressure", 0, 100, 0, NULL)                           \
	X(sample_interval_s, "sample_interval", 1, RCAPFS_INTERVAL_MAX_S, 5,   \
	  NULL)                                                                \
	X(scan_interval_s, "scan_interval", 1, RCAPFS_INTERVAL_MAX_S, 15,      \
	  NULL)                                                                \
	X(report_interval_s, "report_interval", 0, RCAPFS_INTERVAL_MAX_S, 5,   \
	  NULL)                                                                \
	X(mode, "mode", 0, 1, RCAPFS_MODE_PAGEOUT, rcapfs_ctl_words_mode)      \
	X(accounting, "accounting", 0, 2, RCAPFS_ACCT_RSS,                     \
	  rcapfs_ctl_words_accounting)                                         \
	/* Seconds without CPU time that make a member idle, scanned           \
	 * before busy ones; 0 = off. */                                       \
	X(idle_threshold_s, "idle_threshold", 0, RCAPFS_INTERVAL_MAX_S, 10,    \
	  NULL)                                                                \
	/* Hold every process to its RLIMIT_RSS. */                            \
	X(rlimit_rss, "rlimit_rss", 0, 1, 1, rcapfs_ctl_words_bool)

/* "0" "1"; "pageout" "cold" (enum rcapfs_mode); "rss" "pss" "unique"
 * (enum rcapfs_accounting). Each ended by NULL. */
extern const char *const rcapfs_ctl_words_bool[];
extern const char *const rcapfs_ctl_words_mode[];
extern const char *const rcapfs_ctl_words_accounting[];

#define RCAPFS_CTL_FIELD(field, file, min, max, def, words) unsigned field;

/* ctl/ values, one field per knob. */
struct rcapfs_ctl {
	RCAPFS_CTL_KNOBS(RCAPFS_CTL_FIELD)
};

#define RCAPFS_CTL_DEFAULT(field, file, min, max, def, words) .field = (def),

/* The values a daemon starts with: an initialiser of struct rcapfs_ctl. */
#define RCAPFS_CTL_DEFAULTS                                                    \
	{                                                                      \
		RCAPFS_CTL_KNOBS(RCAPFS_CTL_DEFAULT)                           \
	}

/* One line of the table. */
struct rcapfs_ctl_knob {
	const char *file;
	size_t offset; /* of its field in struct rcapfs_ctl */
	unsigned min;
	unsigned max;
	unsigned def;
	const char *const *words; /* NULL for a number */
};

#define RCAPFS_CTL_ONE(field, file, min, max, def, words) +1

/* How many knobs there are. */
#define RCAPFS_CTL_NKNOBS (0 RCAPFS_CTL_KNOBS(RCAPFS_CTL_ONE))

/* The table, in RCAPFS_CTL_KNOBS order (static storage). */
extern const struct rcapfs_ctl_knob rcapfs_ctl_knobs[RCAPFS_CTL_NKNOBS];

/* The knob whose file is name[0..len), or NULL. */
const struct rcapfs_ctl_knob *rcapfs_ctl_find(const char *name, size_t len);

/* The value of knob k in ctl, and setting it (unchecked). */
unsigned rcapfs_ctl_get(const struct rcapfs_ctl *ctl,
			const struct rcapfs_ctl_knob *k);
void rcapfs_ctl_set(struct rcapfs_ctl *ctl, const struct rcapfs_ctl_knob *k,
		    unsigned v);

/* Check every knob of ctl against its bounds: 0, -ERANGE (a number out of
 * range) or -EINVAL (a value no word stands for). */
int rcapfs_ctl_check(const struct rcapfs_ctl *ctl);

#endif
