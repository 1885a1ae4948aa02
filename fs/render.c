#include "config.h"

#include "fs/render.h"

#include "fs/parse.h"

#include <errno.h>
#include <inttypes.h>

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

int rcapfs_render_status(const struct rcapfs_status *st, const char *version,
			 struct rcapfs_buf *out)
{
	const struct rcapfs_features *f = &st->features;

	return rcapfs_buf_printf(
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
		"version %s\n"
		"rlimit_processes %" PRIu64 "\n"
		"rlimit_pg %" PRIu64 "\n",
		st->memory_utilization_pct, st->mem.mem_total,
		st->mem.mem_available, st->mem.swap_total, st->mem.swap_free,
		st->collections, rcapfs_fidelity_name(st->fidelity),
		st->enforcement ? "supported" : "unsupported",
		f->process_madvise, f->pagemap_scan, f->idle_page_tracking,
		f->soft_dirty, f->pfn_visible, f->cgroup_v2, st->uptime_s,
		version, st->rlimit_processes, st->rlimit_pg_bytes);
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
