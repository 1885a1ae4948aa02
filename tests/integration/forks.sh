#!/bin/sh
# A pid rule follows a daemon that detaches: the member forks a child that
# forks the daemon and exits at once, so no walk of /proc ever sees the
# daemon's parent. The kernel's fork events keep the daemon a member.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "a process table and fork events"
setup
start_daemon
if grep -q 'no fork events' "$LOG"; then
	skip "no fork events here ($(sed -n 's/.*no fork events (\([^)]*\)).*/\1/p' "$LOG")): pid rules follow forks at walks only"
fi
echo 1 >"$M/ctl/sample_interval"
echo 1 >"$M/ctl/scan_interval"

has_pid() { grep -qx "$2" "$M/caps/$1/procs"; }
# A sleep of a length no other process has, to find the daemon by.
DUR=$((7000 + $$ % 1000))
# The launcher waits for the collection to hold it, then detaches a
# "daemon" (a double fork) and lives on.
spawn_victim sh -c "while [ ! -e '$T/go' ]; do sleep 0.1; done
	sh -c 'sleep $DUR & exit 0'
	exec sleep 1000"
L=$VPID
mkdir "$M/caps/detach"
echo "pid $L" >"$M/caps/detach/members"
wait_for "the launcher is a member" 20 has_pid detach "$L"
touch "$T/go"
daemon_up() { pgrep -x -f "sleep $DUR" >/dev/null; }
wait_for "the daemon started" 20 daemon_up
D=$(pgrep -x -f "sleep $DUR")
VICTIMS="$VICTIMS $D"
check "the daemon's parent is not the launcher" \
	test "$(awk '{print $4}' "/proc/$D/stat")" != "$L"
wait_for "the detached daemon is a member" 20 has_pid detach "$D"
# A process that was never forked by a member does not join.
check "init is not a member" sh -c "! grep -qx 1 '$M/caps/detach/procs'"
stop_daemon
