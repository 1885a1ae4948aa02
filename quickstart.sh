#!/bin/sh
# rcapfs quick start on Debian/Ubuntu.
#   ./quickstart.sh mount   install what is missing, build, and mount rcapfs at
#                           /run/rcapfs with its defaults, in the foreground
#   ./quickstart.sh test    install what is missing, build (gcc, and clang
#                           with ASan and UBSan; warnings as errors), check
#                           the layout of the C files, and pass every test:
#                           plain, with the stub backend of hosts without a
#                           port, under valgrind, under the sanitizers; then
#                           the fuzzers briefly and the short reliability
#                           report
set -eu
cd "$(dirname "$0")"
SRC=$(pwd)
MNT=${RCAPFS_MOUNTPOINT:-/run/rcapfs}
JOBS=$(nproc 2>/dev/null || echo 2)

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

install_deps() {
	proc_dev=libproc2-dev
	pkgs="build-essential autoconf automake pkg-config fuse3 libfuse3-dev
		libcmocka-dev valgrind clang clang-format procps util-linux"
	missing=
	for p in $pkgs $proc_dev; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	echo "quickstart: installing$missing"
	$SUDO apt-get update -qq
	# Older releases ship procps 3 as libprocps-dev instead of libproc2-dev.
	if ! apt-cache show libproc2-dev >/dev/null 2>&1; then
		missing=$(echo "$missing" | sed 's/libproc2-dev/libprocps-dev/')
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
}

# build DIR [CONFIGURE ARGS...]: an out-of-tree build in DIR.
build() {
	dir=$1
	shift
	[ -x "$SRC/configure" ] || "$SRC/autogen.sh" >/dev/null
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && "$SRC/configure" -q "$@")
	fi
	make -C "$dir" -j"$JOBS" >/dev/null
}

# lines REGEX FILE: how many lines match (0 when none).
lines() {
	grep -c "$1" "$2" || true
}

# count KEY FILE...: sum of automake's "# KEY: N" summary lines.
count() {
	key=$1
	shift
	cat "$@" 2>/dev/null | sed -n "s/^# $key: *//p" |
		awk '{ n += $1 } END { print n + 0 }'
}

case ${1:-} in
mount)
	install_deps
	build build
	echo "quickstart: mounting rcapfs at $MNT (Ctrl-C to unmount)"
	exec $SUDO "$SRC/build/rcapfs" -f "$MNT"
	;;
test)
	install_deps
	build build --enable-werror
	build build-san CC=clang --enable-werror --enable-sanitizers
	build build-stub --enable-werror --with-backend=stub
	status=0
	# stage NAME COMMAND...: run one stage, its output kept in
	# build/NAME.out, one PASS or FAIL line for it in build/stages.
	stage() {
		name=$1
		shift
		if "$@" >"build/$name.out" 2>&1; then r=PASS; else r=FAIL; fi
		echo "$r: $name" | tee -a build/stages
		[ "$r" = PASS ] || { tail -n 60 "build/$name.out"; status=1; }
	}
	# failures DIR: after a failed stage, the end of each failed test's
	# log, so that a CI run shows why, not only which.
	failures() {
		tail -n 1 build/stages | grep -q '^FAIL' || return 0
		grep -l ':test-result: \(FAIL\|ERROR\)' \
			"$1"/tests/*/*.trs 2>/dev/null | while read -r trs; do
			echo "--- ${trs%.trs}.log (last 80 lines)"
			tail -n 80 "${trs%.trs}.log"
		done
	}
	: >build/stages
	# Every .c and .h as the repository's .clang-format lays it out.
	stage format-check make -C build format-check
	# gcc: unit and integration tests, then all of them under memcheck.
	stage check make -C build -j"$JOBS" check
	cp build/test-suite.log build/check.log
	failures build
	# The stub backend: the tree mounts and serves, says enforcement is
	# unsupported; what needs Linux skips, saying so.
	stage check-stub make -C build-stub -j"$JOBS" check
	cp build-stub/test-suite.log build/check-stub.log
	failures build-stub
	stage check-valgrind make -C build check-valgrind
	cp build/test-suite.log build/check-valgrind.log
	failures build
	# clang with ASan and UBSan: the whole suite again.
	stage check-sanitizers make -C build-san -j"$JOBS" check
	cp build-san/test-suite.log build/check-sanitizers.log
	failures build-san
	# Every fuzzer for a few seconds (libFuzzer, clang).
	stage fuzz-short make -C build-san fuzz-short
	# The reliability report, short version.
	stage check-reliability make -C build check-reliability \
		RELIABILITY_SHORT=1
	sed -n '/^reliability report/,$p' build/check-reliability.out
	# Skipped tests say why; show it.
	grep -h '^SKIP' build/tests/*/*.log build-san/tests/*/*.log \
		build-stub/tests/*/*.log 2>/dev/null | sort -u || true
	logs="build/check.log build/check-stub.log build/check-valgrind.log
		build/check-sanitizers.log"
	# shellcheck disable=SC2086
	pass=$(($(count PASS $logs) + $(lines '^PASS: valgrind' build/check-valgrind.out) +
		$(lines '^PASS: \(fuzz\|check-rel\|format\)' build/stages)))
	# shellcheck disable=SC2086
	fail=$(($(count FAIL $logs) + $(count ERROR $logs) +
		$(lines '^FAIL: valgrind' build/check-valgrind.out) +
		$(lines '^FAIL: \(fuzz\|check-rel\|format\)' build/stages)))
	# shellcheck disable=SC2086
	[ "$fail" = 0 ] && [ "$status" != 0 ] && fail=1
	# shellcheck disable=SC2086
	echo "$pass passed, $fail failed, $(count SKIP $logs) skipped"
	exit $status
	;;
*)
	echo "usage: ./quickstart.sh mount | test" >&2
	exit 2
	;;
esac
