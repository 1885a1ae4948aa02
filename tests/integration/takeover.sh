#!/bin/sh
# rcapfs across kills of its server (doc/design.md §6.1): the process
# started is the keeper, its child the server; a "container" (mount and
# pid namespaces of its own) that bound the mount rslave and one cap file
# reads right values across a kill -9 of the server, and writes through
# them after; SIGHUP replaces the server amid readers; the state comes
# back in each new server. (A read blocked in a server at its kill is
# keeper.sh's, with keeperfs, which can block one on demand; 20 kills
# amid writing clients are the reliability report's.) Runs in a private
# mount namespace, so its mounts vanish with it.
. "$top_builddir/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/lib-keeper.sh"
require_mount_env
keeper_namespaces
setup
# Under memcheck servers start slowly: deadlines (never assertions) grow.
WAIT=30
[ -n "${RCAPFS_VALGRIND:-}" ] && WAIT=180
start_daemon
STATUS=$M/ctl/status
S=$(status_of pid)
expect_eq "status keeper_pid is the process started" "$DPID" \
	"$(status_of keeper_pid)"
expect_eq "the server is its child" "$DPID" \
	"$(awk '$1 == "PPid:" {print $2}' "/proc/$S/status")"
expect_eq "status server_restarts 0" 0 "$(status_of server_restarts)"
mkdir "$M/caps/web"
echo 64M >"$M/caps/web/cap"
echo "comm sleep" >"$M/caps/web/members"

# The container binds the whole tree rslave and one cap file.
C=$T/c
CF=$T/cf
mkdir "$C"
touch "$CF"
container "mount --rbind '$M' '$C' && mount --make-rslave '$C' &&
	mount --bind '$M/caps/web/cap' '$CF'" -m --propagation slave
cin() { nsenter -t "$INIT" -m -p sh -c "$1"; }
echo 67108864 >"$T/cdir.want"
echo 67108864 >"$T/cfile.want"
reader_start cdir "nsenter -t $INIT -m -p cat '$C/caps/web/cap'"
reader_start cfile "nsenter -t $INIT -m -p cat '$CF'"
wait_for "the container reads" "$WAIT" reads_past cfile 3
kill -9 "$S"
wait_for "a new server answers after kill -9" "$WAIT" replaced "$S"
n=$(cat "$T/cfile.count")
wait_for "the container reads on" "$WAIT" reads_past cfile "$((n + 3))"
reader_stop cdir
reader_stop cfile
expect_eq "status server_restarts 1" 1 "$(status_of server_restarts)"
check "the keeper logged the restart" \
	grep -q "server $S was killed by signal 9" "$LOG"
expect_eq "the members rule came back from the state file" "comm sleep" \
	"$(cat "$M/caps/web/members")"
check "the container writes through its single-file bind" \
	cin "echo 32M >'$CF'"
expect_eq "... which the host reads" 33554432 "$(cat "$M/caps/web/cap")"
expect_eq "the container's directory bind reads it too" 33554432 \
	"$(cin "cat '$C/caps/web/cap'")"

# SIGHUP while a reader runs: a new server from the binary on disk, no
# failed read.
echo 33554432 >"$T/hup.want"
reader_start hup "cat '$M/caps/web/cap'"
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
check "the old server is gone" sh -c "! kill -0 $S 2>/dev/null"

# SIGTERM to the keeper: unmounted, exit 0, the server gone with it.
S=$(status_of pid)
term_daemon "SIGTERM to the keeper"
check "the server is gone" sh -c "! kill -0 $S 2>/dev/null"
check "SIGTERM unmounted" sh -c "! grep -q ' $M ' /proc/self/mountinfo"
