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
# Each side is the median of BENCH_RUNS runs.
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
i=0
until grep -qx ready "$BENCH_TMP/victim.out"; do
	kill -0 "$V" 2>/dev/null || bench_fail "the victim died"
	i=$((i + 1))
	[ $i -le 600 ] || bench_fail "the victim is not ready within 60 s"
	sleep 0.1
done
rss_kb=$(bench_rss_kb "$V")
[ "$rss_kb" -ge "$VICTIM_KB" ] ||
	bench_fail "the victim has $rss_kb kB resident, not $VICTIM_KB"

# median_us CMD...: the median of the per-run nanoseconds CMD prints, in
# microseconds.
median_us() {
	"$@" >"$BENCH_TMP/runs" || bench_fail "$*"
	# shellcheck disable=SC2046
	bench_median $(cat "$BENCH_TMP/runs") | awk '{ printf "%.1f\n", $1 / 1000 }'
}

PD=$BENCH_MNT/proc/$V/pagedata
XM=$BENCH_MNT/proc/$V/xmap
# One warm-up run each, so neither side pays a first-touch cost.
median_us "$TIME" pagedata "$PD" 1 >/dev/null
median_us "$TIME" pagemap "$V" 1 >/dev/null
pd=$(median_us "$TIME" pagedata "$PD" "$BENCH_RUNS")
pm=$(median_us "$TIME" pagemap "$V" "$BENCH_RUNS")
bench_report pagedata_read "$pd" us pagemap_read "$pm" us '<=' 1.5
if [ "$(sed -n 's/^fidelity //p' "$BENCH_MNT/ctl/status")" = mapping ]; then
	median_us "$TIME" sources "$V" 1 >/dev/null
	src=$(median_us "$TIME" sources "$V" "$BENCH_RUNS")
	bench_report pagedata_read "$pd" us mapping_sources "$src" us '<=' 1.2
fi

median_us "$TIME" file "$XM" 1 >/dev/null
median_us "$TIME" file "/proc/$V/smaps" 1 >/dev/null
xm=$(median_us "$TIME" file "$XM" "$BENCH_RUNS")
sm=$(median_us "$TIME" file "/proc/$V/smaps" "$BENCH_RUNS")
bench_report xmap_read "$xm" us smaps_read "$sm" us '<=' 1.2
