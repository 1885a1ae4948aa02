#include "config.h"

#include "tools/report.h"

#include "tools/project.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* One collection between two reads: the figures Solaris's rcapstat keeps
 * (in KiB, as it counts), and the last read's stats. */
struct col {
	char name[TOOL_NAME_MAX];
	int64_t id;
	struct tool_stats st;
	uint64_t at_kb, at_avg_kb, pg_kb, pg_avg_kb;
	uint64_t at_old_kb, pg_old_kb, scans_old, majflt_old;
	uint64_t majflt; /* of the interval */
};

struct tool_report {
	unsigned flags;
	struct col *cols;
	size_t n;
	unsigned count; /* reports since the header was last printed */
};

int tool_report_new(unsigned flags, struct tool_report **out)
{
	struct tool_report *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->flags = flags;
	*out = r;
	return 0;
}

void tool_report_free(struct tool_report *r)
{
	if (!r)
		return;
	free(r->cols);
	free(r);
}

static const struct col *find(const struct tool_report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->cols[i].name, name) == 0)
			return &r->cols[i];
	return NULL;
}

/* The interval's figure from a total and its last value, and its average
 * per complete scan, as Solaris's rcapstat computes them: the delta when
 * the total grew, its average when scans completed meanwhile (the last
 * average when none did), else 0 and 0. */
static void interval(uint64_t total, uint64_t old, uint64_t scans,
		     uint64_t scans_old, uint64_t avg_old, uint64_t *delta,
		     uint64_t *avg)
{
	*delta = 0;
	*avg = 0;
	if (total <= old)
		return;
	*delta = total - old;
	*avg = scans > scans_old ? *delta / (scans - scans_old) : avg_old;
}

int tool_report_update(struct tool_report *r, const struct tool_sample *s,
		       size_t n)
{
	struct col *cols = calloc(n ? n : 1, sizeof(*cols));

	if (!cols)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct col *old = find(r, s[i].name);
		struct col *c = &cols[i];
		uint64_t at_kb = s[i].st.at_bytes / 1024,
			 pg_kb = s[i].st.pg_bytes / 1024;

		memcpy(c->name, s[i].name, sizeof(c->name));
		c->id = s[i].id;
		c->st = s[i].st;
		if (!old) {
			/* First seen: the totals, averages of 0. */
			c->at_kb = at_kb;
			c->pg_kb = pg_kb;
			c->majflt = s[i].st.majflt;
		} else {
			interval(at_kb, old->at_old_kb, s[i].st.scans_complete,
				 old->scans_old, old->at_avg_kb, &c->at_kb,
				 &c->at_avg_kb);
			interval(pg_kb, old->pg_old_kb, s[i].st.scans_complete,
				 old->scans_old, old->pg_avg_kb, &c->pg_kb,
				 &c->pg_avg_kb);
			c->majflt = s[i].st.majflt > old->majflt_old
					    ? s[i].st.majflt - old->majflt_old
					    : 0;
		}
		c->at_old_kb = at_kb;
		c->pg_old_kb = pg_kb;
		c->scans_old = s[i].st.scans_complete;
		c->majflt_old = s[i].st.majflt;
	}
	free(r->cols);
	r->cols = cols;
	r->n = n;
	return 0;
}

void tool_report_size(uint64_t kib, char out[6])
{
	char unit = 'K', all[32];

	if (kib >= 10000) {
		kib = (kib + 512) / 1024;
		unit = 'M';
		if (kib >= 10000) {
			kib = (kib + 512) / 1024;
			unit = 'G';
		}
	}
	/* Solaris prints into 6 bytes: a larger figure loses its end. */
	snprintf(all, sizeof(all), "%4" PRIu64 "%c", kib, unit);
	memcpy(out, all, 5);
	out[5] = '\0';
}

static void print_header(const struct tool_report *r, FILE *out)
{
	fprintf(out, "%6s %-15s %5s %5s %5s %5s %5s %5s %5s %5s", "id",
		(r->flags & TOOL_REPORT_ZONES) ? "zone" : "project", "nproc",
		"vm", "rss", "cap", "at", "avgat", "pg", "avgpg");
	if (r->flags & TOOL_REPORT_EXTENDED)
		fprintf(out, " %6s %6s %6s %6s %s", "majflt", "upanon",
			"upshar", "uplock", "fidelity");
	fputc('\n', out);
}

