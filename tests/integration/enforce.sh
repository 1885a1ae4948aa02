#!/bin/sh
# Enforcement on real processes: a file-backed victim in a collection (pid
# rule) is brought under a cap of a quarter of its rss by pageout, without
# being stopped; ctl/pressure holds enforcement back and counts it; cold
# mode deactivates without freeing (the victim keeps its pages, where
# pageout mode with the same cap frees them); two collections are enforced
# at once; a victim with a terabyte of reserved address space is enforced
# too.
# The waits are generous: they check behaviour, not speed.
. "$top_builddir/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/lib-enforce.sh"
start_enforcing

# The collection has its member and at least min bytes of rss.
sampled() { [ "$(stat_of "$1" nproc)" = 1 ] && [ "$(cat "$M/caps/$1/rss")" -ge "$2" ]; }
under_cap() { [ "$(cat "$M/caps/$1/rss")" -le "$(cat "$M/caps/$1/cap")" ]; }
grew() { [ "$(stat_of "$1" "$2")" -gt "$3" ]; }
# collection NAME PID MIB: NAME holds PID, whose rss reaches MIB.
collection() {
	mkdir "$M/caps/$1"
	echo "pid $2" >"$M/caps/$1/members"
	wait_for "$1: victim sampled" 30 sampled "$1" $(($3 * 1024 * 1024))
}

start_victim v1 --file "$T/data1" --size 64
V1=$VPID
collection one "$V1" 60
rss=$(cat "$M/caps/one/rss")
cap=$((rss / 4))
echo "$cap" >"$M/caps/one/cap"
wait_for "one: rss brought under a cap of a quarter of it" 60 under_cap one
check "the victim lives" kill -0 "$V1"
check "the victim was never stopped" not_stopped "$V1"
vrss=$(rss_bytes "$V1")
check "the victim's own VmRSS is near the cap" test "$vrss" -le $((cap + 4 * 1024 * 1024))
for k in at pg scans scans_complete scan_time_ns; do
	check "one: $k > 0" grew one $k 0
done
check "one: pg covers the excess" test "$(stat_of one pg)" -ge $((rss - cap))
expect_eq "one: excess 0 under the cap" 0 "$(stat_of one excess)"

# pressure 100 can never be exceeded: over the cap, nothing is done.
echo 100 >"$M/ctl/pressure"
echo $((cap / 2)) >"$M/caps/one/cap"
unenforced=$(stat_of one unenforced)
wait_for "pressure 100: samples over the cap count unenforced" 20 \
	grew one unenforced "$unenforced"
at=$(stat_of one at)
unenforced=$(stat_of one unenforced)
wait_for "pressure 100: two samples more, over the cap" 20 \
	grew one unenforced $((unenforced + 1))
expect_eq "pressure 100: no pageout" "$at" "$(stat_of one at)"
check "pressure 100: still over the cap" test "$(cat "$M/caps/one/rss")" -gt $((cap / 2))

# Cold mode: MADV_COLD moves pages to the inactive list without freeing
# them. The scanner goes over more than the excess (at), and the victim
# keeps every page: its rss stays over the cap. Then pageout mode, the
# same victim and cap: the pages go.
vrss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
rss=$(cat "$M/caps/one/rss")
vrss=$(vrss_kb "$V1")
pg=$(stat_of one pg)
echo 0 >"$M/ctl/pressure"
echo cold >"$M/ctl/mode"
wait_for "cold: the scanner went over more than the excess" 60 \
	grew one at $((at + rss - cap / 2))
check "cold: the victim keeps its pages ($vrss kB before, $(vrss_kb "$V1") kB after)" \
	test "$(vrss_kb "$V1")" -ge $((vrss * 9 / 10))
check "cold: still over the cap" test "$(cat "$M/caps/one/rss")" -gt $((cap / 2))
check "cold: pg does not count what stayed" \
	test $(($(stat_of one pg) - pg)) -lt $(((rss - cap / 2) / 2))
check "cold: the victim lives" kill -0 "$V1"
echo pageout >"$M/ctl/mode"
wait_for "pageout, the same cap: under it" 60 under_cap one
check "pageout: the victim's pages went ($vrss kB before, $(vrss_kb "$V1") kB after)" \
	test "$(vrss_kb "$V1")" -lt $((vrss * 9 / 10))

# Two collections enforced at once.
start_victim v2 --file "$T/data2" --size 32
V2=$VPID
start_victim v3 --file "$T/data3" --size 32
V3=$VPID
collection two "$V2" 30
collection three "$V3" 30
echo $(($(cat "$M/caps/two/rss") / 4)) >"$M/caps/two/cap"
echo $(($(cat "$M/caps/three/rss") / 4)) >"$M/caps/three/cap"
both_under() { under_cap two && under_cap three; }
wait_for "two and three: both under their caps" 60 both_under
check "two: pg > 0" grew two pg 0
check "three: pg > 0" grew three pg 0

# A victim that also reserves 1 TiB of address space (as sanitizers and
# language runtimes do) is enforced like any other: per-page state is
# kept only for mappings that hold pages.
start_victim v4 --file "$T/data4" --size 32 --reserve 1024
V4=$VPID
collection sparse "$V4" 30
echo $(($(cat "$M/caps/sparse/rss") / 4)) >"$M/caps/sparse/cap"
wait_for "sparse: a victim with a 1 TiB reservation brought under its cap" \
	60 under_cap sparse
# Its pagedata leaves the reservation out, as Solaris does with
# MAP_NORESERVE ranges that have not materialised: one mapping fewer.
nmap=$(dd if="$M/proc/$V4/pagedata" bs=4M count=1 2>/dev/null |
	od -An -t d8 -j 16 -N 8 | tr -d ' ')
expect_eq "sparse: pagedata omits the reservation" \
	$(($(wc -l <"/proc/$V4/maps") - 1)) "$nmap"
stop_daemon
