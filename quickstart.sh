#!/bin/sh
# rcapfs quick start on Debian/Ubuntu.
#   ./quickstart.sh mount   install what is missing, build, and mount rcapfs at
#                           /run/rcapfs with its defaults, in the foreground
#   ./quickstart.sh test    install what is missing, build (gcc, and clang
#                           with ASan and UBSan; warnings as errors), check
#                           the layout of the C files, and pass every test:
#                           plain, with the stub backend of hosts without a
#                           port, under valgrind, under the sanitizers, and
#                           from a release tarball (make distcheck); then
#                           the fuzzers briefly and the short reliability
#                           report
set -eu
cd "$(dirname "$0")"
SRC=$(pwd)
MNT=${RCAPFS_MOUNTPOINT:-/run/rcapfs}
JOBS=$(nproc 2>/dev/null || echo 2)

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

# installed PACKAGE[:ARCH]: whether dpkg has it installed, for this machine's
# architecture (or all) unless ARCH says which. "dpkg -s" fails on a name
# installed for two architectures, as libfuse3-dev is once the arm64 port
# has its own.
installed() {
	case $1 in
	*:*) archs=${1#*:} ;;
	*) archs="all $(dpkg --print-architecture)" ;;
	esac
	dpkg-query -W -f='${db:Status-Abbrev} ${Architecture}\n' "$1" \
		2>/dev/null | awk -v a=" $archs " \
		'$1 == "ii" && index(a, " " $2 " ") { f = 1 } END { exit !f }'
}

# missing PACKAGE...: those not installed (see installed), each after a
# space.
missing() {
	for p in "$@"; do
		installed "$p" || printf ' %s' "$p"
	done
}

