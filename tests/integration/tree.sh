#!/bin/sh
# The tree of doc/design.md §3: files, modes, defaults, formats, mkdir/rmdir.
. "$top_builddir/tests/integration/lib.sh"
setup
start_daemon

expect_eq "top level" "caps ctl proc rcapfs.prom" "$(ls "$M" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "ctl files" \
	"accounting enforce idle_threshold mode pressure report_interval rlimit_rss sample_interval scan_interval status" \
	"$(ls "$M/ctl" | tr '\n' ' ' | sed 's/ $//')"
for kv in enforce=1 pressure=0 sample_interval=5 scan_interval=15 \
	report_interval=5 mode=pageout accounting=rss idle_threshold=10 \
	rlimit_rss=1; do
	expect_eq "default ctl/${kv%%=*}" "${kv#*=}" "$(cat "$M/ctl/${kv%%=*}")"
done
expect_eq "status keys in order" \
	"memory_utilization_pct mem_total mem_available swap_total swap_free collections fidelity enforcement process_madvise pagemap_scan idle_page_tracking soft_dirty pfn_visible cgroup_v2 uptime_s version pid keeper_pid server_restarts resend rlimit_processes rlimit_pg" \
	"$(cut -d' ' -f1 "$M/ctl/status" | tr '\n' ' ' | sed 's/ $//')"
status_of() {
	awk -v k="$1" '$1 == k {print $2}' "$M/ctl/status"
}
if [ "$BACKEND" = stub ]; then
	# A host rcapfs has no port to: a tree, and nothing enforced.
	expect_eq "status mem_total 0 without memory figures" 0 \
		"$(status_of mem_total)"
	expect_eq "status enforcement unsupported" unsupported \
		"$(status_of enforcement)"
	expect_eq "status fidelity none" none "$(status_of fidelity)"
	expect_eq "proc/ empty without a process table" "" "$(ls "$M/proc")"
else
	memtotal_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	expect_eq "status mem_total is the machine's" \
		"$((memtotal_kb * 1024))" "$(status_of mem_total)"
	want=unsupported
	[ "$(status_of process_madvise)" = 1 ] && want=supported
	expect_eq "status enforcement as process_madvise" "$want" \
		"$(status_of enforcement)"
fi
expect_eq "status collections 0" 0 "$(status_of collections)"
expect_eq "status keeper_pid is the process started" "$DPID" \
	"$(status_of keeper_pid)"
expect_eq "status pid is its server, a child of it" "$DPID" \
	"$(awk '$1 == "PPid:" {print $2}' "/proc/$(status_of pid)/status")"

check "mkdir caps/web" mkdir "$M/caps/web"
expect_eq "collection files" "cap members procs rss stats swap_idle" \
	"$(ls "$M/caps/web" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "new cap is 0 (uncapped)" 0 "$(cat "$M/caps/web/cap")"
expect_eq "new members empty" "" "$(cat "$M/caps/web/members")"
expect_eq "new procs empty" "" "$(cat "$M/caps/web/procs")"
expect_eq "new swap_idle is 0 (off)" 0 "$(cat "$M/caps/web/swap_idle")"
expect_eq "stats keys in order" \
	"nproc rss vm cap excess samples at pg scans scans_complete scans_ineffective unenforced scan_time_ns rss_min rss_max last_sample_unix accounting fidelity unpageable_anon unpageable_locked unpageable_shared majflt swapouts swapout_bytes" \
	"$(cut -d' ' -f1 "$M/caps/web/stats" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "status counts the collection" 1 "$(status_of collections)"
for f in caps/web/cap caps/web/members caps/web/swap_idle ctl/enforce \
	ctl/mode ctl/idle_threshold ctl/rlimit_rss; do
	expect_eq "mode of $f" 644 "$(stat -c %a "$M/$f")"
done
for f in caps/web/procs caps/web/rss caps/web/stats ctl/status rcapfs.prom; do
	expect_eq "mode of $f" 444 "$(stat -c %a "$M/$f")"
done
expect_eq "mode of caps" 755 "$(stat -c %a "$M/caps")"
expect_eq "mode of proc" 555 "$(stat -c %a "$M/proc")"
expect_eq "stats ends with one newline" "1" \
	"$(tail -c 2 "$M/caps/web/stats" | tr -cd '\n' | wc -c)"
expect_eq "cap read is one line" "1" "$(wc -l <"$M/caps/web/cap")"
# st_size follows the content, whose length a sample may change: stat and
# read within one sample, once the kernel's one-second attribute cache has
# let go of any size seen before it.
size_and_length() {
	sleep 1.2
	size=$(stat -c %s "$M/caps/web/stats")
	length=$(wc -c <"$M/caps/web/stats")
}
one_sample web size_and_length
expect_eq "st_size of stats is what a read gives" "$size" "$length"
# A reader taking one byte at a time still sees the whole file. The
# members file is used because its content cannot change between the two
# reads (ctl/status follows the machine's memory, which other tests move).
printf 'comm no-such-a*\ncomm no-such-b*\ncomm no-such-c*\n' >"$M/caps/web/members"
expect_eq "byte-at-a-time read" "$(cat "$M/caps/web/members")" \
	"$(dd if="$M/caps/web/members" bs=1 2>/dev/null)"
# The rules make the next sample walk the processes: a backend without a
# process table says ENOSYS, which is "absent", not a failure to log.
web_stat() {
	awk -v k="$1" '$1 == k {print $2}' "$M/caps/web/stats"
}
sampled_since() {
	[ "$(web_stat samples)" -gt "$1" ]
}
echo 1 >"$M/ctl/sample_interval"
wait_for "a sample with the rules" 60 sampled_since "$(web_stat samples)"
expect_eq "no absent feature logged as a failure" 0 \
	"$(grep -c 'rcapfs: \(warning\|error\):.*not implemented' "$LOG")"

for bad in .hidden "a b" "x/y" "0123456789012345678901234567890123" "é"; do
	if mkdir "$M/caps/$bad" 2>/dev/null; then
		fail "mkdir caps/'$bad' should fail"
	else
		ok "mkdir caps/'$bad' refused"
	fi
done
check "31-byte name accepted" mkdir "$M/caps/a123456789012345678901234567890"
check "name with . _ - accepted" mkdir "$M/caps/db-1.main_x"
if mkdir "$M/caps/web" 2>/dev/null; then fail "mkdir existing"; else ok "mkdir existing refused"; fi
if mkdir "$M/ctl/x" 2>/dev/null; then fail "mkdir in ctl"; else ok "mkdir in ctl refused"; fi
if touch "$M/caps/web/newfile" 2>/dev/null; then fail "create file"; else ok "create file refused"; fi
if ! rm -f "$M/caps/web/cap" 2>/dev/null && [ -e "$M/caps/web/cap" ]; then
	ok "unlink refused"
else
	fail "unlink of cap"
fi
if rmdir "$M/ctl" 2>/dev/null; then fail "rmdir ctl"; else ok "rmdir ctl refused"; fi
check "rmdir caps/web" rmdir "$M/caps/web"
check "caps/web gone" test ! -e "$M/caps/web"
expect_eq "remaining collections" "a123456789012345678901234567890 db-1.main_x" \
	"$(ls "$M/caps" | tr '\n' ' ' | sed 's/ $//')"
stop_daemon
