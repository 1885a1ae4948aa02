#!/bin/sh
# Keeping the hot set. A victim with 512 MiB of clean file-backed memory
# keeps reading its hot 10% (51 MiB in the middle) every 100 ms; it is
# capped at 128 MiB. Figure: the victim's major faults from the cap write
# until they stop once its rss reached the cap, per hot page (target <=
# 0.3). Next to it, the same for address-order pageout of a twin victim
# (process_madvise from the start of the mapping until the cap is met),
# which pages the hot set out: it must refault most of it, or this
# benchmark measures nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-scanner.sh"
SHAPE="--size 512 --hot-start 230 --hot-size 51 --touch-ms 100"
HOT_PAGES=$((51 * MIB / $(getconf PAGESIZE)))
echo "fidelity: $(awk '$1 == "fidelity" {print $2}' "$M/ctl/status")"

ours=
base=
i=0
while [ $i -lt "$BENCH_RUNS" ]; do
	# shellcheck disable=SC2086
	start_victim "h$i" $SHAPE
	# A few rounds of the hot loop before anything happens.
	sleep 0.5
	V=$VPID
	mkdir "$M/caps/h$i"
	echo "pid $V" >"$M/caps/h$i/members"
	wait_sampled "h$i" 500
	f0=$(majflt "$V")
	"$TOOL" cap "$M/caps/h$i/cap" $((128 * MIB)) "$V" 120 >/dev/null ||
		bench_fail "victim not brought under its cap"
	settle "$V"
	ours="$ours $(($(majflt "$V") - f0))"
	rmdir "$M/caps/h$i"
	kill -9 "$V"
	wait "$V" 2>/dev/null

	# shellcheck disable=SC2086
	start_victim "b$i" $SHAPE
	sleep 0.5
	V=$VPID
	f0=$(majflt "$V")
	"$TOOL" raw "$V" $((512 * MIB)) $((16 * MIB)) $((128 * 1024)) \
		>/dev/null
	settle "$V"
	base="$base $(($(majflt "$V") - f0))"
	kill -9 "$V"
	wait "$V" 2>/dev/null
	i=$((i + 1))
done
echo "hot pages: $HOT_PAGES; major faults, rcapfs:$ours; address order:$base"
# shellcheck disable=SC2086
bench_report scanner_hotset_refaults "$(bench_median $ours)" faults \
	hot_pages "$HOT_PAGES" pages '<=' 0.3
# shellcheck disable=SC2086
bench_report scanner_hotset_refaults_address_order "$(bench_median $base)" \
	faults hot_pages "$HOT_PAGES" pages '>=' 0.9
