#!/bin/sh
# Anonymous memory can only leave for swap. When no swap is active, the
# scanner skips it and says so; once swap is there, an anonymous victim is
# brought under its cap. Without swap, this test sets up a zram swap device
# for its own length (root, /dev/zram0 present and unused) and removes it
# after; where it cannot, it skips.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "pageout"
VICTIM=$top_builddir/tests/victim
[ -x "$VICTIM" ] || skip "tests/victim not built"
ZRAM=

swap_active() { [ "$(awk 'NR > 1' /proc/swaps | wc -l)" -gt 0 ]; }
zram_undo() {
	[ -n "$ZRAM" ] || return 0
	swapoff /dev/zram0 2>/dev/null
	echo 1 >/sys/block/zram0/reset
	ZRAM=
}
# The victims go first: swapoff would have to bring their pages back.
cleanup() {
	# shellcheck disable=SC2086
	kill_quietly $VICTIMS
	VICTIMS=
	zram_undo
	teardown
}
zram_do() {
	echo 256M >/sys/block/zram0/disksize 2>/dev/null ||
		skip "cannot size /dev/zram0"
	ZRAM=1
	if ! mkswap /dev/zram0 >/dev/null 2>&1 || ! swapon /dev/zram0; then
		skip "cannot enable a swap on /dev/zram0"
	fi
}

setup
NOSWAP=
if ! swap_active; then
	[ -b /dev/zram0 ] || skip "no swap is active and there is no /dev/zram0"
	[ "$(cat /sys/block/zram0/disksize)" = 0 ] ||
		skip "no swap is active and /dev/zram0 is in use"
	if ! command -v mkswap >/dev/null || ! command -v swapon >/dev/null; then
		skip "no swap is active and mkswap or swapon is missing"
	fi
	NOSWAP=1
	trap cleanup EXIT
fi
start_daemon
echo 1 >"$M/ctl/sample_interval"
echo 1 >"$M/ctl/scan_interval"

stat_of() { awk -v k="$2" '$1 == k {print $2}' "$M/caps/$1/stats"; }
sampled() { [ "$(stat_of "$1" nproc)" = 1 ] && [ "$(cat "$M/caps/$1/rss")" -ge "$2" ]; }
under_cap() { [ "$(cat "$M/caps/$1/rss")" -le "$(cat "$M/caps/$1/cap")" ]; }
grew() { [ "$(stat_of "$1" "$2")" -gt "$3" ]; }

spawn_victim sh -c "exec '$VICTIM' --anon --size 64 >'$T/anon.out'"
V=$VPID
wait_for "anonymous victim set up" 60 grep -qs ready "$T/anon.out"
mkdir "$M/caps/anon"
echo "pid $V" >"$M/caps/anon/members"
wait_for "anon: victim sampled" 30 sampled anon $((60 * 1024 * 1024))
rss=$(cat "$M/caps/anon/rss")
cap=$((rss / 4))
echo "$cap" >"$M/caps/anon/cap"

if [ -n "$NOSWAP" ]; then
	wait_for "no swap: scans go on" 30 grew anon scans 2
	check "no swap: the anonymous memory stays" \
		test "$(cat "$M/caps/anon/rss")" -gt $((rss / 2))
	check "no swap: the log says why" \
		grep -q 'anonymous memory cannot be paged out: no swap' "$LOG"
	zram_do
fi
wait_for "anon: rss brought under a quarter of it" 60 under_cap anon
check "the victim lives" kill -0 "$V"
swapped=$(awk '/^VmSwap:/ {print $2}' "/proc/$V/status")
check "the victim's memory went to swap" test "$swapped" -gt 0
check "anon: pg > 0" grew anon pg 0
stop_daemon
