#!/bin/sh
# The mount read and written from a "container" with its own pid and mount
# namespaces (unshare -m -p -f --mount-proc; its mounts vanish with it):
# procs, proc/ and a "pid N" rule go by the container's numbers inside and
# by the host's outside.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "pid namespaces"
require_mount_env
command -v unshare >/dev/null || skip "needs unshare (util-linux)"
command -v nsenter >/dev/null || skip "needs nsenter (util-linux)"
unshare -m -p -f --mount-proc true >/dev/null 2>&1 ||
	skip "unshare cannot make pid and mount namespaces here"
setup
start_daemon
echo 1 >"$M/ctl/sample_interval"
mkdir "$M/caps/web"
# Where the container binds the mount, in its own mount namespace.
C=$T/c
mkdir "$C"

# The container: its init (pid 1 there) is "sleep 601", its pid 2
# "sleep 600"; it binds the mount at C.
container true -m
check "the container binds the mount" nsenter -t "$INIT" -m mount --bind "$M" "$C"
# cin CMD: a shell command run inside the container.
cin() { nsenter -t "$INIT" -m -p sh -c "$1"; }
expect_eq "the container's 2 is its sleep" "$C2	2" \
	"$(sed -n 's/^NSpid:\t//p' "/proc/$C2/status")"
check "a pid rule in the container's numbering" \
	cin "echo 'pid 2' >'$C/caps/web/members'"
expect_eq "... is the host's pid read from the host" "pid $C2" \
	"$(cat "$M/caps/web/members")"
expect_eq "... and the container's read inside" "pid 2" \
	"$(cin "cat '$C/caps/web/members'")"
check "a host pid written inside is refused" \
	cin "! echo 'pid $C2' >>'$C/caps/web/members' 2>/dev/null"
check "... and logged" grep -q "no process $C2" "$LOG"
expect_eq "... changing nothing" "pid $C2" "$(cat "$M/caps/web/members")"

has_member() { grep -qx "$C2" "$M/caps/web/procs"; }
wait_for "the container's sleep is a member" 20 has_member
expect_eq "procs from the host: host pids" "$C2" \
	"$(cat "$M/caps/web/procs")"
expect_eq "procs inside: the container's" 2 \
	"$(cin "cat '$C/caps/web/procs'")"
spawn_victim sleep 602
S=$VPID
echo "pid $S" >>"$M/caps/web/members"
wait_for "a host process is a member too" 20 grep -qx "$S" "$M/caps/web/procs"
expect_eq "procs inside leaves out what the container cannot see" 2 \
	"$(cin "cat '$C/caps/web/procs'")"
expect_eq "members inside say what it cannot see" \
	"pid 2 # pid: a process outside this pid namespace" \
	"$(cin "cat '$C/caps/web/members'" | tr '\n' ' ' | sed 's/ $//')"

# proc/: the container's processes by its numbers (a handful, numbered
# from 1: its init, its sleep and the commands run in it).
cin "ls '$C/proc'" >"$T/ls.in"
check "proc/ inside lists the container's init and sleep" \
	sh -c "grep -qx 1 '$T/ls.in' && grep -qx 2 '$T/ls.in'"
check "... and no host process" \
	sh -c "! grep -qx -e '$INIT' -e '$C2' -e '$S' '$T/ls.in'"
check "... only small numbers" awk '$1 > 50 { exit 1 }' "$T/ls.in"
check "proc/ on the host lists the host's pids" \
	sh -c "ls '$M/proc' | grep -qx '$INIT'"
# (Before the host looks the name up: the kernel keeps a name it was
# given for a second, whoever asks.)
expect_eq "a host pid is not found inside" \
	"ls: cannot access '$C/proc/$S': No such file or directory" \
	"$(cin "ls '$C/proc/$S'" 2>&1)"
# xmap (binary) of a sleeping process does not change.
inside=$(cin "cksum <'$C/proc/1/xmap'")
expect_eq "proc/1 inside is the container's init (proc/$INIT outside)" \
	"$(cksum <"$M/proc/$INIT/xmap")" "$inside"
check "... not the host's $S" \
	sh -c "[ '$(cksum <"$M/proc/$S/xmap")' != '$inside' ]"
