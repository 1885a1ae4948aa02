#!/bin/sh
# Idle members first. One collection, two members of the same shape
# (256 MiB of clean file-backed memory, the same hot 64 MiB in the middle):
# the busy one, started first so that it comes first in pid order, keeps
# reading its hot set every 100 ms; the other read it once and sleeps. The
# cap is half of their rss, and the 4 MiB of libraries and stacks the
# sleeper cannot give (shared, or anonymous without swap): the excess is
# what its data can cover. Figure: the busy member's major faults from the
# cap write until they stop, with ctl/idle_threshold 2 (the sleeper, idle
# by then, is scanned first), against the same with idle_threshold 0 (the
# hand goes in pid order), in the same run (target <= 0.5).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-scanner.sh"
[ -e "$M/ctl/idle_threshold" ] || bench_skip "no ctl/idle_threshold"
SHAPE="--size 256 --hot-start 96 --hot-size 64"

# one NAME THRESHOLD: FAULTS, the busy member's major faults in one such
# run.
one() {
	echo "$2" >"$M/ctl/idle_threshold"
	# shellcheck disable=SC2086
	start_victim "$1b" $SHAPE --touch-ms 100
	B=$VPID
	# shellcheck disable=SC2086
	start_victim "$1s" $SHAPE --touch-ms 86400000
	S=$VPID
	mkdir "$M/caps/$1"
	printf 'pid %s\npid %s\n' "$B" "$S" >"$M/caps/$1/members"
	wait_n=0
	until [ "$(stat_of "$1" nproc)" = 2 ] &&
		[ "$(cat "$M/caps/$1/rss")" -ge $((500 * MIB)) ]; do
		wait_n=$((wait_n + 1))
		[ $wait_n -le 300 ] || bench_fail "$1 not sampled in 30 s"
		sleep 0.1
	done
	# Past the threshold, seen by samples (one a second).
	sleep 3
	f0=$(majflt "$B")
	cap=$((($(rss_of "$B") + $(rss_of "$S")) / 2 + 4 * MIB))
	echo "$cap" >"$M/caps/$1/cap"
	wait_n=0
	until [ "$(cat "$M/caps/$1/rss")" -le "$cap" ]; do
		wait_n=$((wait_n + 1))
		[ $wait_n -le 600 ] || bench_fail "$1 not under its cap in 60 s"
		sleep 0.1
	done
	settle "$B"
	FAULTS=$(($(majflt "$B") - f0))
	rmdir "$M/caps/$1"
	kill -9 "$B" "$S"
	wait "$B" "$S" 2>/dev/null
}

first=
off=
i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	one "i$i" 2
	first="$first $FAULTS"
	one "o$i" 0
	off="$off $FAULTS"
	i=$((i + 1))
done
echo "busy member's major faults, idle first:$first; idle_threshold 0:$off"
# shellcheck disable=SC2086
[ "$(bench_median $off)" != 0 ] ||
	bench_fail "no major fault with idle_threshold 0: nothing to compare"
# shellcheck disable=SC2086
bench_report scanner_idle_first_busy_faults "$(bench_median $first)" faults \
	idle_threshold_0 "$(bench_median $off)" faults '<=' 0.5
