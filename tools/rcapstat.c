/*
 * rcapstat [-g] [-p | -z] [-T u | d] [-x] [-o json] [--mount DIR]
 *	    [interval [count]]
 *
 * Solaris's rcapstat(1) over the mount: every interval seconds (5), count
 * times (for ever), a line per collection with what rcapd's statistics
 * said, read from caps/NAME/stats; at and pg are those of the interval,
 * from two reads. See doc/rcapstat.1.
 */
#include "config.h"

#include "tools/kv.h"
#include "tools/mount.h"
#include "tools/report.h"
#include "tools/sample.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(void)
{
	fprintf(stderr, "usage: rcapstat [-g] [-p | -z] [-T u | d] [-x] "
			"[-o json] [--mount DIR] [interval [count]]\n");
	exit(2);
}

static void help(void)
{
	printf("usage: rcapstat [-g] [-p | -z] [-T u | d] [-x] [-o json] "
	       "[--mount DIR] [interval [count]]\n"
	       "Caps and paging of each collection of an rcapfs mount, every "
	       "interval\nseconds (5), count times (for ever), as Solaris's "
	       "rcapstat prints them.\n"
	       "  -g           the memory utilization and the cap enforcement "
	       "threshold too\n"
	       "  -p, -z       head the names project (the default) or zone\n"
	       "  -T u | d     a time stamp before each report: seconds since "
	       "the epoch, or date(1)'s\n"
	       "  -x           more columns: majflt, memory that cannot be "
	       "paged out, fidelity\n"
	       "  -o json      one JSON object per interval instead\n"
	       "  --mount DIR  the mount (default $%s, else %s)\n"
	       "  -h, --help   this text\n",
	       TOOL_MOUNT_ENV, TOOL_MOUNT_DEFAULT);
	exit(0);
}

/* A positive int as Solaris's rcapstat takes it; dies with its words. */
static int positive(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX) {
		fprintf(stderr, "rcapstat: illegal argument -- %s\n", s);
		v = -1;
	}
	if (v <= 0) {
		fprintf(stderr, "rcapstat: invalid %s specified\n", what);
		exit(1);
	}
	return (int)v;
}

static void stamp(char how, time_t t)
{
	char buf[128];

	if (how == 'u') {
		printf("%lld\n", (long long)t);
		return;
	}
	/* date(1)'s format is the locale's. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(buf, sizeof(buf), nl_langinfo(_DATE_FMT), localtime(&t)))
		printf("%s\n", buf);
#pragma GCC diagnostic pop
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"mount", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *mount_opt = NULL, *mount;
	struct tool_report *report = NULL;
	unsigned flags = 0;
	int interval = 5, count = -1, c, projects = 0, zones = 0, json = 0;
	char timestamps = 0;
	int rc = 0;

	setlocale(LC_ALL, "");
	while ((c = getopt_long(argc, argv, "gpzT:xo:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'g':
			flags |= TOOL_REPORT_GLOBAL;
			break;
		case 'p':
			projects = 1;
			break;
		case 'z':
			zones = 1;
			flags |= TOOL_REPORT_ZONES;
			break;
		case 'T':
			if (strcmp(optarg, "u") && strcmp(optarg, "d"))
				usage();
			timestamps = optarg[0];
			break;
		case 'x':
			flags |= TOOL_REPORT_EXTENDED;
			break;
		case 'o':
			if (strcmp(optarg, "json"))
				usage();
			json = 1;
			break;
		case 'M':
			mount_opt = optarg;
			break;
		case 'h':
			help();
			break;
		default:
			usage();
		}
	}
	if (optind < argc)
		interval = positive(argv[optind++], "interval");
	if (optind < argc)
		count = positive(argv[optind++], "count");
	if (optind < argc || (projects && zones))
		usage();
	mount = tool_mount_path(mount_opt);
	if (tool_report_new(flags, &report)) {
		fprintf(stderr, "rcapstat: out of memory\n");
		return 1;
	}
	while (count < 0 || count-- > 0) {
		struct tool_sample *s;
		struct tool_global g;
		struct timespec ts = {interval, 0};
		size_t n;
		time_t now = time(NULL);

		rc = tool_sample_read(mount, stderr, &s, &n, &g);
		if (rc)
			fprintf(stderr,
				"rcapstat: rcapd is not active (%s: %s)\n",
				mount, strerror(-rc));
		if (rc == 0 && tool_report_update(report, s, n)) {
			fprintf(stderr, "rcapstat: out of memory\n");
			rc = -ENOMEM;
		}
		free(s);
		if (rc) {
			rc = 1;
			break;
		}
		if (json) {
			tool_report_json(report, &g, now, stdout);
		} else {
			if (timestamps)
				stamp(timestamps, now);
			tool_report_print(report, &g, stdout);
		}
		fflush(stdout);
		if (count != 0)
			while (nanosleep(&ts, &ts) && errno == EINTR)
				;
	}
	tool_report_free(report);
	return rc;
}