install_deps() {
	proc_dev=libproc2-dev
	# prometheus (promtool), prometheus-node-exporter and curl: the
	# metrics test; gnuplot-nox: examples/plot-caps.sh and its test;
	# python3-yaml: the check of examples/k8s.
	pkgs="build-essential autoconf automake pkg-config fuse3 libfuse3-dev
		libsystemd-dev libcmocka-dev valgrind clang clang-format procps
		util-linux prometheus prometheus-node-exporter curl gnuplot-nox
		python3-yaml"
	# shellcheck disable=SC2086
	missing=$(missing $pkgs $proc_dev)
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

# The ports checked by `test` beyond the native build: the whole tree
# cross-built for arm64, and the readers of pagedata and xmap built as
# 32-bit (i386) programs. Their packages come from Debian's multiarch
# archive; a machine that cannot have them skips these stages and says why
# (PORT_WHY_ARM64, PORT_WHY_I386).
PORT_WHY_ARM64=
PORT_WHY_I386=

# port_install ARCH PACKAGE...: install what is missing, adding the foreign
# architecture ARCH first if dpkg does not have it (and taking it away again
# if the install fails). Never removes a package: gcc-multilib, for one,
# cannot stay beside a cross compiler on Debian 12, so the i386 readers use
# its parts (lib32gcc, libc6-dev-i386, linux-libc-dev:i386) instead.
port_install() {
	arch=$1
	shift
	missing=$(missing "$@")
	[ -n "$missing" ] || return 0
	echo "quickstart: installing$missing"
	added=
	if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
		$SUDO dpkg --add-architecture "$arch" || return 1
		added=$arch
	fi
	# shellcheck disable=SC2086
	if $SUDO apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
			--no-remove --no-install-recommends $missing; then
		return 0
	fi
	[ -z "$added" ] || $SUDO dpkg --remove-architecture "$added" || true
	return 1
}

install_port_deps() {
	if [ "$(dpkg --print-architecture 2>/dev/null)" != amd64 ]; then
		PORT_WHY_ARM64="this is not an amd64 Debian machine"
		PORT_WHY_I386=$PORT_WHY_ARM64
		return 0
	fi
	gcc_major=$(gcc -dumpversion | cut -d. -f1)
	# libc6-dev-i386 recommends gcc-multilib, which the cross compiler
	# cannot stay beside: installed that way before (automatically), it
	# goes, since the i386 readers do without it.
	for p in gcc-multilib "gcc-$gcc_major-multilib"; do
		if installed "$p" && apt-mark showauto "$p" | grep -qx "$p"; then
			DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y \
				-qq "$p" || true
		fi
	done
	port_install i386 "lib32gcc-$gcc_major-dev" libc6-dev-i386 \
		linux-libc-dev:i386 ||
		PORT_WHY_I386="apt-get could not install lib32gcc-$gcc_major-dev, libc6-dev-i386 and linux-libc-dev:i386"
	# Asked of the native archive: before arm64 is a foreign architecture
	# of dpkg, apt knows no arm64 package at all.
	proc_dev=libproc2-dev
	apt-cache show libproc2-dev >/dev/null 2>&1 || proc_dev=libprocps-dev
	port_install arm64 gcc-aarch64-linux-gnu libfuse3-dev:arm64 \
		libcmocka-dev:arm64 "$proc_dev:arm64" ||
		PORT_WHY_ARM64="apt-get could not install gcc-aarch64-linux-gnu and the arm64 libfuse3-dev, libcmocka-dev and $proc_dev"
}

# The Debian packages (debian/): built, checked by lintian, installed,
# run as the unit runs the daemon and purged. What they need is installed
# here; a machine that cannot have it skips them, saying why.
PKG_WHY=
install_package_deps() {
	command -v apt-get >/dev/null 2>&1 || {
		PKG_WHY="this is not a Debian machine (no apt-get)"
		return 0
	}
	# systemd for systemd-analyze (it installs without running); python3
	# for the install test's NOTIFY_SOCKET, strace for its system calls.
	missing=$(missing debhelper lintian dpkg-dev fakeroot systemd python3 \
		strace)
	[ -n "$missing" ] || return 0
	echo "quickstart: installing$missing"
	# shellcheck disable=SC2086
	$SUDO apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
			--no-remove $missing ||
		PKG_WHY="apt-get could not install$missing"
}

# package DIR: the .debs built in DIR from a clean copy of the tree (what
# git tracks, and what it would track, as it is now), with
# dpkg-buildpackage; then lintian, whose errors fail. make check runs in
# stages of its own: nocheck here.
package() {
	dir=$1
	version=$(dpkg-parsechangelog -S Version)
	ac=$(sed -n 's/^AC_INIT(\[rcapfs\], \[\([^]]*\)\].*/\1/p' configure.ac)
	if [ "$version" != "$ac" ]; then
		echo "debian/changelog says $version, configure.ac $ac"
		return 1
	fi
	rm -rf "$dir"
	mkdir -p "$dir/rcapfs-$version"
	# shellcheck disable=SC2016
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ |
		tar --null -T - -cf - | tar -xf - -C "$dir/rcapfs-$version" ||
		return 1
	(cd "$dir/rcapfs-$version" &&
		DEB_BUILD_OPTIONS="nocheck parallel=$JOBS" \
			dpkg-buildpackage -us -uc -b) || return 1
	lintian --fail-on error --info --pedantic "$dir"/rcapfs_*.changes
}

# package_install DIR: .ci/package-install.sh on what package DIR built.
package_install() {
	.ci/package-install.sh "$1"/rcapfs-[0-9]*/ "$1"/rcapfs_*.deb \
		"$1"/rcapfs-dev_*.deb
}

# port_stage NAME WHY COMMAND...: the stage NAME (see stage) and how long it
# took, or when WHY is set, a SKIP line that says why.
port_stage() {
	name=$1
	why=$2
	shift 2
	if [ -n "$why" ]; then
		echo "SKIP: $name because $why" | tee -a build/stages
		return 0
	fi
	t0=$(date +%s)
	stage "$name" "$@"
	echo "$name: $(($(date +%s) - t0)) s"
}

# machines DIR PROGRAM...: "PROGRAM: MACHINE" from each one's ELF header.
machines() {
	dir=$1
	shift
	for p in "$@"; do
		echo "$p: $(readelf -h "$dir/$p" | sed -n 's/^ *Machine: *//p')"
	done
}

# cross_arm64: every program of the tree (daemon, examples, tools,
# benchmarks, tests) compiled and linked for aarch64, warnings as errors;
# nothing runs. Each must be an AArch64 ELF.
cross_arm64() {
	build build-arm64 --host=aarch64-linux-gnu --enable-werror \
		PKG_CONFIG=pkg-config \
		PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig ||
		return 1
	make -C build-arm64 -j"$JOBS" check TESTS= >/dev/null || return 1
	# shellcheck disable=SC2016
	progs=$(printf 'p:\n\t@echo $(bin_PROGRAMS) $(noinst_PROGRAMS) $(check_PROGRAMS)\n' |
		make -s -C build-arm64 -f Makefile -f - p) || return 1
	# shellcheck disable=SC2086
	machines build-arm64 $progs | tee build-arm64/machines
	[ -n "$progs" ] && ! grep -v ': AArch64$' build-arm64/machines
}

# i386_readers: pmapx, wss and procfs-dump built as i386 programs in the
# native build (configure's "32-bit readers"); the check stages then run
# tests/integration/procfs32.sh, which compares what they read from the
# 64-bit daemon with what the 64-bit readers read.
i386_readers() {
	progs="tests/integration/procfs-dump32 tests/integration/pmapx32
		tests/integration/wss32"
	# shellcheck disable=SC2086
	if ! make -C build -j"$JOBS" $progs; then
		echo "the 32-bit readers do not build, or configure did not" \
			"find that $(sed -n 's/^CC = //p' build/Makefile) -m32" \
			"links (see build/config.log)"
		return 1
	fi
	# shellcheck disable=SC2086
	machines build $progs | tee build/i386-machines
	! grep -v ': Intel 80386$' build/i386-machines
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
	install_port_deps
	install_package_deps
	build build --enable-werror
	build build-san CC=clang --enable-werror --enable-sanitizers
	build build-stub --enable-werror --with-backend=stub --without-libsystemd
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
	# The ports: an arm64 cross-build, and 32-bit readers.
	port_stage cross-arm64 "$PORT_WHY_ARM64" cross_arm64
	port_stage i386-readers "$PORT_WHY_I386" i386_readers
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
	# A release tarball (make dist) configured, built and checked out of
	# tree, with its source read-only, then installed and uninstalled.
	stage distcheck make -C build -j"$JOBS" distcheck
	failures "$(echo build/rcapfs-*/_build/sub)"
	# The .debs: built from a clean copy, lintian, then installed, the
	# daemon run by the unit's lines and checked, removed and purged.
	port_stage package "$PKG_WHY" package build/package
	why=$PKG_WHY
	[ -n "$why" ] || ls build/package/rcapfs_*.deb >/dev/null 2>&1 ||
		why="the package did not build"
	[ -n "$why" ] || why=$(.ci/package-install.sh --why)
	port_stage package-install "$why" package_install build/package
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
		$(lines '^PASS: \(fuzz\|check-rel\|format\|cross\|i386\|distcheck\|package\)' build/stages)))
	# shellcheck disable=SC2086
	fail=$(($(count FAIL $logs) + $(count ERROR $logs) +
		$(lines '^FAIL: valgrind' build/check-valgrind.out) +
		$(lines '^FAIL: \(fuzz\|check-rel\|format\|cross\|i386\|distcheck\|package\)' build/stages)))
	# shellcheck disable=SC2086
	[ "$fail" = 0 ] && [ "$status" != 0 ] && fail=1
	# shellcheck disable=SC2086
	skip=$(($(count SKIP $logs) + $(lines '^SKIP' build/stages)))
	echo "$pass passed, $fail failed, $skip skipped"
	exit $status
	;;
*)
	echo "usage: ./quickstart.sh mount | test" >&2
	exit 2
	;;
esac
