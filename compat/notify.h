/* Readiness and stopping as a service manager is told them: systemd's
 * sd_notify(3) where libsystemd was found at build time, nothing where it
 * was not (the daemon then runs unnotified, as with Type=simple). Each call
 * is a no-op outside a service started with NOTIFY_SOCKET set. */
#ifndef RCAPFS_COMPAT_NOTIFY_H
#define RCAPFS_COMPAT_NOTIFY_H

/* The mount answers: READY=1. Returns 0 (also when nobody listens or
 * there is no libsystemd) or -errno when sending failed. */
int rcapfs_notify_ready(void);

/* The daemon has begun to stop: STOPPING=1. Returns 0 or -errno. */
int rcapfs_notify_stopping(void);

/* A one-line status the manager shows (systemctl status): STATUS=text.
 * text is copied. Returns 0 or -errno (-EINVAL for a text with a
 * newline, which would end the field). */
int rcapfs_notify_status(const char *text);

#endif
