#include "config.h"

#include "fs/render.h"

#include "fs/parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* One printf per file: rcapfs_buf_printf appends all of it or nothing. */
int rcapfs_render_stats(const struct rcapfs_stats *st, struct rcapfs_buf *out)
{
	return rcapfs_buf_printf(
		out,
		"nproc %" PRIu64 "\n"
		"rss %" PRIu64 "\n"
		"vm %" PRIu64 "\n"
		"cap %" PRIu64 "\n"
		"excess %" PRIu64 "\n"
		"samples %" PRIu64 "\n"
		"at %" PRIu64 "\n"
		"pg %" PRIu64 "\n"
		"scans %" PRIu64 "\n"
		"scans_complete %" PRIu64 "\n"
		"scans_ineffective %" PRIu64 "\n"
		"unenforced %" PRIu64 "\n"
		"scan_time_ns %" PRIu64 "\n"
		"rss_min %" PRIu64 "\n"
		"rss_max %" PRIu64 "\n"
		"last_sample_unix %" PRId64 "\n"
		"accounting %s\n"
		"fidelity %s\n"
		"unpageable_anon %" PRIu64 "\n"
		"unpageable_locked %" PRIu64 "\n"
		"unpageable_shared %" PRIu64 "\n"
		"majflt %" PRIu64 "\n"
		"swapouts %" PRIu64 "\n"
		"swapout_bytes %" PRIu64 "\n",
		st->nproc, st->rss_bytes, st->vm_bytes, st->cap_bytes,
		st->excess_bytes, st->samples, st->at_bytes, st->pg_bytes,
		st->scans, st->scans_complete, st->scans_ineffective,
		st->unenforced, st->scan_time_ns, st->rss_min_bytes,
		st->rss_max_bytes, st->last_sample_unix,
		rcapfs_accounting_name((enum rcapfs_accounting)st->accounting),
		rcapfs_fidelity_name((enum rcapfs_fidelity)st->fidelity),
		st->unpageable_anon_bytes, st->unpageable_locked_bytes,
		st->unpageable_shared_bytes, st->majflt, st->swapouts,
		st->swapout_bytes);
}

int rcapfs_render_serving(const struct rcapfs_serving *sv,
			  struct rcapfs_buf *out)
{
	return rcapfs_buf_printf(out,
				 "pid %ld\n"
				 "keeper_pid %ld\n"
				 "server_restarts %" PRIu64 "\n"
				 "resend %d\n",
				 (long)sv->pid, (long)sv->keeper_pid,
				 sv->server_restarts, sv->resend);
}

int rcapfs_render_status(const struct rcapfs_status *st,
			 const struct rcapfs_serving *sv, const char *version,
			 struct rcapfs_buf *out)
{
	const struct rcapfs_features *f = &st->features;
	size_t len = out->len;
	int rc;

	rc = rcapfs_buf_printf(
		out,
		"memory_utilization_pct %u\n"
		"mem_total %" PRIu64 "\n"
		"mem_available %" PRIu64 "\n"
		"swap_total %" PRIu64 "\n"
		"swap_free %" PRIu64 "\n"
		"collections %" PRIu64 "\n"
		"fidelity %s\n"
		"enforcement %s\n"
		"process_madvise %d\n"
		"pagemap_scan %d\n"
		"idle_page_tracking %d\n"
		"soft_dirty %d\n"
		"pfn_visible %d\n"
		"cgroup_v2 %d\n"
		"uptime_s %" PRIu64 "\n"
		"version %s\n",
		st->memory_utilization_pct, st->mem.mem_total,
		st->mem.mem_available, st->mem.swap_total, st->mem.swap_free,
		st->collections, rcapfs_fidelity_name(st->fidelity),
		st->enforcement ? "supported" : "unsupported",
		f->process_madvise, f->pagemap_scan, f->idle_page_tracking,
		f->soft_dirty, f->pfn_visible, f->cgroup_v2, st->uptime_s,
		version);
	if (rc == 0)
		rc = rcapfs_render_serving(sv, out);
	if (rc == 0)
		rc = rcapfs_buf_printf(out,
				       "rlimit_processes %" PRIu64 "\n"
				       "rlimit_pg %" PRIu64 "\n",
				       st->rlimit_processes,
				       st->rlimit_pg_bytes);
	if (rc && out->data) {
		/* Leave out as it was: no half file. */
		out->len = len;
		out->data[len] = '\0';
	}
	return rc;
}

