#!/bin/sh
# Files still open when the mount ends are freed: the daemon keeps every
# open file and frees what no RELEASE came for. The kernel sends RELEASE
# asynchronously, so after a close(2) the unmount may come first; here the
# files are held open across the end on purpose, once by SIGTERM and once
# by a lazy unmount followed by the closes. Under memcheck (check-valgrind)
# and LeakSanitizer any handle not freed is a leak reported in the log.
. "$top_builddir/tests/integration/lib.sh"
setup

# open_all: one open file of each kind the backend serves on fds 3 to 7,
# each used once (the stub backend has no M/proc/PID).
open_all() {
	mkdir -p "$M/caps/held"
	exec 3<"$M/caps/held/procs" 4<"$M/ctl/status" \
		5>>"$M/caps/held/members"
	head -c 1 <&3 >/dev/null
	head -c 1 <&4 >/dev/null
	echo "uid 0" >&5
	[ "$BACKEND" = linux ] || return 0
	exec 6<"$M/proc/$$/xmap" 7<"$M/proc/$$/pagedata"
	cat <&6 >/dev/null
	# Each read of pagedata is a snapshot of its own: one read.
	dd bs=4M count=1 <&7 >/dev/null 2>&1
}
close_all() {
	exec 3<&- 4<&- 5>&- 6<&- 7<&-
}
mount_gone() { ! mountpoint -q "$M"; }

start_daemon
open_all
term_daemon "SIGTERM with files open"
check "SIGTERM with files open: the mount is gone" mount_gone
close_all

start_daemon
expect_eq "the files' writes were kept" "uid 0" \
	"$(cat "$M/caps/held/members")"
open_all
fusermount3 -u -z "$M"
check "lazy unmount with files open: the mount is detached" mount_gone
# The last close ends the connection, with RELEASEs in flight or not.
close_all
status=0
wait "$DPID" || status=$?
DPID=
expect_eq "lazy unmount: the daemon exits 0 once the files are closed" 0 \
	"$status"
