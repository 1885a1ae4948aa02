#include "config.h"

#include "compat/notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

/* sd_notify returns > 0 when sent, 0 when NOTIFY_SOCKET is unset, or
 * -errno; unset_environment 0 keeps the socket for later calls. */
static int send_state(const char *state)
{
	int rc = sd_notify(0, state);

	return rc < 0 ? rc : 0;
}
#else
static int send_state(const char *state)
{
	return 0;
}
#endif

int rcapfs_notify_ready(void)
{
	return send_state("READY=1");
}

int rcapfs_notify_stopping(void)
{
	return send_state("STOPPING=1");
}

int rcapfs_notify_status(const char *text)
{
	char *state = NULL;
	int rc;

	if (strchr(text, '\n'))
		return -EINVAL;
	if (asprintf(&state, "STATUS=%s", text) < 0)
		return -ENOMEM;
	rc = send_state(state);
	free(state);
	return rc;
}
