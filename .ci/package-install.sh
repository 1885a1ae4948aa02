#!/bin/sh
# .ci/package-install.sh TREE DEB...: the packages installed on this machine,
# the daemon started the way rcapfs.service starts it, then removed and
# purged. No systemd runs here, so the unit's own lines are run: ExecStart
# under its CapabilityBoundingSet= and NoNewPrivileges=, with a
# NOTIFY_SOCKET to catch READY=1, in a private mount namespace so that the
# mount goes with the test; then ExecStop and ExecStopPost. A victim owned
# by nobody (TREE/tests/victim, from the package build) is capped, which
# needs every capability the unit keeps. After dpkg -r nothing of the
# package is left but its state and dpkg's and deb-systemd-helper's records
# of a removed package; after dpkg --purge, nothing. Exit 77 = skip;
# `--why` prints why this machine would skip, nothing if it would not.
set -eu

UNIT=/lib/systemd/system/rcapfs.service
M=/run/rcapfs
STATE_DIR=/var/lib/rcapfs
FAILS=0

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

ok() {
	echo "ok: $*"
}

# check DESCRIPTION COMMAND...
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds; a deadline that
# only guards against a hang.
wait_for() {
	wf_n=$(($1 * 10))
	shift
	while ! "$@"; do
		wf_n=$((wf_n - 1))
		[ "$wf_n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# unit_line KEY: the value of KEY= in the installed unit, without the
# "-" that lets a command fail.
unit_line() {
	sed -n "s/^$1=-\{0,1\}//p" "$UNIT"
}

# rss_at_least BYTES, rss_at_most BYTES: of the collection pkg.
rss_at_least() {
	[ "$(cat "$M/caps/pkg/rss")" -ge "$1" ]
}

rss_at_most() {
	[ "$(cat "$M/caps/pkg/rss")" -le "$1" ]
}

# expand_filter ENTRY...: the system calls SystemCallFilter= ENTRY...
# allows, each @group expanded, and the groups it names in turn.
expand_filter() {
	for e in "$@"; do
		case $e in
		@*)
			# shellcheck disable=SC2046
			expand_filter $(systemd-analyze syscall-filter "$e" |
				sed -n 's/^ \{1,\}\([@a-z0-9_-]\{1,\}\)$/\1/p')
			;;
		*) echo "$e" ;;
		esac
	done
}

# The rcapfs-related names on the system: what a package left behind.
names() {
	find /etc /usr /var /run \( -path /var/log -o -path /var/cache \
		-o -path /var/tmp -o -path /run/user \) -prune -o \
		-name '*rcapfs*' -print 2>/dev/null | sort
}

# session T TREE: inside the private mount namespace, the unit's life.
session() {
	T=$1
	TREE=$2
	# The service manager's end of NOTIFY_SOCKET.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode() + "\n")
        out.flush()
' "$T/notify" "$T/notify.out" &
	LPID=$!
	wait_for 30 test -S "$T/notify" || {
		fail "the notify socket listener did not start"
		return 1
	}
	# CAP_SYS_ADMIN CAP_X -> -all,+sys_admin,+x
	bset=-all
	for c in $(unit_line CapabilityBoundingSet); do
		bset="$bset,+$(echo "${c#CAP_}" | tr '[:upper:]' '[:lower:]')"
	done
	nnp=
	[ "$(unit_line NoNewPrivileges)" = yes ] && nnp=--no-new-privs
	echo "ExecStart: $(unit_line ExecStart) (bounding set $bset $nnp)"
	# strace (when there) records the daemon's system calls for the
	# check against SystemCallFilter= below.
	trace=
	command -v strace >/dev/null && trace="strace -f -qq -o $T/trace"
	# shellcheck disable=SC2046,SC2086
	NOTIFY_SOCKET=$T/notify setpriv --bounding-set="$bset" $nnp \
		$trace $(unit_line ExecStart) >"$T/daemon.log" 2>&1 &
	DPID=$!
	if ! wait_for 60 grep -qx READY=1 "$T/notify.out"; then
		fail "no READY=1 from the daemon"
		cat "$T/daemon.log"
		kill "$DPID" "$LPID" 2>/dev/null
		return 1
	fi
	ok "READY=1"
	# Ready means the mount answers: no wait here.
	check "ctl/status readable at READY" cat "$M/ctl/status" >"$T/status"
	cat "$T/status"
	version=$(dpkg-query -W -f '${Version}' rcapfs)
	check "status: version $version" grep -qx "version $version" "$T/status"
	check "status: enforcement supported" \
		grep -qx "enforcement supported" "$T/status"
	check "status: page frames visible (CAP_SYS_ADMIN)" \
		grep -qx "pfn_visible 1" "$T/status"
	check "status: process_madvise" grep -qx "process_madvise 1" "$T/status"
	# Only the victim is held to anything here.
	echo 0 >"$M/ctl/rlimit_rss"
	echo 1 >"$M/ctl/sample_interval"
	echo 1 >"$M/ctl/scan_interval"

	# Another user's process: smaps and pagemap need CAP_SYS_PTRACE and
	# CAP_DAC_OVERRIDE, its pageout CAP_SYS_NICE.
	mkdir -m 0777 "$T/v"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TREE/tests/victim" --file "$T/v/data" --size 64 \
		>"$T/v/out" 2>&1 &
	VPID=$!
	wait_for 60 grep -qs ready "$T/v/out" || fail "the victim did not start"
	mkdir "$M/caps/pkg"
	echo "pid $VPID" >"$M/caps/pkg/members"
	check "nobody's victim sampled" wait_for 60 rss_at_least $((48 << 20))
	cap=$(($(cat "$M/caps/pkg/rss") / 4))
	echo "$cap" >"$M/caps/pkg/cap"
	check "nobody's victim paged out under a cap of a quarter of it" \
		wait_for 60 rss_at_most "$cap"
	pd=$(wc -c <"$M/proc/$VPID/pagedata")
	check "nobody's pagedata read ($pd bytes)" test "$pd" -gt 32
	kill "$VPID"

	ExecStop=$(unit_line ExecStop)
	echo "ExecStop: $ExecStop"
	# shellcheck disable=SC2086
	check "ExecStop succeeds" $ExecStop
	rc=0
	wait "$DPID" || rc=$?
	check "the daemon exits 0 after ExecStop (exit $rc)" test "$rc" = 0
	check "STOPPING=1" grep -qx STOPPING=1 "$T/notify.out"
	check "unmounted" sh -c "! mountpoint -q $M"
	ExecStopPost=$(unit_line ExecStopPost)
	echo "ExecStopPost: $ExecStopPost"
	# shellcheck disable=SC2086
	$ExecStopPost || true
	check "ExecStopPost removed the mountpoint" test ! -e "$M"
	check "the state kept the collection" grep -q pkg "$STATE_DIR/state"
	if [ -n "$trace" ]; then
		sed -n 's/^[0-9]* \([a-z0-9_]*\)(.*/\1/p' "$T/trace" |
			sort -u >"$T/syscalls"
		# shellcheck disable=SC2046
		expand_filter $(unit_line SystemCallFilter) | sort -u >"$T/allowed"
		comm -23 "$T/syscalls" "$T/allowed" >"$T/denied"
		check "SystemCallFilter= allows the $(wc -l <"$T/syscalls") system calls made ($(tr '\n' ' ' <"$T/denied"))" \
			test ! -s "$T/denied"
	else
		echo "SKIP: the system calls against SystemCallFilter=: no strace"
	fi
	kill "$LPID"
	echo "daemon log:"
	cat "$T/daemon.log"
	[ "$FAILS" = 0 ]
}

# why_not: why this machine cannot run the test; nothing when it can.
why_not() {
	[ "$(id -u)" = 0 ] || { echo "the install test needs root"; return; }
	[ -c /dev/fuse ] || { echo "the install test needs /dev/fuse"; return; }
	for c in python3 setpriv unshare dpkg pkg-config cc; do
		command -v "$c" >/dev/null ||
			{ echo "the install test needs $c"; return; }
	done
	# Never take over, or purge, an rcapfs someone installed or runs.
	if dpkg-query -W -f '${Status}' rcapfs 2>/dev/null | grep -q installed ||
		[ -e "$STATE_DIR" ] || [ -e "$M" ]; then
		echo "rcapfs is installed, or $STATE_DIR or $M exists" \
			"(dpkg --purge rcapfs rcapfs-dev, and remove them, to run it)"
	fi
}

case ${1:-} in
--why)
	why_not
	exit 0
	;;
