#!/bin/sh
# rcapfs quick start on Debian/Ubuntu.
#   ./quickstart.sh mount   install what is missing, build, and mount rcapfs at
#                           /run/rcapfs with its defaults, in the foreground
#   ./quickstart.sh test    install what is missing, build (gcc and clang,
#                           warnings as errors) and pass every test, under
#                           valgrind too
set -eu
cd "$(dirname "$0")"
SRC=$(pwd)
MNT=${RCAPFS_MOUNTPOINT:-/run/rcapfs}
JOBS=$(nproc 2>/dev/null || echo 2)

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

install_deps() {
	proc_dev=libproc2-dev
	pkgs="build-essential autoconf automake pkg-config fuse3 libfuse3-dev
		libcmocka-dev valgrind clang procps util-linux"
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
	build build-clang CC=clang --enable-werror
	build build --enable-werror
	status=0
	make -C build -j"$JOBS" check || status=1
	cp build/test-suite.log build/check.log 2>/dev/null || true
	{ make -C build check-valgrind 2>&1 || echo "FAIL: check-valgrind"; } |
		tee build/valgrind.out
	if grep -q '^FAIL' build/valgrind.out; then status=1; fi
	# Skipped tests say why; show it.
	grep -h '^SKIP' build/tests/*/*.log 2>/dev/null || true
	pass=$(($(count PASS build/check.log build/test-suite.log) +
		$(lines '^PASS: valgrind' build/valgrind.out)))
	fail=$(($(count FAIL build/check.log build/test-suite.log) +
		$(count ERROR build/check.log build/test-suite.log) +
		$(lines '^FAIL: valgrind' build/valgrind.out) +
		$(lines '^FAIL: check-valgrind' build/valgrind.out)))
	echo "$pass passed, $fail failed, $(count SKIP build/check.log build/test-suite.log) skipped"
	exit $status
	;;
*)
	echo "usage: ./quickstart.sh mount | test" >&2
	exit 2
	;;
esac
