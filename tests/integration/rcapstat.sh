#!/bin/sh
# rcapstat on a real mount, beside a victim being capped: Solaris's table,
# at and pg, the -g line, -x and JSON; its errors and exit codes.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "pageout and a process table"
. "$SRCDIR/tests/integration/tools-lib.sh"
VICTIM=$top_builddir/tests/victim
[ -x "$VICTIM" ] || skip "tests/victim not built"
setup
start_daemon
echo 1 >"$M/ctl/sample_interval"
echo 1 >"$M/ctl/scan_interval"

expect_status "rcapstat without collections" 0 rcapstat --mount "$M" 1 1
expect_eq "a header alone" \
	"    id project         nproc    vm   rss   cap    at avgat    pg avgpg" \
	"$(cat "$T/out")"

# A file-backed victim (pageable without swap), capped at a quarter of
# its rss.
spawn_victim sh -c "exec '$VICTIM' --file '$T/data' --size 64 >'$T/victim.out'"
wait_for "victim set up" 60 grep -qs ready "$T/victim.out"
mkdir "$M/caps/capped"
echo "pid $VPID" >"$M/caps/capped/members"
sampled() { [ "$(cat "$M/caps/capped/rss")" -ge $((60 << 20)) ]; }
wait_for "victim sampled" 30 sampled
echo $(($(cat "$M/caps/capped/rss") / 4)) >"$M/caps/capped/cap"
paged() { [ "$(awk '$1 == "at" { print $2 }' "$M/caps/capped/stats")" -gt 0 ]; }
# Under memcheck the daemon finds no process_madvise (valgrind does not
# know the call): nothing is paged out, and the tool's output is checked
# all the same.
PAGEOUT=$(awk '$1 == "process_madvise" { print $2 }' "$M/ctl/status")
if [ "$PAGEOUT" = 1 ]; then
	wait_for "the victim is paged out" 60 paged
else
	echo "# no process_madvise for this daemon: no pageout to show"
fi

expect_status "rcapstat -g 1 3" 0 rcapstat --mount "$M" -g 1 3
cat "$T/out"
# One collection and -g: the header once in 10 reports.
expect_eq "one header" 1 "$(grep -c '^    id project ' "$T/out")"
expect_eq "three rows" 3 "$(grep -c ' capped ' "$T/out")"
expect_eq "three -g lines" 3 "$(grep -Ec \
	'^physical memory utilization: +[0-9]+%   cap enforcement threshold: +0%$' \
	"$T/out")"
bad=$(grep ' capped ' "$T/out" | awk '
	function size(s) { return s ~ /^[0-9]+[KMG]$/ }
	!($1 ~ /^[0-9]+$/ && $2 == "capped" && ($3 == "-" || $3 ~ /^[0-9]+$/) &&
	  size($4) && size($5) && size($6) && size($7) && size($8) &&
	  size($9) && size($10) && NF == 10) { print }')
expect_eq "rows in Solaris's columns" "" "$bad"
first=$(grep -m 1 ' capped ' "$T/out")
if [ "$PAGEOUT" = 1 ]; then
	check "first report: at since the collection began ($first)" \
		sh -c "echo '$first' | awk '{ exit \$7 == \"0K\" }'"
	check "first report: nproc 1" \
		sh -c "echo '$first' | awk '{ exit \$3 != 1 }'"
fi
# size KIB: Solaris's rcapstat column (K, then M, then G, rounded).
size() {
	awk -v k="$1" 'BEGIN { u = "K"
		if (k >= 10000) { k = int((k + 512) / 1024); u = "M" }
		if (k >= 10000 && u == "M") { k = int((k + 512) / 1024); u = "G" }
		print k u }'
}
expect_eq "the cap column" "$(size $(($(cat "$M/caps/capped/cap") / 1024)))" \
	"$(echo "$first" | awk '{ print $6 }')"

expect_status "rcapstat -x 1 1" 0 rcapstat --mount "$M" -x 1 1
check "-x: the columns rcapd never had" grep -q \
	' majflt upanon upshar uplock fidelity$' "$T/out"
expect_eq "-x: the fidelity of the mount" \
	"$(awk '$1 == "fidelity" { print $2 }' "$M/ctl/status")" \
	"$(awk '$2 == "capped" { print $NF }' "$T/out")"
expect_status "rcapstat -z 1 1" 0 rcapstat --mount "$M" -z 1 1
check "-z: headed zone" grep -q '^    id zone ' "$T/out"
expect_status "rcapstat -o json 1 2" 0 rcapstat --mount "$M" -o json 1 2
expect_eq "json: one object per interval" 2 "$(grep -c '^{"time":[0-9]*,' "$T/out")"
check "json: the collection, in bytes" grep -q \
	"\"name\":\"capped\",\"nproc\":1,\"vm\":[0-9]*,\"rss\":[0-9]*,\"cap\":$(cat "$M/caps/capped/cap")," \
	"$T/out"
expect_status "rcapstat -T u 1 1" 0 rcapstat --mount "$M" -T u 1 1
check "-T u: the time first" sh -c "head -n 1 '$T/out' | grep -qx '[0-9]*'"
expect_status "RCAPFS_MOUNT names the mount" 0 env RCAPFS_MOUNT="$M" \
	"$top_builddir/rcapstat" 1 1
check "RCAPFS_MOUNT: the collection" grep -q ' capped ' "$T/out"


# As in a container that bind-mounted the mount: another mount namespace,
# the mount elsewhere, and another pid namespace, where the daemon cannot
# be seen. The tools need nothing but the mount.
if command -v unshare >/dev/null &&
	unshare --pid --fork --mount-proc true 2>/dev/null; then
	mkdir "$T/ctr"
	expect_status "the tools in a container" 0 unshare --pid --fork \
		--mount-proc sh -c "mount --bind '$M' '$T/ctr' &&
			'$top_builddir/rcapstat' --mount '$T/ctr' 1 1 &&
			'$top_builddir/rcapadm' --mount '$T/ctr'"
	check "in a container: the collection" grep -q ' capped ' "$T/out"
	check "in a container: the configuration" grep -q 'state: enabled' \
		"$T/out"
else
	echo "# no pid namespaces here: the tools are not run in one"
fi

expect_status "rcapstat without a mount" 1 rcapstat --mount "$T/none" 1 1
check "rcapd is not active" grep -q '^rcapstat: rcapd is not active' "$T/err"
expect_status "rcapstat -p -z" 2 rcapstat --mount "$M" -p -z
expect_status "rcapstat 0" 1 rcapstat --mount "$M" 0
expect_eq "invalid interval" "rcapstat: invalid interval specified" \
	"$(cat "$T/err")"
expect_status "rcapstat 1 x" 1 rcapstat --mount "$M" 1 x
check "illegal argument" grep -qx 'rcapstat: illegal argument -- x' "$T/err"
expect_status "rcapstat -o yaml" 2 rcapstat --mount "$M" -o yaml
expect_status "rcapstat --help" 0 rcapstat --help
check "--help says -g" grep -q -- '-g ' "$T/out"
stop_daemon
