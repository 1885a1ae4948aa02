#!/bin/sh
# Sampling cost and footprint. N sleeping processes in 10 collections (one
# "pid LEADER" rule each, so members are a leader and its children), with
# sample_interval 1:
#   - a full walk of the process table every sample (scan_interval 1), and
#   - cheap re-samples of the known members only (scan_interval 86400),
# each as daemon CPU time per sample, minus what a sample of 10 empty
# collections costs, against the CPU time of one `ps -e -o pid,rss,comm`
# over the same process table. The default intervals (sample 5, scan 15)
# make one walk and two re-samples in three samples. Then the daemon's
# VmRSS against the 16 MiB target, and its growth per 1000 processes; and
# a walk of 1000 processes in 100 collections against one in 10.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

SWARM=$BENCH_BIN/swarm
CPUTIME=$BENCH_BIN/cputime
SIZES=${BENCH_SAMPLING_SIZES:-100 1000 5000}
NCOLL=10
# Samples per measured window, and windows per figure (the median):
# schedstat counts nanoseconds, so short windows are precise enough.
PER_WINDOW=2
RUNS=${BENCH_SAMPLING_RUNS:-3}
FOOTPRINT_KB=16384
if [ ! -x "$SWARM" ] || [ ! -x "$CPUTIME" ]; then
	bench_skip "bench/swarm or bench/cputime not built"
fi
command -v ps >/dev/null || bench_skip "ps missing"

# samples: the sample counter of the first collection.
samples() {
	sed -n 's/^samples //p' "$BENCH_MNT/caps/c0/stats"
}

# next_sample: wait until the counter moves on (at most 30 s); prints it.
next_sample() {
	ns_from=$(samples)
	ns_i=0
	while :; do
		ns_now=$(samples)
		[ "$ns_now" = "$ns_from" ] || break
		ns_i=$((ns_i + 1))
		[ $ns_i -lt 3000 ] || bench_fail "no sample within 30 s"
		sleep 0.01
	done
	echo "$ns_now"
}

# per_sample_us: daemon CPU per sample over PER_WINDOW samples, in
# microseconds, the median of RUNS windows. A window opens right after a
# sample ends and closes PER_WINDOW seconds and a bit later, after as many
# samples (they start a second apart) and before the next one: no read of
# the mount falls inside it, and it holds whole samples only, which the
# counter read after it confirms (a window that does not is measured
# again).
per_sample_us() {
	ps_runs=0
	ps_tries=0
	ps_vals=
	while [ $ps_runs -lt "$RUNS" ]; do
		ps_tries=$((ps_tries + 1))
		[ $ps_tries -le $((RUNS * 3)) ] ||
			bench_fail "samples do not come a second apart"
		s0=$(next_sample)
		c0=$(bench_cpu_ns "$BENCH_SPID")
		sleep "$PER_WINDOW.3"
		c1=$(bench_cpu_ns "$BENCH_SPID")
		s1=$(samples)
		[ $((s1 - s0)) = "$PER_WINDOW" ] || continue
		ps_vals="$ps_vals $(((c1 - c0) / 1000 / PER_WINDOW))"
		ps_runs=$((ps_runs + 1))
	done
	# shellcheck disable=SC2086
	bench_median $ps_vals
}

# ctl KEY VALUE
ctl() {
	echo "$2" >"$BENCH_MNT/ctl/$1" || bench_fail "cannot set ctl/$1"
}

