#!/bin/sh
# FUSE front: open-read-close rate of caps/NAME/stats, caps/NAME/cap and
# ctl/status, with 1 and 4 reader threads, against the same loop on
# bench/floor (one constant file, the least any libfuse server costs), and
# against lxcfs's proc/meminfo where lxcfs is installed.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ORC=$BENCH_BIN/orc
FLOOR=$BENCH_BIN/floor
# Each file is measured in a pair with the floor: bench/orc alternates the
# two in 50 ms slices, so a burst of load elsewhere falls on both alike,
# and both get the same share of the machine (a server that idles through
# most of a run would win its wake-ups from the scheduler and look faster
# than it is). Each figure is the median of BENCH_FRONT_RUNS pairs.
SECS=${BENCH_FRONT_SECS:-1}
RUNS=${BENCH_FRONT_RUNS:-5}

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

# name path: what each measured file is called in the report.
TARGETS="stats $BENCH_MNT/caps/bench/stats
cap $BENCH_MNT/caps/bench/cap
status $BENCH_MNT/ctl/status"
[ -z "$LXCFS_MNT" ] || TARGETS="$TARGETS
lxcfs_meminfo $LXCFS_MNT/proc/meminfo"

for threads in 1 4; do
	echo "$TARGETS" | while read -r name path; do
		# A first short pair wakes both servers' worker threads up.
		"$ORC" "$threads" 0.2 "$FLOOR_MNT/file" "$path" >/dev/null ||
			bench_fail "orc on $path"
		run=0
		while [ $run -lt "$RUNS" ]; do
			"$ORC" "$threads" "$SECS" "$FLOOR_MNT/file" "$path" \
				>"$BENCH_TMP/pair" || bench_fail "orc on $path"
			sed -n 1p "$BENCH_TMP/pair" >>"$BENCH_TMP/floor.$name"
			sed -n 2p "$BENCH_TMP/pair" >>"$BENCH_TMP/$name"
			run=$((run + 1))
		done
		floor=$(bench_median <"$BENCH_TMP/floor.$name")
		v=$(bench_median <"$BENCH_TMP/$name")
		rm -f "$BENCH_TMP/floor.$name" "$BENCH_TMP/$name"
		case $name in
		lxcfs_*) what=$name ;;
		*) what=front_$name ;;
		esac
		bench_report "${what}_${threads}t" "$v" ops/s \
			"floor_${threads}t" "$floor" ops/s '>=' 0.8
	done || exit 1
done
bench_stop_daemon
