# Sourced by the enforcement tests after lib.sh: real victims
# (tests/victim) in a daemon that samples and walks the process table every
# second, and what the victims and their collections read. Skips where the
# backend or the kernel cannot page out.
require_backend linux "pageout"
VICTIM=$top_builddir/tests/victim
[ -x "$VICTIM" ] || skip "tests/victim not built"
MIB=1048576

# start_enforcing: mount, with one-second sample and scan intervals.
start_enforcing() {
	setup
	start_daemon
	echo 1 >"$M/ctl/sample_interval"
	echo 1 >"$M/ctl/scan_interval"
	grep -qx 'process_madvise 1' "$M/ctl/status" ||
		skip "no process_madvise on this kernel"
}

# start_victim NAME ARGS...: a victim, its pid in VPID once it is set up;
# with RSS_LIMIT_KB set, under `ulimit -m RSS_LIMIT_KB`.
start_victim() {
	sv_name=$1
	shift
	spawn_victim sh -c "${RSS_LIMIT_KB:+ulimit -m $RSS_LIMIT_KB; }exec \
'$VICTIM' $* >'$T/$sv_name.out'"
	wait_for "victim $sv_name set up" 60 grep -qs ready "$T/$sv_name.out"
}

# stat_of NAME KEY, status_of KEY: a value of caps/NAME/stats, ctl/status.
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$M/caps/$1/stats"; }
status_of() { awk -v k="$1" '$1 == k {print $2}' "$M/ctl/status"; }
not_stopped() { ! grep -q '^State:.*T' "/proc/$1/status"; }
# rss_bytes PID: its VmRSS; majflt PID: its major faults (field 12 of
# /proc/PID/stat, counted after the comm, which may hold spaces).
rss_bytes() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status"; }
majflt() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $10 }'; }
