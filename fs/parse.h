/*
 * Parsers for values written to control files. Each takes the bytes of one
 * write (not NUL-terminated), accepts one trailing newline, and returns 0,
 * -EINVAL (malformed) or -ERANGE (well-formed but out of range). *out is
 * only written on success.
 */
#ifndef RCAPFS_FS_PARSE_H
#define RCAPFS_FS_PARSE_H

#include "rcapfs/stats.h"
#include "scanner/scanner.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* cap: decimal, fractions allowed, optional unit K M G T P E (powers of
 * 1024, any case, optional trailing "B" or "iB"), or max/none/0 for
 * uncapped (0). Rounded up to a whole KiB. A fraction needs digits on both
 * sides of the point ("0.5", not ".5" or "1."); a bare "B" means bytes; no
 * sign, space, hex or exponent. The value is exact (1.5K = 1536, 0.1K
 * rounds up to 1024); -ERANGE when the rounded bytes exceed uint64_t. */
int rcapfs_parse_cap(const char *s, size_t len, uint64_t *out_bytes);

/* An unsigned decimal integer in [min, max]. */
int rcapfs_parse_uint(const char *s, size_t len, unsigned min, unsigned max,
		      unsigned *out);

/* The value of a ctl knob as its file takes it: a decimal number in
 * [min, max] (as rcapfs_parse_uint), or one of its words exactly. */
int rcapfs_parse_knob(const struct rcapfs_ctl_knob *k, const char *s,
		      size_t len, unsigned *out);

/* Names of the enum values as files show them ("unknown" for others). */
const char *rcapfs_accounting_name(enum rcapfs_accounting acct);
const char *rcapfs_fidelity_name(enum rcapfs_fidelity fid);

#endif
