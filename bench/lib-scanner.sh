# Sourced by the scanner benchmarks (after bench/lib.sh): a daemon with
# one-second intervals and the helpers to run file-backed victims in it.
TOOL=$BENCH_BIN/scanner-tool
VICTIM=$top_builddir/tests/victim
[ -x "$TOOL" ] || bench_skip "bench/scanner-tool not built"
[ -x "$VICTIM" ] || bench_skip "tests/victim not built"
MIB=1048576

bench_start_daemon
M=$BENCH_MNT
grep -qx 'process_madvise 1' "$M/ctl/status" ||
	bench_skip "no process_madvise on this kernel: nothing to measure"
echo 1 >"$M/ctl/sample_interval"
echo 1 >"$M/ctl/scan_interval"

# start_victim NAME ARGS...: VPID once it is set up (its file in BENCH_TMP).
start_victim() {
	sv_out=$BENCH_TMP/$1.out
	sv_file=$BENCH_TMP/$1.data
	shift
	"$VICTIM" --file "$sv_file" "$@" >"$sv_out" &
	VPID=$!
	bench_track "$VPID"
	bench_wait_until "$VPID" 120 "victim set up" grep -qs ready "$sv_out"
}
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$M/caps/$1/stats"; }
# majflt PID: field 12 of /proc/PID/stat, counted after the comm.
majflt() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $10 }'; }
# rss_of PID: resident bytes.
rss_of() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }
# settle PID: wait (10 s at most) until PID has had no major fault for
# half a second: the refaults of what was paged out are all in.
settle() {
	st_last=$(majflt "$1")
	st_i=0
	while sleep 0.5; do
		st_now=$(majflt "$1")
		[ "$st_now" != "$st_last" ] || break
		st_last=$st_now
		st_i=$((st_i + 1))
		[ $st_i -lt 20 ] || break
	done
}
# wait_sampled NAME MIB: the collection has its member, with MIB resident.
wait_sampled() {
	ws_i=0
	until [ "$(stat_of "$1" nproc)" = 1 ] &&
		[ "$(cat "$M/caps/$1/rss")" -ge $(($2 * MIB)) ]; do
		ws_i=$((ws_i + 1))
		[ $ws_i -le 300 ] || bench_fail "$1 not sampled in 30 s"
		sleep 0.1
	done
}