static void print_col(const struct tool_report *r, const struct col *c,
		      FILE *out)
{
	char nproc[21], vm[6], rss[6], cap[6], at[6], avgat[6], pg[6], avgpg[6];

	if (c->at_kb == 0)
		snprintf(nproc, sizeof(nproc), "-");
	else
		snprintf(nproc, sizeof(nproc), "%" PRIu64, c->st.nproc);
	tool_report_size(c->st.vm_bytes / 1024, vm);
	tool_report_size(c->st.rss_bytes / 1024, rss);
	tool_report_size(c->st.cap_bytes / 1024, cap);
	tool_report_size(c->at_kb, at);
	tool_report_size(c->at_avg_kb, avgat);
	tool_report_size(c->pg_kb, pg);
	tool_report_size(c->pg_avg_kb, avgpg);
	fprintf(out, "%6" PRId64 " %-15s %5s %5s %5s %5s %5s %5s %5s %5s",
		c->id, c->name, nproc, vm, rss, cap, at, avgat, pg, avgpg);
	if (r->flags & TOOL_REPORT_EXTENDED) {
		char majflt[21], anon[6], shared[6], locked[6];

		if (c->st.have & TOOL_STATS_MAJFLT)
			snprintf(majflt, sizeof(majflt), "%" PRIu64, c->majflt);
		else
			snprintf(majflt, sizeof(majflt), "-");
		tool_report_size(c->st.unpageable_anon_bytes / 1024, anon);
		tool_report_size(c->st.unpageable_shared_bytes / 1024, shared);
		tool_report_size(c->st.unpageable_locked_bytes / 1024, locked);
		fprintf(out, " %6s %6s %6s %6s %s", majflt, anon, shared,
			locked,
			(c->st.have & TOOL_STATS_FIDELITY) ? c->st.fidelity
							   : "-");
	}
	fputc('\n', out);
}

void tool_report_print(struct tool_report *r, const struct tool_global *g,
		       FILE *out)
{
	const bool global = r->flags & TOOL_REPORT_GLOBAL;

	/* As Solaris: a header every report unless there is one collection,
	 * then once every 20 reports (10 with -g). */
	if (r->count == 0 || r->n != 1)
		print_header(r, out);
	r->count++;
	if (r->count >= 20 || (global && r->count >= 10) || r->n != 1)
		r->count = 0;
	for (size_t i = 0; i < r->n; i++)
		print_col(r, &r->cols[i], out);
	if (global)
		fprintf(out,
			"physical memory utilization: %3" PRIu64
			"%%   cap enforcement threshold: %3" PRIu64 "%%\n",
			g->memory_utilization_pct, g->pressure_pct);
}

/* s as a JSON string. */
static void json_string(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

void tool_report_json(const struct tool_report *r, const struct tool_global *g,
		      time_t t, FILE *out)
{
	fprintf(out,
		"{\"time\":%lld,\"memory_utilization_pct\":%" PRIu64
		",\"pressure\":%" PRIu64 ",\"collections\":[",
		(long long)t, g->memory_utilization_pct, g->pressure_pct);
	for (size_t i = 0; i < r->n; i++) {
		const struct col *c = &r->cols[i];

		fprintf(out, "%s{\"id\":%" PRId64 ",\"name\":", i ? "," : "",
			c->id);
		json_string(c->name, out);
		fprintf(out,
			",\"nproc\":%" PRIu64 ",\"vm\":%" PRIu64
			",\"rss\":%" PRIu64 ",\"cap\":%" PRIu64
			",\"at\":%" PRIu64 ",\"avgat\":%" PRIu64
			",\"pg\":%" PRIu64 ",\"avgpg\":%" PRIu64,
			c->st.nproc, c->st.vm_bytes, c->st.rss_bytes,
			c->st.cap_bytes, c->at_kb * 1024, c->at_avg_kb * 1024,
			c->pg_kb * 1024, c->pg_avg_kb * 1024);
		if (c->st.have & TOOL_STATS_MAJFLT)
			fprintf(out, ",\"majflt\":%" PRIu64, c->majflt);
		else
			fprintf(out, ",\"majflt\":null");
		fprintf(out,
			",\"unpageable_anon\":%" PRIu64
			",\"unpageable_shared\":%" PRIu64
			",\"unpageable_locked\":%" PRIu64 ",\"fidelity\":",
			c->st.unpageable_anon_bytes,
			c->st.unpageable_shared_bytes,
			c->st.unpageable_locked_bytes);
		if (c->st.have & TOOL_STATS_FIDELITY)
			json_string(c->st.fidelity, out);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs("]}\n", out);
}

int64_t tool_report_id(const char *name, const char *members, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	int64_t projid;

	if (members && tool_project_marked(members, len, &projid))
		return projid;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return (int64_t)(h % 1000000);
}
