#!/bin/sh
# Following forks. The daemon reads every fork event of the machine (the
# proc connector) so that a pid rule's members keep the children they fork
# even when they exit at once. A fork by a process no collection remembers
# costs it one lookup; a fork by a pid-rule member, two small /proc reads
# more. Figures: the daemon's CPU time while a shell runs N short commands
# (/bin/true), against the CPU time of that shell and its commands: once
# with the shell in no collection, once with it a member of a pid-rule
# collection. Target <= 0.1 each: following forks adds at most a tenth to
# what the forks cost. Each side is the median of BENCH_RUNS storms.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
CPUTIME=$BENCH_BIN/cputime
N=${BENCH_FORKS:-2000}
[ -x "$CPUTIME" ] || bench_skip "bench/cputime not built"
bench_start_daemon
if grep -q 'no fork events' "$BENCH_TMP/daemon.log"; then
	bench_skip "no fork events here: pid rules follow forks at walks only"
fi
# No sample inside a storm: the daemon's CPU time is the events' alone.
echo 86400 >"$BENCH_MNT/ctl/sample_interval" || bench_fail "sample_interval"
mkdir "$BENCH_MNT/caps/f" || bench_fail "mkdir caps/f"
FIFO=$BENCH_TMP/go
mkfifo "$FIFO" || bench_fail "mkfifo"

# storm MEMBER: the daemon's CPU ns and the storm's CPU us, one line
# appended to $BENCH_TMP/storms. The storm waits on a fifo, so that it can
# be made a member (MEMBER=1) before it forks anything.
has_child() { pgrep -P "$1" >/dev/null; }
# The storm's starter and its shell are both members.
storm_member() {
	[ "$(awk '$1 == "nproc" { print $2 }' "$BENCH_MNT/caps/f/stats")" = 2 ]
}

storm() {
	"$CPUTIME" sh -c "read x <'$FIFO'; i=0
		while [ \$i -lt $N ]; do /bin/true; i=\$((i + 1)); done" \
		>"$BENCH_TMP/storm.out" &
	sp=$!
	bench_track "$sp"
	bench_wait_until "$sp" 30 "the storm started" has_child "$sp"
	if [ "$1" = 1 ]; then
		echo "pid $sp" >"$BENCH_MNT/caps/f/members" ||
			bench_fail "members"
		bench_wait_until "$sp" 30 "the storm a member" storm_member
	fi
	d0=$(bench_cpu_ns "$BENCH_SPID")
	echo go >"$FIFO"
	wait "$sp" || bench_fail "the storm failed"
	d1=$(bench_cpu_ns "$BENCH_SPID")
	echo "$((d1 - d0)) $(cat "$BENCH_TMP/storm.out")" >>"$BENCH_TMP/storms"
	: >"$BENCH_MNT/caps/f/members"
}

for member in 0 1; do
	: >"$BENCH_TMP/storms"
	i=0
	while [ $i -lt "$BENCH_RUNS" ]; do
		storm $member
		i=$((i + 1))
	done
	daemon=$(awk '{ printf " %.1f", $1 / 1000 }' "$BENCH_TMP/storms")
	forks=$(awk '{ printf " %s", $2 }' "$BENCH_TMP/storms")
	name=forks_nonmember
	[ $member = 0 ] || name=forks_member
	# shellcheck disable=SC2086
	bench_report "$name" "$(bench_median $daemon)" us \
		"cpu_of_${N}_spawns" "$(bench_median $forks)" us '<=' 0.1
done
