/* Daemon log: stderr in the foreground, syslog when detached. */
#ifndef RCAPFS_COMPAT_LOG_H
#define RCAPFS_COMPAT_LOG_H

enum rcapfs_log_level {
	RCAPFS_LOG_ERR,
	RCAPFS_LOG_WARN,
	RCAPFS_LOG_INFO,
	RCAPFS_LOG_DEBUG,
};

/* Send messages to syslog (1) or stderr (0); messages above max_level are
 * dropped. Safe to call at any time; not thread-safe against log calls. */
void rcapfs_log_setup(int use_syslog, enum rcapfs_log_level max_level);

/* Log one line (no trailing newline needed). Thread-safe. */
void rcapfs_log(enum rcapfs_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)   rcapfs_log(RCAPFS_LOG_ERR, __VA_ARGS__)
#define log_warn(...)  rcapfs_log(RCAPFS_LOG_WARN, __VA_ARGS__)
#define log_info(...)  rcapfs_log(RCAPFS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) rcapfs_log(RCAPFS_LOG_DEBUG, __VA_ARGS__)

#endif
