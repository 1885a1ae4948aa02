#!/bin/sh
# FUSE front: open-read-close rate of caps/NAME/stats, caps/NAME/cap and
# ctl/status, with 1 and 4 reader threads, against the same loop on
# bench/floor (one constant file, the least any libfuse server costs), and
# against lxcfs's proc/meminfo where lxcfs is installed. Runs of the
# servers alternate, so a noisy neighbour hurts all of them alike.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ORC=$BENCH_BIN/orc
FLOOR=$BENCH_BIN/floor
# Many short runs, the servers in turn: on a shared machine the load
# changes within seconds, and fine interleaving spreads it evenly over
# the floor and rcapfs; medians of 15 quarter-second runs then agree from
# one run of the suite to the next far better than those of a few long runs.
SECS=${BENCH_FRONT_SECS:-0.25}
RUNS=${BENCH_FRONT_RUNS:-15}
if [ ! -x "$ORC" ] || [ ! -x "$FLOOR" ]; then
	bench_skip "bench/orc or bench/floor not built"
fi

# The options main.c gives libfuse, so both servers run the same loop.
FUSE_OPTS=-oallow_other,max_threads=16,max_idle_threads=8

bench_start_daemon
mkdir "$BENCH_MNT/caps/bench" || bench_fail "mkdir caps/bench"

FLOOR_MNT=$BENCH_TMP/floor
mkdir -p "$FLOOR_MNT"
"$FLOOR" -f "$FUSE_OPTS" "$FLOOR_MNT" 2>>"$BENCH_TMP/floor.log" &
FLOOR_PID=$!
bench_track "$FLOOR_PID"
bench_track_mount "$FLOOR_MNT"
bench_wait_mount "$FLOOR_MNT" file "$FLOOR_PID" || bench_fail "floor did not come up"

LXCFS_MNT=
if ! command -v lxcfs >/dev/null; then
	echo "front: lxcfs not installed; its proc/meminfo comparison skipped"
else
	LXCFS_MNT=$BENCH_TMP/lxcfs
	mkdir -p "$LXCFS_MNT"
	lxcfs -f "$LXCFS_MNT" >>"$BENCH_TMP/lxcfs.log" 2>&1 &
	LXCFS_PID=$!
	bench_track "$LXCFS_PID"
	bench_track_mount "$LXCFS_MNT"
	if ! bench_wait_mount "$LXCFS_MNT" proc/meminfo "$LXCFS_PID"; then
		echo "front: lxcfs did not mount; its comparison skipped"
		LXCFS_MNT=
	fi
fi

# name path: what each measured target is called in the report.
TARGETS="floor $FLOOR_MNT/file
stats $BENCH_MNT/caps/bench/stats
cap $BENCH_MNT/caps/bench/cap
status $BENCH_MNT/ctl/status"
[ -z "$LXCFS_MNT" ] || TARGETS="$TARGETS
lxcfs_meminfo $LXCFS_MNT/proc/meminfo"

for threads in 1 4; do
	# A first short pass wakes every server's worker threads up; its
	# figures are thrown away.
	echo "$TARGETS" | while read -r name path; do
		"$ORC" "$threads" 0.2 "$path" >/dev/null ||
			bench_fail "orc on $path"
	done || exit 1
	run=0
	while [ $run -lt "$RUNS" ]; do
		echo "$TARGETS" | while read -r name path; do
			rate=$("$ORC" "$threads" "$SECS" "$path") ||
				bench_fail "orc on $path"
			echo "$rate" >>"$BENCH_TMP/$name.$threads"
		done || exit 1
		run=$((run + 1))
	done
	floor=$(bench_median <"$BENCH_TMP/floor.$threads")
	echo "$TARGETS" | while read -r name path; do
		[ "$name" != floor ] || continue
		v=$(bench_median <"$BENCH_TMP/$name.$threads")
		case $name in
		lxcfs_*) what=$name ;;
		*) what=front_$name ;;
		esac
		bench_report "${what}_${threads}t" "$v" ops/s \
			"floor_${threads}t" "$floor" ops/s '>=' 0.8 || exit 1
	done || exit 1
done
bench_stop_daemon
