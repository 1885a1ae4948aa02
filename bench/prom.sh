#!/bin/sh
# M/rcapfs.prom with 1000 collections: rendering it against rendering the
# 1000 stats files one by one (bench/prom-render, the front without FUSE),
# then reading it through a mount against reading the 1000 stats files.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${BENCH_PROM_COLLECTIONS:-1000}
"$BENCH_BIN/prom-render" "$N" "$((BENCH_RUNS * 4 + 1))" >"$BENCH_TMP/render" ||
	bench_fail "prom-render"
bench_report "prom_render_$N" "$(awk '$1 == "prom" {print $2}' "$BENCH_TMP/render")" us \
	"stats_render_$N" "$(awk '$1 == "stats" {print $2}' "$BENCH_TMP/render")" us '<=' 1

# Through a mount: one read of rcapfs.prom (as node_exporter's textfile
# collector does) against a read of every stats file (as a script would).
bench_start_daemon
i=0
while [ $i -lt "$N" ]; do
	mkdir "$BENCH_MNT/caps/c$i" || bench_fail "mkdir caps/c$i"
	i=$((i + 1))
done
run=0
while [ $run -lt "$BENCH_RUNS" ]; do
	t0=$(date +%s%N)
	cat "$BENCH_MNT/rcapfs.prom" >/dev/null || bench_fail "read rcapfs.prom"
	t1=$(date +%s%N)
	cat "$BENCH_MNT"/caps/*/stats >/dev/null || bench_fail "read stats"
	t2=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$BENCH_TMP/prom"
	echo $(((t2 - t1) / 1000)) >>"$BENCH_TMP/stats"
	run=$((run + 1))
done
bench_report "prom_read_$N" "$(bench_median <"$BENCH_TMP/prom")" us \
	"stats_read_$N" "$(bench_median <"$BENCH_TMP/stats")" us '<=' 1
bench_stop_daemon
