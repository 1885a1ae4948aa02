# Sourced by every benchmark (bench/*.sh): checks that the machine can mount
# FUSE, gives a scratch directory, the daemon binary, helpers to start and
# stop it, and bench_report, which prints a figure and appends it to
# bench/results.txt. Exit 77 = skip, with the reason on stdout.
#
# Every figure is a ratio against something measured in the same run, each
# side the median of several repetitions: these machines are shared and
# noisy, so absolute numbers mean little and timed assertions none.
set -u

BENCH_NAME=${BENCH_NAME:-$(basename "$0" .sh)}
# `make bench` exports these; by hand, run from the build directory.
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
RCAPFS=${RCAPFS:-$top_builddir/rcapfs}
# The C helpers built with the tree (bench/orc, bench/floor ...).
BENCH_BIN=$top_builddir/bench
export BENCH_BIN
BENCH_RESULTS=${BENCH_RESULTS:-$top_builddir/bench/results.txt}
# Repetitions behind each median; odd, so the median is one of them.
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_TMP=
BENCH_DPID=
BENCH_SPID=
BENCH_MNT=
BENCH_PIDS=
BENCH_MOUNTS=

bench_skip() {
	echo "SKIP: $BENCH_NAME: $*"
	exit 77
}

bench_fail() {
	echo "FAIL: $BENCH_NAME: $*" >&2
	exit 1
}

# bench_median V1 V2 ...: the median (mean of the middle two for an even
# count); numbers may be fractional. Without arguments, of the numbers on
# standard input, one per line.
bench_median() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
	else
		cat
	fi | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) exit 1
			if (NR % 2) m = v[(NR + 1) / 2]
			else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			# %d stops at 2^31 in mawk: print integers with %.0f.
			printf (m == int(m) ? "%.0f\n" : "%.6g\n"), m
		}'
}

# bench_report NAME VALUE UNIT REF_NAME REF_VALUE REF_UNIT OP TARGET:
# print and record one figure, RATIO = VALUE / REF_VALUE, ok when
# RATIO OP TARGET holds (OP is <= or >=). A MISS is a result, not an error;
# malformed arguments are a bug in the benchmark: it fails (exit 1).
bench_report() {
	if [ $# -ne 8 ]; then
		bench_fail "bench_report: 8 arguments expected, got $#"
	fi
	case $7 in
	'<=' | '>=') ;;
	*)
		bench_fail "bench_report: OP must be <= or >=, got '$7'"
		;;
	esac
	line=$(awk -v name="$1" -v val="$2" -v unit="$3" -v rname="$4" \
		-v rval="$5" -v runit="$6" -v op="$7" -v tgt="$8" '
		function num(s) { return s ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ || s ~ /^-?\.[0-9]+$/ }
		function fmt(x) {
			if (x == int(x) && (x < 0 ? -x : x) < 1e15)
				return sprintf("%.0f", x)
			return sprintf("%.4g", x)
		}
		BEGIN {
			if (!num(val) || !num(rval) || !num(tgt)) {
				print "bench_report: VALUE, REF_VALUE and TARGET must be numbers, got " val ", " rval ", " tgt > "/dev/stderr"
				exit 1
			}
			if (rval + 0 == 0) {
				print "bench_report: " name ": REF_VALUE is 0, no ratio" > "/dev/stderr"
				exit 1
			}
			r = val / rval
			ok = (op == "<=") ? (r <= tgt + 0) : (r >= tgt + 0)
			printf "bench %s: %s %s vs %s %s %s = %s (target %s %s) %s\n",
				name, fmt(val), unit, rname, fmt(rval), runit,
				sprintf("%.3g", r), op, tgt, ok ? "ok" : "MISS"
		}') || bench_fail "bench_report $1: bad arguments"
	echo "$line"
	mkdir -p "$(dirname "$BENCH_RESULTS")"
	echo "$line" >>"$BENCH_RESULTS"
}

# bench_track PID...: processes that the exit trap kills.
bench_track() {
	BENCH_PIDS="$BENCH_PIDS $*"
}

# bench_track_mount DIR...: mountpoints of other FUSE servers (a floor, a
# peer) that the exit trap unmounts before it kills their processes.
bench_track_mount() {
	BENCH_MOUNTS="$BENCH_MOUNTS $*"
}

# bench_wait_mount MNT FILE PID: wait (10 s at most) until MNT/FILE reads
# while PID lives; returns 1 otherwise. (Helpers keep their counters to
# themselves: a caller's loop may be counting with i.)
bench_wait_mount() {
	wm_i=0
	while ! cat "$1/$2" >/dev/null 2>&1; do
		kill -0 "$3" 2>/dev/null || return 1
		wm_i=$((wm_i + 1))
		[ $wm_i -le 100 ] || return 1
		sleep 0.1
	done
}

