/*
 * rcapadm [-E | -D] [-n] [-i interval=value,...] [-c percent]
 *	   [-z name -m size] [--mount DIR]
 *
 * Solaris's rcapadm(8) over the mount's ctl/ files: without options it
 * prints the configuration as Solaris's does; -E/-D enable or disable
 * enforcement, -c the enforcement threshold, -i the intervals, -z/-m a
 * collection's cap. Exit 0 done, 1 error, 2 usage, as Solaris's. See
 * doc/rcapadm.8.
 */
#include "config.h"

#include "tools/mount.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: rcapadm\n"
		"               [-E|-D]                                "
		"# enable/disable rcapd\n"
		"               [-n]                                   "
		"# don't start/stop rcapd\n"
		"               [-i <scan|sample|report|config>=value] "
		"# set intervals\n"
		"               [-c <percent>]                         "
		"# set memory cap\n"
		"                                                      "
		"# enforcement threshold\n"
		"               [-z <zonename> -m <max-rss>]               "
		"# update zone memory cap\n"
		"               [--mount DIR]                          "
		"# the rcapfs mount\n");
	exit(2);
}

static void help(void)
{
	printf("usage: rcapadm [-E | -D] [-i scan|sample|report|config=SECONDS,"
	       "...]\n"
	       "               [-c PERCENT] [-z NAME -m SIZE] [--mount DIR]\n"
	       "The configuration of cap enforcement on an rcapfs mount, as "
	       "Solaris's rcapadm\nsets it; without options, print it.\n"
	       "  -E, -D       enforce caps, or stop (ctl/enforce)\n"
	       "  -c PERCENT   enforce only above this memory utilization, 0 "
	       "always (ctl/pressure)\n"
	       "  -i scan=S    refresh membership every S seconds "
	       "(ctl/scan_interval)\n"
	       "  -i sample=S  sample and enforce every S seconds "
	       "(ctl/sample_interval)\n"
	       "  -i report=S  a report line in the log every S seconds, 0 "
	       "none (ctl/report_interval)\n"
	       "  -i config=S  accepted and ignored: caps apply when written\n"
	       "  -z NAME -m SIZE  the cap of collection NAME (caps/NAME/cap)\n"
	       "  -n           refused: rcapfs has no configuration but the "
	       "running one\n"
	       "  --mount DIR  the mount (default $%s, else %s)\n"
	       "  -h, --help   this text\n",
	       TOOL_MOUNT_ENV, TOOL_MOUNT_DEFAULT);
	exit(0);
}

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* An error, in Solaris's words where it has some; exit 1. */
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rcapadm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A non-negative int as Solaris's rcapadm takes one, or -1 (said). */
static long number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX) {
		fprintf(stderr, "rcapadm: illegal argument -- %s\n", s);
		return -1;
	}
	return v;
}

/* A size as zonecfg takes one: digits, a fraction, one optional unit
 * K, M, G or T (any case). */
static int zone_size(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0)
		return -1;
	s += n;
	if (*s == '.') {
		n = strspn(++s, "0123456789");
		if (n == 0)
			return -1;
		s += n;
	}
	if (*s && strchr("kKmMgGtT", *s))
		s++;
	return *s ? -1 : 0;
}

/* The settings -i and -c write; -1 = left alone. */
struct settings {
	long scan, sample, report, config, pressure;
	int enforce;
};

static void parse_intervals(char *opt, struct settings *st)
{
	enum { SCAN, SAMPLE, REPORT, CONFIG };
	static char scan[] = "scan", sample[] = "sample", report[] = "report",
		    config[] = "config";
	char *const names[] = {scan, sample, report, config, NULL};
	char *value;

	while (*opt) {
		int i = getsubopt(&opt, names, &value);
		long v;

		if (i < 0 || !value)
			usage();
		v = number(value);
		/* scan and sample must be positive; report and config
		 * may be 0. */
		if (v < 0 || (v == 0 && (i == SCAN || i == SAMPLE)))
			usage();
		switch (i) {
		case SCAN:
			st->scan = v;
			break;
		case SAMPLE:
			st->sample = v;
			break;
		case REPORT:
			st->report = v;
			break;
		default:
			st->config = v;
		}
	}
}

/* The ctl/ files written so far, with what they held, so that a value
 * the daemon refuses leaves none of the others changed. */
struct written {
	const char *rel;
	char *old;
};

static struct written done[5]; /* pressure, three intervals, enforce */
static size_t ndone;

/* Put back what the files written so far held, last first. */
static void undo(const char *mount)
{
	while (ndone > 0) {
		struct written *w = &done[--ndone];
		int rc = tool_mount_write(mount, w->rel, w->old);

		if (rc)
			fprintf(stderr, "rcapadm: cannot put back %s: %s\n",
				w->rel, strerror(-rc));
		free(w->old);
	}
}

