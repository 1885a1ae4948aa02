#!/bin/sh
# rcapd's rule on a real process: a victim that reads every page of its
# 512 MiB of file-backed memory every 50 ms has nothing cold, and is
# brought under a cap of 128 MiB all the same: once the scan knows that no
# cold memory covers the excess, referenced memory goes too, until the
# victim's RSS drop covers the excess (a scan that is not ineffective).
# It is never stopped; it takes its pages back at once with major faults,
# which stats count, so its RSS is over the cap again soon after each scan:
# the scans say that it went under, not a reading of its RSS.
# The waits are generous: they check behaviour, not speed.
. "$top_builddir/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/lib-enforce.sh"
start_enforcing

sampled() { [ "$(stat_of hot nproc)" = 1 ] && [ "$(cat "$M/caps/hot/rss")" -ge $((500 * MIB)) ]; }
grew() { [ "$(stat_of hot "$1")" -gt "$2" ]; }
# A scan covered the excess: one that did not end over the cap. (The first
# to do so starts from the head of the list: it is complete, or it
# stopped with the excess gone.)
covered() { [ "$(stat_of hot scans)" -gt "$(stat_of hot scans_ineffective)" ]; }

start_victim hot --file "$T/data" --size 512 --hot-start 0 --hot-size 512 \
	--touch-ms 50
V=$VPID
mkdir "$M/caps/hot"
echo "pid $V" >"$M/caps/hot/members"
wait_for "hot: victim sampled" 30 sampled
majflt=$(stat_of hot majflt)
expect_eq "hot: no scan before the cap" 0 "$(stat_of hot scans)"
echo 128M >"$M/caps/hot/cap"
wait_for "a scan brings the all-hot victim under its cap" 60 covered
check "the victim lives" kill -0 "$V"
check "the victim was never stopped" not_stopped "$V"
check "hot: pg covers the excess" \
	test "$(stat_of hot pg)" -ge $((384 * MIB))
wait_for "hot: majflt counts the faults it takes its pages back with" 30 \
	grew majflt "$majflt"
check "hot: majflt no more than the victim's own" \
	test "$(stat_of hot majflt)" -le "$(majflt "$V")"
stop_daemon
