#!/bin/sh
# Idle members on real processes. Two victims of the same size in one
# collection: one keeps reading all its memory, the other sleeps. With
# ctl/idle_threshold 2, the sleeper is scanned first, though it comes
# second in pid order: it pays the excess, and the busy one keeps every
# page. With caps/NAME/swap_idle 2 and no cap, a sleeper is paged out
# whole, the busy one is not, and stats count it.
# The waits are generous: they check behaviour, not speed.
. "$top_builddir/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/lib-enforce.sh"
start_enforcing

# pair NAME: a busy victim (BUSY) and a sleeper (SLEEPER), started in that
# order, 64 MiB of file each, in collection NAME.
pair() {
	start_victim "$1-busy" --file "$T/$1-b" --size 64 --hot-start 0 \
		--hot-size 64 --touch-ms 20
	BUSY=$VPID
	start_victim "$1-sleeper" --file "$T/$1-s" --size 64 \
		--touch-ms 86400000
	SLEEPER=$VPID
	mkdir "$M/caps/$1"
	printf 'pid %s\npid %s\n' "$BUSY" "$SLEEPER" >"$M/caps/$1/members"
	wait_for "$1: both sampled" 30 sampled "$1"
}
sampled() { [ "$(stat_of "$1" nproc)" = 2 ] && [ "$(cat "$M/caps/$1/rss")" -ge $((120 * MIB)) ]; }
samples_past() { [ "$(stat_of "$1" samples)" -ge "$2" ]; }
paged() { [ "$(rss_bytes "$1")" -le "$2" ]; }

# Idle first: over the cap by half the sleeper, once the sleeper has been
# seen idle for the threshold (samples a second apart).
echo 2 >"$M/ctl/idle_threshold"
pair first
wait_for "first: the sleeper seen idle past the threshold" 30 \
	samples_past first $(($(stat_of first samples) + 4))
busy_rss=$(rss_bytes "$BUSY")
busy_faults=$(majflt "$BUSY")
sleeper_rss=$(rss_bytes "$SLEEPER")
echo $((busy_rss + sleeper_rss / 2)) >"$M/caps/first/cap"
wait_for "first: the sleeper pays the excess" 60 \
	paged "$SLEEPER" $((sleeper_rss / 2))
check "first: the busy member kept its pages" \
	test "$(rss_bytes "$BUSY")" -ge "$busy_rss"
expect_eq "first: the busy member took no major fault" "$busy_faults" \
	"$(majflt "$BUSY")"
echo 0 >"$M/caps/first/cap"

# swap_idle: no cap; the sleeper is paged out whole once idle for 2 s.
pair sw
echo 2 >"$M/caps/sw/swap_idle"
wait_for "sw: the sleeper is paged out whole" 60 paged "$SLEEPER" $((8 * MIB))
check "sw: swapouts counts it" test "$(stat_of sw swapouts)" -ge 1
check "sw: swapout_bytes its RSS drop" \
	test "$(stat_of sw swapout_bytes)" -ge $((60 * MIB))
check "sw: the busy member kept its pages" \
	test "$(rss_bytes "$BUSY")" -ge $((64 * MIB))
expect_eq "sw: nothing counted as a scan" 0 "$(stat_of sw scans)"
stop_daemon
