#!/bin/sh
# Real processes join collections through pid (with descendants) and comm
# rules; rss and stats follow them.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "a process table"
setup
start_daemon
echo 1 >"$M/ctl/sample_interval"
echo 1 >"$M/ctl/scan_interval"

spawn_victim sleep 1000
S1=$VPID
# A shell that forks a grandchild: the pid rule covers its descendants.
spawn_victim sh -c 'sleep 1001 & wait'
SH=$VPID
mkdir "$M/caps/bypid" "$M/caps/bycomm"
echo "pid $S1" >"$M/caps/bypid/members"
echo "pid $SH" >>"$M/caps/bypid/members"
echo "comm sle?p" >"$M/caps/bycomm/members"

has_pid() { grep -qx "$2" "$M/caps/$1/procs"; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$M/caps/$1/stats"; }
grew() { [ "$(stat_of "$1" "$2")" -gt "$3" ]; }

wait_for "pid rule: sleep appears in procs" 20 has_pid bypid "$S1"
wait_for "pid rule: the shell appears" 20 has_pid bypid "$SH"
# The shell forks its child in its own time.
child_up() { pgrep -P "$SH" -x sleep >/dev/null; }
wait_for "the shell's child sleep started" 20 child_up
GC=$(pgrep -P "$SH" -x sleep)
# Outlives its shell: teardown kills it too.
VICTIMS="$VICTIMS $GC"
wait_for "pid rule: the shell's child sleep is a member" 20 has_pid bypid "$GC"
wait_for "comm rule: sleep appears" 20 has_pid bycomm "$S1"
wait_for "comm rule: the grandchild sleep appears" 20 has_pid bycomm "$GC"
check "comm rule leaves the shell out" sh -c "! grep -qx $SH '$M/caps/bycomm/procs'"
# procs, rss and stats of one sample.
read_bypid() {
	cp "$M/caps/bypid/procs" "$T/procs"
	rss=$(cat "$M/caps/bypid/rss")
	cp "$M/caps/bypid/stats" "$T/stats"
}
one_sample bypid read_bypid
expect_eq "procs ascending" "$(sort -n "$T/procs")" "$(cat "$T/procs")"
expect_eq "nproc counts procs" "$(wc -l <"$T/procs")" \
	"$(awk '$1 == "nproc" {print $2}' "$T/stats")"
check "rss > 0" test "$rss" -gt 0
expect_eq "rss file matches stats" "$rss" \
	"$(awk '$1 == "rss" {print $2}' "$T/stats")"

# The parent exits: its child stays a member (Solaris project inheritance).
kill "$SH"
wait "$SH" 2>/dev/null
check "grandchild still alive" kill -0 "$GC"
gone() { ! grep -qx "$SH" "$M/caps/bypid/procs"; }
wait_for "exited shell leaves procs" 20 gone
# Two more samples, each with a walk (scan_interval is the sample's): the
# orphan was judged without its parent, twice.
samples=$(stat_of bypid samples)
wait_for "two samples since" 20 grew bypid samples $((samples + 1))
check "orphaned child stays a member" has_pid bypid "$GC"

# Over the cap with enforcement off: counted as unenforced.
echo 0 >"$M/ctl/enforce"
echo 1K >"$M/caps/bypid/cap"
wait_for "over cap with enforce 0 counts unenforced" 20 grew bypid unenforced 0
excess=$(stat_of bypid excess)
check "excess > 0 over the cap" test "$excess" -gt 0
samples=$(stat_of bypid samples)
check "samples counted" test "$samples" -gt 0
last=$(stat_of bypid last_sample_unix)
now=$(date +%s)
check "last_sample_unix is recent" test $((now - last)) -lt 60
stop_daemon