/* Write value to mount/rel, remembering what it held; on error put back
 * what was written before, say so and exit 1. */
static void set(const char *mount, const char *rel, const char *value)
{
	char *old;
	size_t len;
	int rc = tool_mount_read(mount, rel, 4096, &old, &len);

	if (rc == 0) {
		old[strcspn(old, "\n")] = '\0';
		rc = tool_mount_write(mount, rel, value);
		if (rc)
			free(old);
	}
	if (rc) {
		undo(mount);
		die("cannot set %s: %s", rel, strerror(-rc));
	}
	done[ndone++] = (struct written){rel, old};
}

static void set_number(const char *mount, const char *rel, long v)
{
	char buf[32];

	if (v < 0)
		return;
	snprintf(buf, sizeof(buf), "%ld", v);
	set(mount, rel, buf);
}

/* The value of mount/rel, its newline cut; exits 1 when it cannot be
 * read. The caller frees. */
static char *get(const char *mount, const char *rel)
{
	char *text;
	size_t len;
	int rc = tool_mount_read(mount, rel, 4096, &text, &len);

	if (rc)
		die("resource caps not configured (%s/%s: %s)", mount, rel,
		    strerror(-rc));
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static void show(const char *mount)
{
	char *enforce = get(mount, "ctl/enforce");
	char *pressure = get(mount, "ctl/pressure");
	char *scan = get(mount, "ctl/scan_interval");
	char *report = get(mount, "ctl/report_interval");
	char *sample = get(mount, "ctl/sample_interval");

	printf("                                      state: %s\n",
	       strcmp(enforce, "1") == 0 ? "enabled" : "disabled");
	printf("           memory cap enforcement threshold: %s%%\n", pressure);
	printf("                    process scan rate (sec): %s\n", scan);
	/* Caps apply when written: nothing to re-read periodically. */
	printf("                 reconfiguration rate (sec): 0\n");
	printf("                          report rate (sec): %s\n", report);
	printf("                    RSS sampling rate (sec): %s\n", sample);
	free(enforce);
	free(pressure);
	free(scan);
	free(report);
	free(sample);
}

/* -z NAME -m SIZE: the cap of a collection, Solaris's zone. */
static int set_cap(const char *mount, const char *name, const char *size)
{
	char rel[PATH_MAX];
	int rc;

	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strlen(name) > NAME_MAX)
		die("zone '%s' must be running", name);
	if (zone_size(size))
		die("invalid max-rss value");
	snprintf(rel, sizeof(rel), "caps/%s/cap", name);
	rc = tool_mount_write(mount, rel, size);
	if (rc == -ENOENT)
		die("zone '%s' must be running", name);
	if (rc)
		die("could not set memory cap for zone '%s': %s", name,
		    strerror(-rc));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"mount", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct settings st = {-1, -1, -1, -1, -1, -1};
	const char *mount_opt = NULL, *mount, *zone = NULL, *size = NULL;
	int c, modified = 0, no_restart = 0;

	while ((c = getopt_long(argc, argv, "DEc:i:m:nz:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'n':
			no_restart = 1;
			break;
		case 'c':
			st.pressure = number(optarg);
			if (st.pressure < 0 || st.pressure > 100)
				usage();
			modified++;
			break;
		case 'E':
		case 'D':
			st.enforce = c == 'E';
			modified++;
			break;
		case 'i':
			parse_intervals(optarg, &st);
			modified++;
			break;
		case 'm':
			size = optarg;
			break;
		case 'z':
			zone = optarg;
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
	/* -z and -m together, and with nothing else. */
	if (optind < argc || !zone != !size ||
	    (zone && (modified || no_restart)))
		usage();
	if (no_restart)
		die("-n: rcapfs has no configuration but the running one, "
		    "kept across restarts");
	mount = tool_mount_path(mount_opt);
	if (tool_mount_check(mount))
		die("resource caps not configured (no rcapfs at %s)", mount);
	if (zone)
		return set_cap(mount, zone, size);
	if (!modified) {
		show(mount);
		return 0;
	}
	set_number(mount, "ctl/pressure", st.pressure);
	set_number(mount, "ctl/scan_interval", st.scan);
	set_number(mount, "ctl/sample_interval", st.sample);
	set_number(mount, "ctl/report_interval", st.report);
	if (st.config >= 0)
		fprintf(stderr,
			"rcapadm: config=%ld ignored: caps apply when "
			"written\n",
			st.config);
	if (st.enforce >= 0)
		set(mount, "ctl/enforce", st.enforce ? "1" : "0");
	while (ndone > 0)
		free(done[--ndone].old);
	return 0;
}
