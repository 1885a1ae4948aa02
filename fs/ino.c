#include "config.h"

#include "fs/ino.h"

#include "scanner/ctl.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* The shown number keeps the kind in 5 bits. */
_Static_assert(RCAPFS_NODE_PROM + 1 < 32, "node kinds outgrow the shown ino");

#define KIND_BITS  8
#define VALUE_BITS 32
#define VALUE_MASK ((UINT64_C(1) << VALUE_BITS) - 1)

uint64_t rcapfs_ino_encode(const struct rcapfs_node *n)
{
	uint64_t value = 0;

	if (rcapfs_node_in_collection(n->kind))
		value = n->id;
	else if (n->kind == RCAPFS_NODE_CTL_KNOB)
		value = n->knob;
	else if (rcapfs_node_in_process(n->kind))
		value = (uint64_t)(uint32_t)n->pid |
			(n->start_ticks & RCAPFS_INO_START_MASK) << VALUE_BITS;
	return value << KIND_BITS | ((uint64_t)n->kind + 1);
}

int rcapfs_ino_decode(uint64_t ino, struct rcapfs_node *out)
{
	uint64_t kind = (ino & ((1u << KIND_BITS) - 1)) - 1;
	uint64_t value = ino >> KIND_BITS;
	struct rcapfs_node n;

	if ((ino & ((1u << KIND_BITS) - 1)) == 0 || kind > RCAPFS_NODE_PROM)
		return -ESTALE;
	memset(&n, 0, sizeof(n));
	n.kind = (enum rcapfs_node_kind)kind;
	if (rcapfs_node_in_collection(n.kind)) {
		if (value == 0 || value > UINT32_MAX)
			return -ESTALE;
		n.id = (uint32_t)value;
	} else if (n.kind == RCAPFS_NODE_CTL_KNOB) {
		if (value >= RCAPFS_CTL_NKNOBS)
			return -ESTALE;
		n.knob = (unsigned)value;
	} else if (rcapfs_node_in_process(n.kind)) {
		if ((value & VALUE_MASK) == 0 || (value & VALUE_MASK) > INT_MAX)
			return -ESTALE;
		n.pid = (pid_t)(value & VALUE_MASK);
		n.start_ticks = value >> VALUE_BITS;
	} else if (value) {
		return -ESTALE;
	}
	*out = n;
	return 0;
}

uint32_t rcapfs_ino_shown(uint64_t ino)
{
	struct rcapfs_node n;
	uint32_t value = 0;

	if (rcapfs_ino_decode(ino, &n))
		return 0;
	if (rcapfs_node_in_collection(n.kind))
		value = n.id;
	else if (n.kind == RCAPFS_NODE_CTL_KNOB)
		value = n.knob;
	else if (rcapfs_node_in_process(n.kind))
		value = ((uint32_t)n.pid & ((1u << 22) - 1)) |
			(uint32_t)(n.start_ticks & 31) << 22;
	return value << 5 | ((uint32_t)n.kind + 1);
}

bool rcapfs_ino_same_start(const struct rcapfs_node *n, uint64_t start_ticks)
{
	return (n->start_ticks & RCAPFS_INO_START_MASK) ==
	       (start_ticks & RCAPFS_INO_START_MASK);
}
