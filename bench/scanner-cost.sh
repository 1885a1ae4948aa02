#!/bin/sh
# Enforcement cost and latency. A victim with 1 GiB of clean file-backed
# memory, in a collection by a pid rule, is capped at 256 MiB:
# - cost: the scan_time_ns the scanner spends bringing it there, against
#   one raw process_madvise(MADV_PAGEOUT) pass over the same 768 MiB of a
#   twin victim (target <= 1.5);
# - latency: from the return of the write of the cap to the victim's rss
#   at most the cap, against one second (target <= 1), the cap written
#   right after the sample that found the victim in its collection; with
#   sample_interval 1, and again with 5: the wait for a scan to follow the
#   first (which only starts tracking the victim) is the enforcer's, not a
#   sample's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-scanner.sh"

# wait_settled NAME: no scan started for two seconds.
wait_settled() {
	scans=$(stat_of "$1" scans)
	while sleep 2; do
		now=$(stat_of "$1" scans)
		[ "$now" != "$scans" ] || break
		scans=$now
	done
}

# capped NAME: a victim (V) of 1 GiB in collection NAME, capped at 256
# MiB right after a sample found it there; LAT, the latency, and COST0,
# the collection's scan_time_ns before the cap.
capped() {
	start_victim "v$1" --size 1024
	V=$VPID
	mkdir "$M/caps/$1"
	echo "pid $V" >"$M/caps/$1/members"
	wait_sampled "$1" 1000
	COST0=$(stat_of "$1" scan_time_ns)
	LAT=$("$TOOL" cap "$M/caps/$1/cap" $((256 * MIB)) "$V" 60) ||
		bench_fail "$1: victim not brought under its cap"
}
# drop NAME: remove collection NAME and kill its victim.
drop() {
	rmdir "$M/caps/$1"
	kill -9 "$V"
	wait "$V" 2>/dev/null
}

costs=
raws=
lats=
i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	capped "c$i"
	wait_settled "c$i"
	costs="$costs $(($(stat_of "c$i" scan_time_ns) - COST0))"
	lats="$lats $LAT"
	drop "c$i"

	start_victim "b$i" --size 1024
	V=$VPID
	raws="$raws $("$TOOL" raw "$V" $((768 * MIB)) 0 0)"
	kill -9 "$V"
	wait "$V" 2>/dev/null
	i=$((i + 1))
done
# The latency again with sample_interval 5.
echo 5 >"$M/ctl/sample_interval"
lats5=
i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	capped "l$i"
	lats5="$lats5 $LAT"
	drop "l$i"
	i=$((i + 1))
done
echo "scan_time_ns:$costs"
echo "raw pageout ns:$raws"
echo "latency ns, sample_interval 1:$lats"
echo "latency ns, sample_interval 5:$lats5"
ms() { awk -v ns="$1" 'BEGIN { printf "%.3f\n", ns / 1e6 }'; }
# shellcheck disable=SC2086
bench_report scanner_cost "$(ms "$(bench_median $costs)")" ms \
	raw_process_madvise "$(ms "$(bench_median $raws)")" ms '<=' 1.5
# shellcheck disable=SC2086
bench_report scanner_latency "$(ms "$(bench_median $lats)")" ms \
	one_second 1000 ms '<=' 1
# shellcheck disable=SC2086
bench_report scanner_latency_sample5 "$(ms "$(bench_median $lats5)")" ms \
	one_second 1000 ms '<=' 1