int rcapfs_render_pids(const pid_t *pids, size_t n, struct rcapfs_buf *out)
{
	size_t len = out->len, i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = rcapfs_buf_printf(out, "%ld\n", (long)pids[i]);
		if (rc) {
			/* Leave out as it was: no half list. */
			out->len = len;
			out->data[len] = '\0';
			return rc;
		}
	}
	return 0;
}

int rcapfs_render_u64(uint64_t v, struct rcapfs_buf *out)
{
	return rcapfs_buf_printf(out, "%" PRIu64 "\n", v);
}

int rcapfs_render_knob(const struct rcapfs_ctl_knob *k, unsigned v,
		       struct rcapfs_buf *out)
{
	if (!k->words)
		return rcapfs_buf_printf(out, "%u\n", v);
	if (v < k->min || v > k->max)
		return -EINVAL;
	return rcapfs_buf_printf(out, "%s\n", k->words[v]);
}

/* rcapfs.prom. Each sample line is put together in place, without printf:
 * 1000 collections make about 20000 samples, and the file must cost no
 * more than their stats files do (make bench). */

/* Per collection: one family for each stats field, in rcapfs(8)'s order.
 * Counters end in _total; ns are shown in seconds, as the format wants. */
enum prom_value { PROM_U64, PROM_NS, PROM_I64 };

struct prom_family {
	const char *name;
	const char *type;
	const char *help;
	size_t off; /* in struct rcapfs_stats */
	enum prom_value value;
};

#define STAT(field) offsetof(struct rcapfs_stats, field)

static const struct prom_family prom_families[] = {
	{"rcapfs_processes", "gauge",
	 "Member processes at the last sample (stats nproc).", STAT(nproc),
	 PROM_U64},
	{"rcapfs_rss_bytes", "gauge",
	 "Resident memory at the last sample, as ctl/accounting counts it.",
	 STAT(rss_bytes), PROM_U64},
	{"rcapfs_vm_bytes", "gauge", "Virtual memory at the last sample.",
	 STAT(vm_bytes), PROM_U64},
	{"rcapfs_cap_bytes", "gauge", "The cap, 0 for none.", STAT(cap_bytes),
	 PROM_U64},
	{"rcapfs_excess_bytes", "gauge", "rss over the cap, 0 when under it.",
	 STAT(excess_bytes), PROM_U64},
	{"rcapfs_samples_total", "counter", "Samples taken.", STAT(samples),
	 PROM_U64},
	{"rcapfs_pageout_attempted_bytes_total", "counter",
	 "Bytes the scanner advised out (stats at).", STAT(at_bytes), PROM_U64},
	{"rcapfs_paged_out_bytes_total", "counter",
	 "Fall of the victims' rss after pageout (stats pg).", STAT(pg_bytes),
	 PROM_U64},
	{"rcapfs_scans_total", "counter", "Scans started.", STAT(scans),
	 PROM_U64},
	{"rcapfs_scans_complete_total", "counter",
	 "Scans that went over every member.", STAT(scans_complete), PROM_U64},
	{"rcapfs_scans_ineffective_total", "counter",
	 "Complete scans that freed nothing.", STAT(scans_ineffective),
	 PROM_U64},
	{"rcapfs_unenforced_samples_total", "counter",
	 "Samples over the cap that were not enforced.", STAT(unenforced),
	 PROM_U64},
	{"rcapfs_scan_seconds_total", "counter", "Time spent scanning.",
	 STAT(scan_time_ns), PROM_NS},
	{"rcapfs_rss_min_bytes", "gauge", "Lowest rss sampled.",
	 STAT(rss_min_bytes), PROM_U64},
	{"rcapfs_rss_max_bytes", "gauge", "Highest rss sampled.",
	 STAT(rss_max_bytes), PROM_U64},
	{"rcapfs_last_sample_timestamp_seconds", "gauge",
	 "Unix time of the last sample, 0 before the first.",
	 STAT(last_sample_unix), PROM_I64},
	{"rcapfs_unpageable_anon_bytes", "gauge",
	 "Anonymous memory the last scan could not page out: no swap.",
	 STAT(unpageable_anon_bytes), PROM_U64},
	{"rcapfs_unpageable_locked_bytes", "gauge",
	 "Locked, hugetlb or special memory the last scan skipped.",
	 STAT(unpageable_locked_bytes), PROM_U64},
	{"rcapfs_unpageable_shared_bytes", "gauge",
	 "Memory the last scan skipped as other processes map it too.",
	 STAT(unpageable_shared_bytes), PROM_U64},
	{"rcapfs_major_faults_total", "counter",
	 "Major faults of the members since each joined, past members too.",
	 STAT(majflt), PROM_U64},
	{"rcapfs_swapouts_total", "counter",
	 "Members paged out whole for staying idle past swap_idle.",
	 STAT(swapouts), PROM_U64},
	{"rcapfs_swapout_bytes_total", "counter",
	 "Fall of rss observed in members paged out whole.",
	 STAT(swapout_bytes), PROM_U64},
};

