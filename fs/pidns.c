#include "config.h"

#include "fs/pidns.h"

#include "compat/log.h"

#include <errno.h>
#include <string.h>

int rcapfs_pidns_check(struct rcapfs_backend *be, bool *initial)
{
	int ret = be->ops->pidns_initial(be->ctx, initial);

	if (ret == -ENOSYS) {
		*initial = true;
		return 0;
	}
	if (ret) {
		log_err("cannot tell which pid namespace rcapfs runs in: %s",
			strerror(-ret));
		return ret;
	}
	if (*initial)
		return 0;
	log_warn("rcapfs runs outside the host's initial pid namespace: it "
		 "sees, lists and caps only the processes of its own");
	log_warn("callers from other pid namespaces (the host, other "
		 "containers) come without a pid: procs, proc/ and pid rules "
		 "cannot be given in their numbering");
	log_warn("run rcapfs in the host's pid namespace (docker --pid=host, "
		 "Kubernetes hostPID: true)");
	return 0;
}
