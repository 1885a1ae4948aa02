/* What saving (fs/state.c) and loading (fs/state_load.c) share. */
#ifndef RCAPFS_FS_STATE_I_H
#define RCAPFS_FS_STATE_I_H

/*
 * The file, version 1: line-based text, every line ended by a newline.
 *
 *	rcapfs-state 1
 *	enforce 1                  ctl values, as the ctl/ files show them,
 *	pressure 0                 keyed by file name (scanner/ctl.h)
 *	...
 *	next_collection_id N       the id the next collection gets
 *	collection NAME            one block per collection
 *	id N                       its id (scanner.h), never another's
 *	cap BYTES
 *	swap_idle SECONDS          left out in files written before it: 0
 *	member RULE                one per rule, in RCAPFS_RULES_STATE syntax
 *	end
 *	end                        the last line: a file cut short lacks it
 *
 * Each ctl key at most once; one left out keeps the scanner's value.
 * Files written before collections had ids lack next_collection_id and
 * id: such collections get the next ids in file order.
 */
#define STATE_MAGIC   "rcapfs-state"
#define STATE_VERSION "1"

#endif
