/*
 * Fuzz the tools' parser of the mount's "key value" files
 * (tools/kv.c), as caps/NAME/stats and as ctl/status. Each verdict is
 * checked against a plain reading of the format: a line-by-line oracle
 * that splits at the first space and knows which keys are numbers; the
 * errno is one of EINVAL and ERANGE; on error nothing is claimed (have
 * 0); on success every figure read prints back to a line that parses to
 * itself.
 */
#include "config.h"

#include "tests/fuzz/fuzz.h"

#include "tools/kv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

/* The oracle: whether every line of text is "key value" with a key of
 * [a-z0-9_], no control byte, at most TOOL_KV_LINE_MAX bytes, and a
 * newline at the end of each. Duplicates and values are not its to say. */
static bool well_formed(const char *text, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		size_t sp;

		if (ch != '\n') {
			if (ch < 0x20 || ch == 0x7f)
				return false;
			continue;
		}
		if (i - start > TOOL_KV_LINE_MAX)
			return false;
		for (sp = start; sp < i && text[sp] != ' '; sp++)
			if (!((text[sp] >= 'a' && text[sp] <= 'z') ||
			      (text[sp] >= '0' && text[sp] <= '9') ||
			      text[sp] == '_'))
				return false;
		if (sp == start || sp == i)
			return false;
		start = i + 1;
	}
	return start == len;
}

/* The figures read, printed as the daemon prints them, read back the
 * same. */
static void check_back(const struct tool_stats *st)
{
	struct tool_stats back;
	char text[512];

	snprintf(text, sizeof(text),
		 "nproc %" PRIu64 "\nrss %" PRIu64 "\nvm %" PRIu64
		 "\ncap %" PRIu64 "\nat %" PRIu64 "\npg %" PRIu64
		 "\nscans_complete %" PRIu64 "\n",
		 st->nproc, st->rss_bytes, st->vm_bytes, st->cap_bytes,
		 st->at_bytes, st->pg_bytes, st->scans_complete);
	FUZZ_CHECK(tool_stats_parse(text, strlen(text), &back) == 0,
		   "the figures do not parse back");
	FUZZ_CHECK(back.nproc == st->nproc && back.rss_bytes == st->rss_bytes &&
			   back.vm_bytes == st->vm_bytes &&
			   back.cap_bytes == st->cap_bytes &&
			   back.at_bytes == st->at_bytes &&
			   back.pg_bytes == st->pg_bytes &&
			   back.scans_complete == st->scans_complete,
		   "the figures read back otherwise");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct tool_status status;
	struct tool_stats st;
	int rc;

	rc = tool_stats_parse(text, size, &st);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE, "stats rc %d",
		   rc);
	FUZZ_CHECK(rc == 0 || st.have == 0, "stats error %d claims keys", rc);
	FUZZ_CHECK(rc != 0 || well_formed(text, size),
		   "stats taken, not well formed");
	if (rc == 0) {
		FUZZ_CHECK((st.have & TOOL_STATS_NEEDED) == TOOL_STATS_NEEDED,
			   "stats taken without its keys");
		FUZZ_CHECK(!(st.have & TOOL_STATS_FIDELITY) ||
				   strlen(st.fidelity) < TOOL_KV_WORD_MAX,
			   "fidelity not terminated");
		check_back(&st);
	}
	rc = tool_status_parse(text, size, &status);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE, "status rc %d",
		   rc);
	FUZZ_CHECK(rc == 0 || status.have == 0, "status error claims keys");
	FUZZ_CHECK(rc != 0 || (well_formed(text, size) &&
			       status.memory_utilization_pct <= 100),
		   "status taken, not well formed");
	return 0;
}
