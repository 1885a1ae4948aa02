#!/bin/sh
# RLIMIT_RSS on real processes: a victim started under `ulimit -m 65536`
# with 256 MiB of file-backed memory, in no collection, is brought to at
# most 64 MiB (and 5 %) while ctl/rlimit_rss is 1; ctl/status counts it and
# what was taken from it. With ctl/rlimit_rss 0, another such victim keeps
# its memory until it is 1 again. The daemons of other tests would hold it
# too: they wait until this test is done.
# The waits are generous: they check behaviour, not speed.
. "$top_builddir/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/lib-enforce.sh"
lock_daemons -x
start_enforcing

# 64 MiB and 5 %.
within_limit() { [ "$(rss_bytes "$1")" -le $((64 * MIB * 105 / 100)) ]; }

RSS_LIMIT_KB=65536 start_victim v1 --file "$T/data1" --size 256
V1=$VPID
check "its RSS limit is 64 MiB" \
	grep -Eq '^Max resident set +67108864 ' "/proc/$V1/limits"
wait_for "rlimit_rss 1: the victim is held to its limit" 60 \
	within_limit "$V1"
check "the victim lives" kill -0 "$V1"
check "the victim was never stopped" not_stopped "$V1"
check "status: rlimit_processes counts it" \
	test "$(status_of rlimit_processes)" -ge 1
check "status: rlimit_pg counts what was taken" \
	test "$(status_of rlimit_pg)" -ge $((190 * MIB))

# ctl/rlimit_rss 0: another such victim keeps its memory, over samples
# that walked the process table (scan_interval 1) since it started; it
# sits in an uncapped collection, whose samples are counted.
echo 0 >"$M/ctl/rlimit_rss"
RSS_LIMIT_KB=65536 start_victim v2 --file "$T/data2" --size 256
V2=$VPID
mkdir "$M/caps/watch"
echo "pid $V2" >"$M/caps/watch/members"
samples_past() { [ "$(stat_of watch samples)" -ge "$1" ]; }
wait_for "watch: sampled" 30 samples_past 1
wait_for "watch: four more samples" 30 \
	samples_past $(($(stat_of watch samples) + 4))
rss=$(rss_bytes "$V2")
check "rlimit_rss 0: the victim keeps its memory ($rss bytes)" \
	test "$rss" -gt $((200 * MIB))
expect_eq "rlimit_rss 0: status counts no process" 0 \
	"$(status_of rlimit_processes)"
echo 1 >"$M/ctl/rlimit_rss"
wait_for "rlimit_rss 1 again: it is held to its limit" 60 within_limit "$V2"
stop_daemon
