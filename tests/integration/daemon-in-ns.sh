#!/bin/sh
# Where the daemon runs. In a "privileged container" (a mount namespace of
# its own, the host's pid namespace, the mountpoint's directory bound
# rshared: docker --privileged --pid=host -v /run/rcapfs:/run/rcapfs:rshared)
# its mount propagates to the host, which uses it as its own. Consumer
# containers (their own mount and pid namespaces, the directory bound
# rslave: docker -v /run/rcapfs:/run/rcapfs:rslave; one file bound alone)
# read and write through their binds, one of them bound before the daemon
# mounted. A daemon in a pid namespace of its own warns at start.
# Everything happens in a mount namespace of the test's own, private to
# the machine, so no mount outlives the test.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "pid namespaces"
require_mount_env
command -v unshare >/dev/null || skip "needs unshare (util-linux)"
command -v nsenter >/dev/null || skip "needs nsenter (util-linux)"
command -v mountpoint >/dev/null || skip "needs mountpoint (util-linux)"
if [ -z "${RCAPFS_TEST_NS:-}" ]; then
	unshare -m -p -f --mount-proc true >/dev/null 2>&1 ||
		skip "unshare cannot make pid and mount namespaces here"
	RCAPFS_TEST_NS=1
	export RCAPFS_TEST_NS
	exec unshare -m --propagation private "${BASH:-sh}" "$0"
fi
setup

# The host's tree: a shared mount (as / is under systemd, which docker's
# rshared needs) holding the mountpoint M.
H=$T/host
mkdir "$H"
mount -t tmpfs -o mode=755 rcapfs-host "$H"
mount --make-shared "$H"
# (Detached first, or the test's directory could not be removed.)
trap 'umount -l "$H"; teardown' EXIT
M=$H/run/rcapfs
mkdir -p "$M"

# inside PID CMD: a shell command run in the mount and pid namespaces of
# process PID.
inside() { nsenter -t "$1" -m -p sh -c "$2"; }

# consumer DIR: a container that binds M at DIR (in its own mount
# namespace) as docker's rslave volume does: everything it sees is a
# slave of the host's mounts, and mounts the host makes later reach it.
consumer() {
	mkdir -p "$1"
	container "mount --rbind '$M' '$1' && mount --make-rslave '$1'" \
		-m --propagation slave
}

# Consumer A binds the directory before any daemon mounted it.
A=$T/a/run/rcapfs
consumer "$A"
A_INIT=$INIT
A_C2=$C2
expect_eq "consumer A sees the bare directory" "" \
	"$(inside "$A_INIT" "ls '$A'")"

