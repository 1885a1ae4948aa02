#!/bin/sh
# The keeper: time from kill -9 of the server to the first request
# answered on the same mount (a read made right after the kill waits for
# the next server), the median of BENCH_KEEPER_KILLS kills, against the
# 1 s the keeper promises. keeperfs (tests/integration/keeperfs.c) is
# served through the keeper as rcapfs is. In a private mount namespace.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

KFS=$top_builddir/tests/integration/keeperfs
KILLS=${BENCH_KEEPER_KILLS:-9}
[ -x "$KFS" ] || bench_skip "keeperfs not built ($KFS)"
if [ -z "${BENCH_KEEPER_UNSHARED:-}" ]; then
	command -v unshare >/dev/null || bench_skip "needs unshare"
	unshare -m --propagation private true 2>/dev/null ||
		bench_skip "unshare cannot make a mount namespace here"
	# This shell's scratch directory and trap are not the child's.
	trap - EXIT
	rm -rf "$BENCH_TMP"
	BENCH_KEEPER_UNSHARED=1 exec unshare -m --propagation private \
		sh "$0"
fi

BENCH_MNT=$BENCH_TMP/mnt
mkdir -p "$BENCH_MNT" "$BENCH_TMP/kdir"
KEEPERFS_DIR=$BENCH_TMP/kdir "$KFS" "$BENCH_MNT" \
	>>"$BENCH_TMP/daemon.log" 2>&1 &
BENCH_DPID=$!
bench_wait_mount "$BENCH_MNT" status "$BENCH_DPID" ||
	bench_fail "keeperfs did not come up"

server() {
	awk '$1 == "pid" {print $2}' "$BENCH_MNT/status"
}

i=0
: >"$BENCH_TMP/ms"
while [ $i -lt "$KILLS" ]; do
	# A server that lived a second after it answered is restarted at
	# once; one killed sooner would be backed off.
	sleep 1.2
	s=$(server)
	t0=$(date +%s%N)
	kill -9 "$s"
	cat "$BENCH_MNT/hello" >/dev/null ||
		bench_fail "a read after the kill failed"
	t1=$(date +%s%N)
	[ "$(server)" != "$s" ] || bench_fail "the server was not replaced"
	echo "$(((t1 - t0) / 1000))" | awk '{ print $1 / 1000 }' \
		>>"$BENCH_TMP/ms"
	i=$((i + 1))
done
ms=$(bench_median <"$BENCH_TMP/ms")
echo "keeper: kill -9 to the first answer, ms: $(sort -g "$BENCH_TMP/ms" | tr '\n' ' ')"
bench_report keeper_takeover "$ms" ms target 1000 ms '<=' 1
