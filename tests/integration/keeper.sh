#!/bin/sh
# The keeper (doc/design.md §6), with keeperfs, a small filesystem served
# through it as rcapfs is: a server killed with -9 is replaced on the same
# connection (readers, a blocked read, a "container" with a directory and
# a single-file bind never see ENOTCONN), SIGHUP replaces the server with
# the binary on disk, a server dying at start is restarted with backoff,
# SIGTERM and an unmount from outside end the keeper with 0, and a kill -9
# of the keeper ends the mount (as a daemon's death did). Runs in a
# private mount namespace, so its mounts vanish with it.
. "$top_builddir/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/lib-keeper.sh"
require_mount_env
KFS=$top_builddir/tests/integration/keeperfs
[ -x "$KFS" ] || skip "keeperfs not built"
keeper_namespaces
setup
KD=$T/kdir
BIN=$T/bin/keeperfs
mkdir -p "$KD" "$T/bin"
# The keeper runs a copy, so that the test can put a new binary in its
# place for SIGHUP.
cp "$KFS" "$BIN"
# Under memcheck servers start slowly: deadlines (never assertions)
# grow.
WAIT=30
[ -n "${RCAPFS_VALGRIND:-}" ] && WAIT=180

launch_keeper() {
	lib_vg=
	[ -n "${RCAPFS_VALGRIND:-}" ] &&
		lib_vg="$RCAPFS_VALGRIND --trace-children=yes --log-file=$T/valgrind.%p.log"
	# shellcheck disable=SC2086
	KEEPERFS_DIR=$KD $lib_vg "$BIN" "$M" >>"$LOG" 2>&1 &
	DPID=$!
	STATUS=$M/status
}

start_keeper() {
	launch_keeper
	wait_for "the keeper's mount answers" "$WAIT" cat "$M/status" \
		>/dev/null 2>&1 || exit 1
}

start_keeper
S=$(status_of pid)
expect_eq "status keeper_pid is the keeper" "$DPID" "$(status_of keeper_pid)"
expect_eq "status server_restarts 0" 0 "$(status_of server_restarts)"
expect_eq "the server is the keeper's child" "$DPID" \
	"$(awk '$1 == "PPid:" {print $2}' "/proc/$S/status")"
want_resend=0
kv=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
[ "$kv" -ge 6009 ] && want_resend=1
expect_eq "status resend as the kernel (6.9 or later)" "$want_resend" \
	"$(status_of resend)"
RESEND=$(status_of resend)
# fdinfo flags are octal; 02000000 is O_CLOEXEC.
fuse_fds_cloexec() {
	for lib_fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$lib_fd")" = /dev/fuse ] || continue
		lib_fl=$(awk '$1 == "flags:" {print $2}' \
			"/proc/$1/fdinfo/${lib_fd##*/}")
		[ $((0$lib_fl & 02000000)) -ne 0 ] || return 1
	done
}
check "the server's /dev/fuse descriptor is close-on-exec" fuse_fds_cloexec "$S"
check "the keeper's too" fuse_fds_cloexec "$DPID"

# kill -9 of the server amid reads: the same mount answers again, no read
# fails, the counter written before is still there.
echo 41 >"$M/counter"
echo hello >"$T/host.want"
reader_start host "cat '$M/hello'"
wait_for "the reader reads" "$WAIT" reads_past host 3
kill -9 "$S"
wait_for "a new server answers after kill -9" "$WAIT" replaced "$S"
n=$(cat "$T/host.count")
wait_for "the reader reads on" "$WAIT" reads_past host "$((n + 3))"
reader_stop host
expect_eq "the counter written before the kill" 41 "$(cat "$M/counter")"
expect_eq "status server_restarts 1" 1 "$(status_of server_restarts)"
check "the keeper logged the restart" \
	grep -q "server $S was killed by signal 9" "$LOG"

# A read blocked in the server when it is killed completes in the next
# one, where the kernel re-sends it.
if [ "$RESEND" = 1 ]; then
	S=$(status_of pid)
	touch "$KD/gate"
	rm -f "$KD/blocked"
	cat "$M/block" >"$T/block.out" 2>&1 &
	B=$!
	wait_for "a read blocks in the server" "$WAIT" test -e "$KD/blocked"
	kill -9 "$S"
	wait_for "a new server answers" "$WAIT" replaced "$S"
	rm "$KD/gate"
	st=0
	wait "$B" || st=$?
	expect_eq "the blocked read completes" "0 released" \
		"$st $(cat "$T/block.out")"
else
	echo "skip: a read blocked at the kill (the kernel lacks FUSE_HAS_RESEND, Linux 6.9)"
fi

# A "container" (mount and pid namespaces of its own, slave propagation)
# binds the mount rslave and one file of it; both read right values
# across a kill -9.
C=$T/c
CF=$T/cf
mkdir "$C"
touch "$CF"
unshare -m -p -f --mount-proc --propagation slave sh -c "exec sleep 600" \
	>/dev/null 2>&1 &
U=$!
VICTIMS="$VICTIMS $U"
container_up() {
	INIT=$(tr -d ' ' 2>/dev/null <"/proc/$U/task/$U/children")
	[ -n "$INIT" ] && [ "$(cat "/proc/$INIT/comm")" = sleep ]
}
wait_for "the container starts" 20 container_up || exit 1
VICTIMS="$VICTIMS $INIT"
cin() { nsenter -t "$INIT" -m -p sh -c "$1"; }
check "the container binds the mount rslave" \
	cin "mount --rbind '$M' '$C' && mount --make-rslave '$C'"