static int add_str(struct rcapfs_buf *out, const char *s)
{
	return rcapfs_buf_add(out, s, strlen(s));
}

/* v in decimal at p; returns the end. p has room for 20 digits. */
static char *put_u64(char *p, uint64_t v)
{
	char digits[20], *d = digits + sizeof(digits);
	size_t len;

	do {
		*--d = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	len = (size_t)(digits + sizeof(digits) - d);
	memcpy(p, d, len);
	return p + len;
}

/* The value of fam in st at p; returns the end. p has room for 32. */
static char *put_value(char *p, const struct rcapfs_stats *st,
		       const struct prom_family *fam)
{
	const char *field = (const char *)st + fam->off;
	uint64_t u;
	int64_t i;

	switch (fam->value) {
	case PROM_NS:
		memcpy(&u, field, sizeof(u));
		p = put_u64(p, u / 1000000000);
		*p++ = '.';
		/* Nine digits: the leading 1 of 10^9 + rest is dropped. */
		put_u64(p - 1, 1000000000 + u % 1000000000);
		p[-1] = '.';
		return p + 9;
	case PROM_I64:
		memcpy(&i, field, sizeof(i));
		if (i < 0) {
			*p++ = '-';
			return put_u64(p, (uint64_t)0 - (uint64_t)i);
		}
		return put_u64(p, (uint64_t)i);
	default:
		memcpy(&u, field, sizeof(u));
		return put_u64(p, u);
	}
}

/* value escaped as a label value at p; returns the end. p has room for
 * twice strlen(value). */
static char *put_label(char *p, const char *value)
{
	for (; *value; value++) {
		switch (*value) {
		case '\\':
		case '"':
			*p++ = '\\';
			*p++ = *value;
			break;
		case '\n':
			*p++ = '\\';
			*p++ = 'n';
			break;
		default:
			*p++ = *value;
		}
	}
	return p;
}

int rcapfs_render_prom_label(const char *value, struct rcapfs_buf *out)
{
	size_t len = strlen(value);
	int rc = rcapfs_buf_reserve(out, 2 * len);

	if (rc == 0 && len) {
		out->len = (size_t)(put_label(out->data + out->len, value) -
				    out->data);
		out->data[out->len] = '\0';
	}
	return rc;
}

static int prom_head(struct rcapfs_buf *out, const char *name, const char *type,
		     const char *help)
{
	return rcapfs_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name,
				 help, name, type);
}

