#include "config.h"

#include "compat/backend.h"

#include <stdlib.h>

unsigned rcapfs_features_can(const struct rcapfs_features *f)
{
	unsigned can = 0;

	if (f->idle_page_tracking && f->pfn_visible)
		can |= RCAPFS_CAN_PAGE_REFERENCED;
	if (f->soft_dirty)
		can |= RCAPFS_CAN_PAGE_DIRTY;
	if (f->clear_refs)
		can |= RCAPFS_CAN_MAPPING_REFERENCED;
	return can;
}

bool rcapfs_backend_can(const struct rcapfs_backend *be, unsigned what)
{
	return (be->ops->can(be->ctx) & what) == what;
}

void rcapfs_backend_free(struct rcapfs_backend *be)
{
	if (!be)
		return;
	be->ops->free(be->ctx);
	free(be);
}

void rcapfs_proc_release(struct rcapfs_proc *p)
{
	free(p->cgroup);
	p->cgroup = NULL;
}

void rcapfs_proc_list_free(struct rcapfs_proc_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		rcapfs_proc_release(&list->procs[i]);
	free(list->procs);
	list->procs = NULL;
	list->n = 0;
}

void rcapfs_mapping_list_free(struct rcapfs_mapping_list *list)
{
	free(list->maps);
	free(list->names);
	list->maps = NULL;
	list->names = NULL;
	list->n = 0;
}