# bench_wait_until PID SECONDS WHAT COMMAND...: poll COMMAND every 0.1 s
# until it succeeds; the benchmark fails, naming WHAT, if PID dies first or
# SECONDS pass.
bench_wait_until() {
	wu_pid=$1
	wu_left=$(($2 * 10))
	wu_what=$3
	shift 3
	until "$@"; do
		kill -0 "$wu_pid" 2>/dev/null || bench_fail "$wu_what: it died"
		wu_left=$((wu_left - 1))
		[ $wu_left -gt 0 ] || bench_fail "$wu_what: not within ${2}s"
		sleep 0.1
	done
}

# bench_start_daemon [ARGS...]: mount rcapfs on $BENCH_MNT with a fresh
# state file, in the foreground in the background (BENCH_DPID, the keeper;
# BENCH_SPID its server), and wait until ctl/status answers. One daemon at
# a time.
bench_start_daemon() {
	[ -z "$BENCH_DPID" ] || bench_stop_daemon
	BENCH_MNT=$BENCH_TMP/mnt
	mkdir -p "$BENCH_MNT"
	rm -rf "$BENCH_TMP/state"
	"$RCAPFS" -f --state "$BENCH_TMP/state/state" "$@" "$BENCH_MNT" \
		>>"$BENCH_TMP/daemon.log" 2>&1 &
	BENCH_DPID=$!
	if ! bench_wait_mount "$BENCH_MNT" ctl/status "$BENCH_DPID"; then
		cat "$BENCH_TMP/daemon.log" >&2
		bench_fail "rcapfs did not come up"
	fi
	# The process that serves (BENCH_DPID is its keeper): what costs
	# are measured of.
	BENCH_SPID=$(awk '$1 == "pid" {print $2}' "$BENCH_MNT/ctl/status")
}

# bench_stop_daemon: unmount and reap the daemon.
bench_stop_daemon() {
	[ -n "$BENCH_DPID" ] || return 0
	fusermount3 -u "$BENCH_MNT" 2>/dev/null || umount "$BENCH_MNT"
	wait "$BENCH_DPID" 2>/dev/null
	BENCH_DPID=
}

# bench_cpu_ticks PID: utime + stime of PID, in clock ticks (bench_hz per
# second). Fields 14 and 15 of /proc/PID/stat, counted after the comm,
# which may hold spaces.
bench_cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

bench_hz() {
	getconf CLK_TCK
}

# bench_cpu_ns PID: CPU time of PID's live threads in nanoseconds (the
# first field of each task's schedstat), far finer than clock ticks;
# falls back to bench_cpu_ticks where the kernel has no schedstat.
bench_cpu_ns() {
	if [ -r "/proc/$1/schedstat" ]; then
		cat "/proc/$1"/task/*/schedstat 2>/dev/null |
			awk '{ ns += $1 } END { printf "%.0f\n", ns }'
	else
		echo $(($(bench_cpu_ticks "$1") * 1000000000 / $(bench_hz)))
	fi
}

# bench_rss_kb PID: VmRSS of PID in KiB.
bench_rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

bench_cleanup() {
	for m in $BENCH_MOUNTS; do
		fusermount3 -u "$m" 2>/dev/null
	done
	for p in $BENCH_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $BENCH_PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ -n "$BENCH_DPID" ]; then
		fusermount3 -u "$BENCH_MNT" 2>/dev/null
		wait "$BENCH_DPID" 2>/dev/null
	fi
	for m in $BENCH_MNT $BENCH_MOUNTS; do
		fusermount3 -u -z "$m" 2>/dev/null
	done
	[ -z "$BENCH_TMP" ] || rm -rf "$BENCH_TMP"
}

[ "$(id -u)" = 0 ] || bench_skip "needs root to mount FUSE filesystems"
[ -c /dev/fuse ] || bench_skip "no /dev/fuse on this machine"
command -v fusermount3 >/dev/null || bench_skip "fusermount3 missing"
[ -x "$RCAPFS" ] || bench_skip "rcapfs not built ($RCAPFS)"

BENCH_TMP=$(mktemp -d /tmp/rcapfs-bench-"$BENCH_NAME".XXXXXX) ||
	bench_fail "no scratch directory"
# Non-root readers must reach the mountpoint.
chmod 755 "$BENCH_TMP"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
