#include "config.h"

#include "compat/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

static int log_syslog;
static enum rcapfs_log_level log_max = RCAPFS_LOG_INFO;

void rcapfs_log_setup(int use_syslog, enum rcapfs_log_level max_level)
{
	log_syslog = use_syslog;
	log_max = max_level;
	if (use_syslog)
		openlog("rcapfs", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void rcapfs_log(enum rcapfs_log_level level, const char *fmt, ...)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	static const char *const tag[] = {"error", "warning", "info", "debug"};
	char msg[1024];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(prio[level], "%s", msg);
		return;
	}
	/* One fprintf per line: stdio locks the stream, so lines never mix. */
	fprintf(stderr, "rcapfs: %s: %s\n", tag[level], msg);
}
