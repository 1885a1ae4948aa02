#!/bin/sh
# M/proc/PID/pagedata, pagedata_hw and xmap against the kernel files they
# are made of, on a victim with 4 GiB of resident anonymous memory (4 KiB
# pages), first left alone, then writing one page every millisecond (so
# that each read finds memory referenced since the last):
#   - one read(2) of a whole pagedata snapshot (st_size bytes, on an open
#     descriptor) against one raw read of /proc/PID/pagemap over the same
#     mappings (one pread each): target <= 1.5, for both victims, and for
#     pagedata_hw;
#   - at mapping fidelity, the same read against the kernel interfaces it
#     cannot do without, read plainly: smaps alone when nothing was
#     referenced, smaps and a clear_refs reset when something was (and
#     pagemap too for pagedata_hw): what the daemon adds, target <= 1.2;
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
MAPPING=
[ "$(sed -n 's/^fidelity //p' "$BENCH_MNT/ctl/status")" = mapping ] &&
	MAPPING=1

# one_us CMD...: the cost of one run of CMD, in microseconds.
one_us() {
	out=$("$@") || bench_fail "$*"
	echo "$out" | awk '{ printf "%.1f\n", $1 / 1000 }'
}

# start_victim [TOUCH_MS]: the victim, its pid in V once its memory is
# resident.
start_victim() {
	: >"$BENCH_TMP/victim.out"
	"$TIME" victim "$VICTIM_KB" "$@" >"$BENCH_TMP/victim.out" &
	V=$!
	bench_track "$V"
	bench_wait_until "$V" 60 "the victim ready" \
		grep -qx ready "$BENCH_TMP/victim.out"
	rss_kb=$(bench_rss_kb "$V")
	[ "$rss_kb" -ge "$VICTIM_KB" ] ||
		bench_fail "the victim has $rss_kb kB resident, not $VICTIM_KB"
}

stop_victim() {
	kill -9 "$V"
	wait "$V" 2>/dev/null
}

# measure: medians of each side for victim V, in pd, hw, pm, sm, src,
# srchw, xm. The sides take turns, one run each, so that a change in the
# machine's load falls on all; a first round warms them up and is not
# counted.
measure() {
	pd='' hw='' pm='' sm='' src='' srchw='' xm=''
	i=0
	while [ $i -le "$BENCH_RUNS" ]; do
		a=$(one_us "$TIME" pagedata "$BENCH_MNT/proc/$V/pagedata" 1 \
			"$BENCH_SPID")
		b=$(one_us "$TIME" pagedata "$BENCH_MNT/proc/$V/pagedata_hw" \
			1 "$BENCH_SPID")
		c=$(one_us "$TIME" pagemap "$V" 1)
		d=$(one_us "$TIME" file "/proc/$V/smaps" 1)
		e=$(one_us "$TIME" sources "$V" 1)
		f=$(one_us "$TIME" sources-hw "$V" 1)
		g=$(one_us "$TIME" file "$BENCH_MNT/proc/$V/xmap" 1 \
			"$BENCH_SPID")
		if [ $i -gt 0 ]; then
			pd="$pd $a" hw="$hw $b" pm="$pm $c" sm="$sm $d"
			src="$src $e" srchw="$srchw $f" xm="$xm $g"
		fi
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	{
		pd=$(bench_median $pd)
		hw=$(bench_median $hw)
		pm=$(bench_median $pm)
		sm=$(bench_median $sm)
		src=$(bench_median $src)
		srchw=$(bench_median $srchw)
		xm=$(bench_median $xm)
	}
}

start_victim
measure
bench_report pagedata_read "$pd" us pagemap_read "$pm" us '<=' 1.5
bench_report pagedata_hw_read "$hw" us pagemap_read "$pm" us '<=' 1.5
if [ -n "$MAPPING" ]; then
	bench_report pagedata_read "$pd" us smaps_read "$sm" us '<=' 1.2
fi
bench_report xmap_read "$xm" us smaps_read "$sm" us '<=' 1.2
stop_victim

start_victim 1
measure
bench_report pagedata_read_active "$pd" us pagemap_read "$pm" us '<=' 1.5
bench_report pagedata_hw_read_active "$hw" us pagemap_read "$pm" us '<=' 1.5
if [ -n "$MAPPING" ]; then
	bench_report pagedata_read_active "$pd" us mapping_sources "$src" us \
		'<=' 1.2
	bench_report pagedata_hw_read_active "$hw" us mapping_sources_hw \
		"$srchw" us '<=' 1.2
fi
stop_victim