# collections NCOLL [LEADERS_FILE]: collections c0.., with a pid rule each
# when leaders are given, and empty otherwise.
collections() {
	g=0
	while [ $g -lt "$1" ]; do
		mkdir "$BENCH_MNT/caps/c$g" || bench_fail "mkdir caps/c$g"
		g=$((g + 1))
	done
	[ $# -gt 1 ] || return 0
	g=0
	while read -r leader; do
		echo "pid $leader" >"$BENCH_MNT/caps/c$g/members" ||
			bench_fail "members of c$g"
		g=$((g + 1))
	done <"$2"
}

# nproc_total: members of all collections at the last sample.
nproc_total() {
	cat "$BENCH_MNT"/caps/c*/stats | awk '$1 == "nproc" { n += $2 } END { print n + 0 }'
}

# minus A B: A - B, or 0 when B is the larger (noise).
minus() {
	awk -v a="$1" -v b="$2" 'BEGIN { v = a - b; print (v > 0 ? v : 0) }'
}

daemon() {
	bench_start_daemon
	ctl report_interval 0
	ctl sample_interval 1
	ctl scan_interval "$1"
}

# measure N NCOLL [walk]: N sleepers in NCOLL collections; sets walk_us,
# and unless "walk" is given also resample_us, rss_kb and ps_us; nprocs is
# the size of the process table meanwhile.
measure() {
	per=$(($1 / $2))
	ready=$BENCH_TMP/swarm.$1.$2
	"$SWARM" "$2" $per "$ready" &
	swarm_pid=$!
	bench_track $swarm_pid
	bench_wait_until $swarm_pid 30 "swarm $1 up" test -e "$ready"
	want=$(($2 * (per + 1)))
	nprocs=$(set -- /proc/[0-9]*; echo $#)

	daemon 1
	collections "$2" "$ready"
	i=0
	while [ "$(nproc_total)" != $want ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || bench_fail "members of $1 not found in 30 s (have $(nproc_total), want $want)"
		sleep 0.1
	done
	walk_us=$(per_sample_us)
	if [ "${3:-}" != walk ]; then
		ctl scan_interval 86400
		next_sample >/dev/null
		resample_us=$(per_sample_us)
		rss_kb=$(bench_rss_kb "$BENCH_SPID")
	fi
	bench_stop_daemon

	if [ "${3:-}" != walk ]; then
		runs=0
		while [ $runs -lt "$BENCH_RUNS" ]; do
			"$CPUTIME" ps -e -o pid,rss,comm ||
				bench_fail "ps failed"
			runs=$((runs + 1))
		done >"$BENCH_TMP/ps"
		ps_us=$(bench_median <"$BENCH_TMP/ps")
	fi
	kill -9 $swarm_pid
	wait $swarm_pid 2>/dev/null
}

# What sampling 10 empty collections costs: timers, locks, bookkeeping.
daemon 1
collections $NCOLL
idle_us=$(per_sample_us)
bench_stop_daemon
echo "sampling: idle sample of $NCOLL empty collections: ${idle_us} us"

for n in $SIZES; do
	measure "$n" $NCOLL
	walk=$(minus "$walk_us" "$idle_us")
	resample=$(minus "$resample_us" "$idle_us")
	mix=$(awk -v w="$walk" -v r="$resample" 'BEGIN { printf "%.0f\n", (w + 2 * r) / 3 }')
	echo "sampling: $n processes in $NCOLL collections ($nprocs on the machine):" \
		"walk ${walk_us} us, re-sample ${resample_us} us, ps ${ps_us} us, VmRSS ${rss_kb} KiB"
	bench_report "sample_walk_$n" "$walk" us "ps_$n" "$ps_us" us '<=' 1
	bench_report "sample_resample_$n" "$resample" us "ps_$n" "$ps_us" us '<=' 1
	bench_report "sample_default_$n" "$mix" us "ps_$n" "$ps_us" us '<=' 1
	walk_last=$walk
	rss_last=$rss_kb
	nprocs_last=$nprocs
	if [ "$n" = 1000 ]; then
		walk_1000=$walk
		nprocs_1000=$nprocs
		rss_1000=$rss_kb
		bench_report footprint_rss_1000 "$rss_kb" KiB target \
			$FOOTPRINT_KB KiB '<=' 1
	fi
done

# Growth: walk cost per process on the machine at the largest size against
# at 1000 (1 = linear), and the footprint added per 1000 processes, against
# the 16 MiB budget (0.0625: a MiB per 1000 processes).
last=${SIZES##* }
if [ "$last" -gt 1000 ] && [ -n "${walk_1000:-}" ]; then
	per_last=$(awk -v w="$walk_last" -v n="$nprocs_last" 'BEGIN { printf "%.3f\n", w / n }')
	per_1000=$(awk -v w="$walk_1000" -v n="$nprocs_1000" 'BEGIN { printf "%.3f\n", w / n }')
	bench_report "sample_walk_per_proc_$last" "$per_last" us \
		sample_walk_per_proc_1000 "$per_1000" us '<=' 1.5
	growth=$(awk -v a="$rss_last" -v b="$rss_1000" -v n="$last" \
		'BEGIN { v = (a - b) * 1000 / (n - 1000); printf "%.0f\n", (v > 0 ? v : 0) }')
	bench_report footprint_growth_per_1000 "$growth" KiB target \
		$FOOTPRINT_KB KiB '<=' 0.0625
fi

# Collections: the same 1000 processes split ten times finer. The process
# table is read once per walk whatever the number of collections; each
# collection then matches its rules against it in memory.
if [ -n "${walk_1000:-}" ]; then
	measure 1000 100 walk
	walk=$(minus "$walk_us" "$idle_us")
	echo "sampling: 1000 processes in 100 collections: walk ${walk_us} us"
	bench_report sample_walk_1000_in_100 "$walk" us sample_walk_1000 \
		"$walk_1000" us '<=' 1.5
fi