check "... and one file of it" cin "mount --bind '$M/counter' '$CF'"
echo 41 >"$T/cdir.want"
echo 41 >"$T/cfile.want"
reader_start cdir "nsenter -t $INIT -m -p cat '$C/counter'"
reader_start cfile "nsenter -t $INIT -m -p cat '$CF'"
wait_for "the container reads" "$WAIT" reads_past cfile 3
S=$(status_of pid)
kill -9 "$S"
wait_for "a new server answers" "$WAIT" replaced "$S"
n=$(cat "$T/cfile.count")
wait_for "the container reads on" "$WAIT" reads_past cfile "$((n + 3))"
reader_stop cdir
reader_stop cfile
echo 42 >"$M/counter"
expect_eq "the container's single-file bind sees a new value" 42 \
	"$(cin "cat '$CF'")"
expect_eq "the container's directory bind too" hello \
	"$(cin "cat '$C/hello'")"
kill_quietly "$INIT" "$U"

# SIGHUP while a reader runs: the server is replaced by the binary now on
# disk (a new file in the old one's place), without a failed read.
cp "$KFS" "$BIN.new"
mv -f "$BIN.new" "$BIN"
reader_start hup "cat '$M/hello'"
echo hello >"$T/hup.want"
wait_for "the reader reads" "$WAIT" reads_past hup 3
S=$(status_of pid)
r=$(status_of server_restarts)
kill -HUP "$DPID"
wait_for "SIGHUP: a new server answers" "$WAIT" replaced "$S"
n=$(cat "$T/hup.count")
wait_for "the reader reads on" "$WAIT" reads_past hup "$((n + 3))"
reader_stop hup
expect_eq "SIGHUP counts as a restart" "$((r + 1))" \
	"$(status_of server_restarts)"
if [ -z "${RCAPFS_VALGRIND:-}" ]; then
	expect_eq "the new server runs the binary on disk" \
		"$(stat -c %i "$BIN")" "$(stat -L -c %i "/proc/$(status_of pid)/exe")"
fi

# A server dying at start, again and again: restarted after growing
# delays, each logged; once it can start, the mount answers, and a read
# made meanwhile waited instead of failing.
touch "$KD/crash"
S=$(status_of pid)
kill -9 "$S"
# restarts_logged N: N servers or more exited at start.
restarts_logged() {
	[ "$(grep -c 'exited with status 3 .*restarting it in' "$LOG")" -ge "$1" ]
}
wait_for "servers dying at start are restarted, each logged" \
	"$((WAIT * 2))" restarts_logged 4
# (Doubling up to a ceiling: never shorter than the one before, and
# longer in the end.)
check "with a delay growing from one to the next" sh -c \
	"grep 'exited with status 3 ' '$LOG' | sed 's/.*restarting it in \([0-9]*\) ms.*/\1/' |
	awk 'NR == 1 { first = \$1 } NR > 1 && \$1 < prev { bad = 1 }
		{ prev = \$1 } END { exit bad || !(prev > first) }'"
cat "$M/hello" >"$T/during.out" 2>&1 &
R=$!
rm "$KD/crash"
wait_for "the mount answers once a server can start" "$((WAIT * 2))" \
	replaced "$S"
st=0
wait "$R" || st=$?
expect_eq "a read made while no server ran waited" "0 hello" \
	"$st $(cat "$T/during.out")"

# SIGTERM: unmounted, exit 0.
term_daemon "SIGTERM to the keeper"
check "SIGTERM unmounted" sh -c "! grep -q ' $M ' /proc/self/mountinfo"

# An unmount from outside ends the keeper with 0.
start_keeper
check "fusermount3 -u" fusermount3 -u "$M"
st=0
daemon_exit || st=$?
expect_eq "the keeper exits 0 after an unmount from outside" 0 "$st"

# Servers that die before the first one answered INIT: the kernel still
# waits for that answer, and the first server that can start gives it.
touch "$KD/crash"
n=$(grep -c 'exited with status 3 ' "$LOG")
launch_keeper
wait_for "servers dying before INIT was answered are restarted" \
	"$((WAIT * 2))" restarts_logged "$((n + 2))"
rm "$KD/crash"
wait_for "then the mount answers" "$((WAIT * 2))" cat "$M/status" \
	>/dev/null 2>&1
expect_eq "status server_restarts counts them" "$(($(grep -c 'exited with status 3 ' "$LOG") - n))" \
	"$(status_of server_restarts)"
term_daemon "SIGTERM after a start without a server"

# kill -9 of the keeper itself ends the mount as a daemon's death did
# before: its server dies with it and the mount answers ENOTCONN (a start
# of rcapfs on it then detaches it).
start_keeper
S=$(status_of pid)
kill_quietly "$DPID"
DPID=
server_gone() { ! kill -0 "$S" 2>/dev/null; }
wait_for "the server dies with its keeper" "$WAIT" server_gone
check "the mount is dead" sh -c "! cat '$M/hello' 2>'$T/dead.err'"
check "... with ENOTCONN" grep -q "not connected" "$T/dead.err"
fusermount3 -u -z "$M"
