#!/bin/sh
# run.sh SRCDIR TARGET...: run each libFuzzer target tests/fuzz/fuzz_TARGET
# of the build directory (the current one) for $FUZZ_SECONDS (default 60),
# starting from its seed corpus and saved regressions. Inputs that add
# coverage go to tests/fuzz/work/TARGET/ in the build directory; crashers,
# leaks and timeouts go to SRCDIR/tests/fuzz/regressions/TARGET/, where
# `make check` replays them. Exits 1 when any target failed.
set -u
srcdir=$1
shift
secs=${FUZZ_SECONDS:-60}

# The state target saves with fsync: on tmpfs that costs nothing.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi

status=0
for t in "$@"; do
	case $t in
	cap | ctl) max_len=4096 ;;
	members | stats | project) max_len=65536 ;;
	state) max_len=262144 ;;
	*)
		echo "run.sh: unknown target $t" >&2
		exit 2
		;;
	esac
	work=tests/fuzz/work/$t
	saved=$srcdir/tests/fuzz/regressions/$t
	log=tests/fuzz/fuzz_$t.log
	mkdir -p "$work" "$saved" || exit 2
	dict=
	[ -s "$srcdir/tests/fuzz/dict/$t.dict" ] &&
		dict=-dict=$srcdir/tests/fuzz/dict/$t.dict
	# -close_fd_mask=2: the daemon's log lines go nowhere; libFuzzer and
	# the targets report through their own copy of stderr (the log).
	./tests/fuzz/fuzz_"$t" -max_total_time="$secs" -max_len="$max_len" \
		-timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
		-print_final_stats=1 -artifact_prefix="$saved/" ${dict:+"$dict"} \
		"$work" "$srcdir/tests/fuzz/corpus/$t" "$saved" 2>"$log"
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" = 0 ]; then
		echo "PASS: fuzz $t: ${runs:-?} runs in ${secs} s"
	else
		echo "FAIL: fuzz $t (exit $rc); new inputs in $saved; log $log:"
		tail -n 60 "$log"
		status=1
	fi
done
exit $status
