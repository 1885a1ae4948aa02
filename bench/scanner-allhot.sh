#!/bin/sh
# A cap is a cap. A victim reads every page of its 512 MiB of clean
# file-backed memory every 50 ms: nothing of it is cold. It is capped at
# 128 MiB. Figures: the scans until the first that brought it under its cap
# (the first that did not end over it, from stats), against a few: the
# passes the chunk learning needs before it knows the chunks are hot (one
# starts tracking the victim, one probes its chunks, one finds them
# referenced) and one more (target <= 1); and the time from the return of
# the write of the cap to the end of that scan, against one default
# sample_interval, 5 s (target <= 1). It takes its pages back at once, so
# its RSS is over the cap again soon after: the refaults are the cost that
# stats majflt shows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-scanner.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
covered() { [ "$(stat_of "$1" scans)" -gt "$(stat_of "$1" scans_ineffective)" ]; }

scans=
times=
i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	start_victim "h$i" --size 512 --hot-start 0 --hot-size 512 \
		--touch-ms 50
	V=$VPID
	mkdir "$M/caps/h$i"
	echo "pid $V" >"$M/caps/h$i/members"
	wait_sampled "h$i" 500
	echo 128M >"$M/caps/h$i/cap"
	t0=$(now_ms)
	wait_n=0
	until covered "h$i"; do
		wait_n=$((wait_n + 1))
		[ $wait_n -le 1200 ] ||
			bench_fail "h$i: no scan brought it under its cap in 60 s"
		sleep 0.05
	done
	times="$times $(($(now_ms) - t0))"
	scans="$scans $(stat_of "h$i" scans)"
	rmdir "$M/caps/h$i"
	kill -9 "$V"
	wait "$V" 2>/dev/null
	i=$((i + 1))
done
echo "scans until under the cap:$scans; ms:$times"
# shellcheck disable=SC2086
bench_report scanner_allhot_scans "$(bench_median $scans)" scans a_few 4 \
	scans '<=' 1
# shellcheck disable=SC2086
bench_report scanner_allhot_time "$(bench_median $times)" ms \
	sample_interval_default 5000 ms '<=' 1
