#!/bin/sh
# M/proc/PID/pagedata and xmap against the kernel files they are made of,
# on one victim with 4 GiB of resident anonymous memory (4 KiB pages):
#   - one read(2) of a whole pagedata snapshot (st_size bytes, on an open
#     descriptor) against one raw read of /proc/PID/pagemap over the same
#     mappings (one pread each): target <= 1.5;
#   - at mapping fidelity, the same read against the kernel interfaces
#     such a snapshot is made of, read plainly: smaps (referenced per
#     mapping), pagemap (present pages) and a clear_refs reset: what the
#     daemon adds to its sources, target <= 1.2;
#   - reading xmap (open, read, close) against reading /proc/PID/smaps of
#     the same process: target <= 1.2.
# Costs are CPU time (the reader's, and the daemon's for its files), each
# side the median of BENCH_RUNS runs, the sides taking turns.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TIME=$BENCH_BIN/pagedata-time
VICTIM_KB=${BENCH_PAGEDATA_KB:-4194304}
[ -x "$TIME" ] || bench_skip "bench/pagedata-time not built"
avail_kb=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
[ "$avail_kb" -gt $((VICTIM_KB + VICTIM_KB / 2)) ] ||
	bench_skip "needs $((VICTIM_KB / 1024)) MiB of free memory and some"

bench_start_daemon
: >"$BENCH_TMP/victim.out"
"$TIME" victim "$VICTIM_KB" >"$BENCH_TMP/victim.out" &
V=$!
bench_track "$V"
bench_wait_until "$V" 60 "the victim ready" grep -qx ready "$BENCH_TMP/victim.out"
rss_kb=$(bench_rss_kb "$V")
[ "$rss_kb" -ge "$VICTIM_KB" ] ||
	bench_fail "the victim has $rss_kb kB resident, not $VICTIM_KB"

# one_us CMD...: the cost of one run of CMD, in microseconds.
one_us() {
	out=$("$@") || bench_fail "$*"
	echo "$out" | awk '{ printf "%.1f\n", $1 / 1000 }'
}

PD=$BENCH_MNT/proc/$V/pagedata
XM=$BENCH_MNT/proc/$V/xmap
MAPPING=
[ "$(sed -n 's/^fidelity //p' "$BENCH_MNT/ctl/status")" = mapping ] &&
	MAPPING=1
# The sides take turns, one run each, so that a change in the machine's
# load falls on both; a first round warms them up and is not counted.
pd='' pm='' src='' xm='' sm=''
i=0
while [ $i -le "$BENCH_RUNS" ]; do
	a=$(one_us "$TIME" pagedata "$PD" 1 "$BENCH_DPID")
	b=$(one_us "$TIME" pagemap "$V" 1)
	c=
	[ -z "$MAPPING" ] || c=$(one_us "$TIME" sources "$V" 1)
	d=$(one_us "$TIME" file "$XM" 1 "$BENCH_DPID")
	e=$(one_us "$TIME" file "/proc/$V/smaps" 1)
	if [ $i -gt 0 ]; then
		pd="$pd $a" pm="$pm $b" src="$src $c" xm="$xm $d" sm="$sm $e"
	fi
	i=$((i + 1))
done
# shellcheck disable=SC2086
{
	pd=$(bench_median $pd)
	pm=$(bench_median $pm)
	xm=$(bench_median $xm)
	sm=$(bench_median $sm)
}
bench_report pagedata_read "$pd" us pagemap_read "$pm" us '<=' 1.5
if [ -n "$MAPPING" ]; then
	# shellcheck disable=SC2086
	src=$(bench_median $src)
	bench_report pagedata_read "$pd" us mapping_sources "$src" us '<=' 1.2
fi
bench_report xmap_read "$xm" us smaps_read "$sm" us '<=' 1.2