# The daemon's container: its own mount namespace (docker makes its root
# rshared when a volume is), the host's pid namespace; it binds M at D,
# rshared, and mounts there.
D=$T/d/run/rcapfs
mkdir -p "$D"
lock_daemons -s
daemon_container() {
	unshare -m --propagation shared sh -c "mount --rbind '$M' '$D' &&
		mount --make-rshared '$D' &&
		exec '$RCAPFS' -f --state '$STATE' '$D'" >>"$LOG" 2>&1 8>&- &
	DPID=$!
	daemon_ready
}
daemon_container
ok "the daemon's mount reaches the host"
check "the daemon has a mount namespace of its own" \
	[ "$(readlink "/proc/$DPID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
expect_eq "... and the host's pid namespace" "$(readlink /proc/self/ns/pid)" \
	"$(readlink "/proc/$DPID/ns/pid")"
check "no warning about pid namespaces" \
	sh -c "! grep -q 'initial pid namespace' '$LOG'"
check "the host's directory is a FUSE mount" \
	sh -c "grep -q ' $M fuse' /proc/self/mounts"

echo 1 >"$M/ctl/sample_interval"
check "the host makes a collection" mkdir "$M/caps/x"
echo 64M >"$M/caps/x/cap"
expect_eq "... and sets its cap" 67108864 "$(cat "$M/caps/x/cap")"
spawn_victim sleep 602
V=$VPID
echo "pid $V" >"$M/caps/x/members"
wait_for "a host process is a member, by its host pid" 20 \
	grep -qx "$V" "$M/caps/x/procs"
rss() { sed -n 's/^rss //p' "$M/caps/x/stats"; }
has_rss() { [ "$(rss)" -gt 0 ]; }
wait_for "the collection's rss is measured" 20 has_rss

wait_for "consumer A, bound before, received the mount" 20 \
	inside "$A_INIT" "cat '$A/ctl/status' >/dev/null"
expect_eq "consumer A reads the cap" 67108864 \
	"$(inside "$A_INIT" "cat '$A/caps/x/cap'")"
check "consumer A writes the cap" inside "$A_INIT" "echo 32M >'$A/caps/x/cap'"
expect_eq "... and the host reads it" 33554432 "$(cat "$M/caps/x/cap")"
check "consumer A binds its pid 2 in its numbering" \
	inside "$A_INIT" "echo 'pid 2' >>'$A/caps/x/members'"
wait_for "... a member by its host pid" 20 grep -qx "$A_C2" "$M/caps/x/procs"
expect_eq "consumer A's procs: its own number only" 2 \
	"$(inside "$A_INIT" "cat '$A/caps/x/procs'")"

# Consumer B binds the directory once mounted (docker -v ...:rslave on a
# running daemon), and binds one file alone.
B=$T/b/run/rcapfs
consumer "$B"
B_INIT=$INIT
F=$T/b/cap
touch "$F"
check "consumer B binds caps/x/cap alone" \
	inside "$B_INIT" "mount --bind '$B/caps/x/cap' '$F'"
expect_eq "consumer B reads the cap through its file" 33554432 \
	"$(inside "$B_INIT" "cat '$F'")"
check "consumer B writes it" inside "$B_INIT" "echo 48M >'$F'"
expect_eq "... and the host reads it" 50331648 "$(cat "$M/caps/x/cap")"
echo 16M >"$M/caps/x/cap"
expect_eq "the host writes, the file reads it" 16777216 \
	"$(inside "$B_INIT" "cat '$F'")"
expect_eq "... and consumer A" 16777216 \
	"$(inside "$A_INIT" "cat '$A/caps/x/cap'")"
expect_eq "the daemon's own view" 16777216 \
	"$(nsenter -t "$DPID" -m cat "$D/caps/x/cap")"

# SIGTERM in the daemon's container unmounts there, and so on the host.
term_daemon "SIGTERM"
check "the host's directory is no longer a mount" \
	sh -c "! mountpoint -q '$M'"
check "... nor consumer A's FUSE mount" \
	inside "$A_INIT" "! grep -q ' $A fuse' /proc/self/mounts"
check "consumer B's file, bound from the mount that ended, fails" \
	inside "$B_INIT" "! cat '$F' 2>/dev/null"

# Started again, the daemon's new mount reaches the host and consumer A,
# whose bind came before any mount, but not B, which bound the old one.
daemon_container
wait_for "consumer A receives the new mount" 20 \
	inside "$A_INIT" "cat '$A/ctl/status' >/dev/null"
expect_eq "... with the cap restored" 16777216 \
	"$(inside "$A_INIT" "cat '$A/caps/x/cap'")"
check "consumer B's directory does not" \
	inside "$B_INIT" "! cat '$B/ctl/status' 2>/dev/null"
term_daemon "SIGTERM again"

# A daemon in its own pid namespace (docker without --pid=host) mounts,
# but warns at start. U is unshare, the daemon its child (pid 1 there).
M=$H/run/rcapfs-pidns
mkdir "$M"
unshare -m -p -f --mount-proc --propagation unchanged --kill-child \
	"$RCAPFS" -f --state "$T/state/pidns" "$M" >>"$LOG" 2>&1 8>&- &
DPID=$!
VICTIMS="$VICTIMS $DPID"
daemon_ready
check "a daemon in its own pid namespace warns" \
	grep -q 'rcapfs runs outside the host.s initial pid namespace' "$LOG"
check "... naming --pid=host" grep -q 'docker --pid=host' "$LOG"
kill -TERM "$(children "$DPID")"
status=0
daemon_exit || status=$?
expect_eq "... and ends at SIGTERM with 0" 0 "$status"