--session)
	shift
	session "$@"
	exit
	;;
esac
why=$(why_not)
[ -z "$why" ] || { echo "SKIP: $why"; exit 77; }
TREE=$1
shift

T=$(mktemp -d /tmp/rcapfs-package.XXXXXX)
chmod 0755 "$T"
installed=
cleanup() {
	[ -z "$installed" ] ||
		dpkg --purge rcapfs rcapfs-dev >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
names >"$T/names.before"
installed=1
dpkg -i "$@"
check "rcapfs.pc: version $(dpkg-query -W -f '${Version}' rcapfs-dev)" test \
	"$(pkg-config --modversion rcapfs)" = \
	"$(dpkg-query -W -f '${Version}' rcapfs-dev)"
# shellcheck disable=SC2046
check "a C consumer of the layouts builds with pkg-config rcapfs" \
	sh -c "printf '%s\n' '#include <rcapfs/procfs.h>' \
		'_Static_assert(sizeof(prpageheader_t) == 32, \"\");' \
		'int main(void) { return 0; }' |
		cc \$(pkg-config --cflags rcapfs) -x c - -o $T/consumer"
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify $UNIT" systemd-analyze verify "$UNIT"
else
	echo "SKIP: systemd-analyze verify: no systemd-analyze"
fi
# StateDirectory= and StateDirectoryMode=, as systemd would make them.
check "StateDirectory=rcapfs" test "$(unit_line StateDirectory)" = rcapfs
mkdir -m "$(unit_line StateDirectoryMode)" "$STATE_DIR"
check "the unit's life, in a private mount namespace" \
	unshare -m --propagation private "$0" --session "$T" "$TREE"

dpkg -r rcapfs rcapfs-dev
names >"$T/names.removed"
# What dpkg and deb-systemd-helper keep of a removed (not purged) package.
echo "after dpkg -r:"
comm -13 "$T/names.before" "$T/names.removed" | tee "$T/kept"
grep -v -e "^$STATE_DIR" -e '^/var/lib/dpkg/info/rcapfs\.' \
	-e '^/var/lib/systemd/deb-systemd-helper-' \
	-e '^/etc/systemd/system/.*rcapfs\.service$' "$T/kept" >"$T/left" || true
check "dpkg -r: nothing left but the state ($(cat "$T/left"))" \
	test ! -s "$T/left"
check "dpkg -r: the state kept" test -s "$STATE_DIR/state"
dpkg --purge rcapfs rcapfs-dev
installed=
names >"$T/names.purged"
comm -13 "$T/names.before" "$T/names.purged" >"$T/left"
check "dpkg --purge: nothing left ($(cat "$T/left"))" test ! -s "$T/left"
echo "$FAILS failed"
[ "$FAILS" = 0 ]