/* A family without labels and its one sample, v already formatted. */
static int prom_global(struct rcapfs_buf *out, const char *name,
		       const char *help, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int prom_global(struct rcapfs_buf *out, const char *name,
		       const char *help, const char *fmt, ...)
{
	va_list ap;
	int rc;

	rc = prom_head(out, name, "gauge", help);
	if (rc == 0)
		rc = rcapfs_buf_printf(out, "%s ", name);
	if (rc == 0) {
		va_start(ap, fmt);
		rc = rcapfs_buf_vprintf(out, fmt, ap);
		va_end(ap);
	}
	return rc ? rc : add_str(out, "\n");
}

static int prom_status(const struct rcapfs_status *st,
		       const struct rcapfs_serving *sv, const char *version,
		       struct rcapfs_buf *out)
{
	const struct rcapfs_features *f = &st->features;
	const struct {
		const char *name;
		bool on;
	} features[] = {
		{"process_madvise", f->process_madvise},
		{"pagemap_scan", f->pagemap_scan},
		{"idle_page_tracking", f->idle_page_tracking},
		{"soft_dirty", f->soft_dirty},
		{"pfn_visible", f->pfn_visible},
		{"cgroup_v2", f->cgroup_v2},
		{"fuse_resend", sv->resend},
	};
	int rc;

	rc = prom_head(out, "rcapfs_info", "gauge",
		       "Always 1: the version and the fidelity of "
		       "referenced bits (page, mapping, none).");
	if (rc == 0)
		rc = add_str(out, "rcapfs_info{version=\"");
	if (rc == 0)
		rc = rcapfs_render_prom_label(version, out);
	if (rc == 0)
		rc = rcapfs_buf_printf(out, "\",fidelity=\"%s\"} 1\n",
				       rcapfs_fidelity_name(st->fidelity));
	if (rc == 0)
		rc = prom_head(out, "rcapfs_kernel_feature", "gauge",
			       "1 when the kernel has the feature.");
	for (size_t i = 0; rc == 0 && i < sizeof(features) / sizeof(*features);
	     i++)
		rc = rcapfs_buf_printf(out,
				       "rcapfs_kernel_feature{feature=\"%s\"} "
				       "%d\n",
				       features[i].name, features[i].on);
	if (rc == 0)
		rc = prom_global(out, "rcapfs_enforcement_supported",
				 "1 when this host can page out, so caps are "
				 "enforced.",
				 "%d", st->enforcement);
	if (rc == 0)
		rc = prom_global(out, "rcapfs_memory_utilization_ratio",
				 "Used memory, 1 - MemAvailable / MemTotal.",
				 "%u.%02u", st->memory_utilization_pct / 100,
				 st->memory_utilization_pct % 100);
	if (rc == 0)
		rc = prom_global(out, "rcapfs_memory_total_bytes", "MemTotal.",
				 "%" PRIu64, st->mem.mem_total);
	if (rc == 0)
		rc = prom_global(out, "rcapfs_memory_available_bytes",
				 "MemAvailable.", "%" PRIu64,
				 st->mem.mem_available);
	if (rc == 0)
		rc = prom_global(out, "rcapfs_swap_total_bytes", "SwapTotal.",
				 "%" PRIu64, st->mem.swap_total);
	if (rc == 0)
		rc = prom_global(out, "rcapfs_swap_free_bytes", "SwapFree.",
				 "%" PRIu64, st->mem.swap_free);
	if (rc == 0)
		rc = prom_global(out, "rcapfs_collections", "Collections.",
				 "%" PRIu64, st->collections);
	if (rc == 0)
		rc = prom_global(out, "rcapfs_uptime_seconds",
				 "Time since the daemon started.", "%" PRIu64,
				 st->uptime_s);
	if (rc == 0)
		rc = prom_head(out, "rcapfs_server_restarts_total", "counter",
			       "Servers the keeper started after the first "
			       "(crashes and upgrades).");
	if (rc == 0)
		rc = rcapfs_buf_printf(
			out, "rcapfs_server_restarts_total %" PRIu64 "\n",
			sv->server_restarts);
	return rc;
}

int rcapfs_render_prom(const struct rcapfs_status *status,
		       const struct rcapfs_serving *sv, const char *version,
		       const struct rcapfs_named_stats *colls, size_t n,
		       struct rcapfs_buf *out)
{
	const size_t nfam = sizeof(prom_families) / sizeof(*prom_families);
	size_t len = out->len;
	int rc;

	/* About 80 bytes a sample: one allocation for the whole file. */
	rc = rcapfs_buf_reserve(out, 4096 + n * nfam * 80);
	if (rc == 0)
		rc = prom_status(status, sv, version, out);
	for (size_t f = 0; rc == 0 && f < nfam; f++) {
		const struct prom_family *fam = &prom_families[f];
		size_t namelen = strlen(fam->name);

		rc = prom_head(out, fam->name, fam->type, fam->help);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			/* name{collection="NAME"} value: the longest name
			 * escaped whole is 62 bytes. */
			char line[256], *p = line;

			memcpy(p, fam->name, namelen);
			p += namelen;
			memcpy(p, "{collection=\"", 13);
			p = put_label(p + 13, colls[i].name);
			memcpy(p, "\"} ", 3);
			p = put_value(p + 3, &colls[i].st, fam);
			*p++ = '\n';
			rc = rcapfs_buf_add(out, line, (size_t)(p - line));
		}
	}
	if (rc && out->data) {
		/* Leave out as it was: no half file. */
		out->len = len;
		out->data[len] = '\0';
	}
	return rc;
}
