#!/bin/sh
# The keeper: time from kill -9 of the server to the first request
# answered on the same mount (a read made right after the kill waits for
# the next server), the median of BENCH_KEEPER_KILLS kills, against the
# 1 s the keeper promises: keeperfs (tests/integration/keeperfs.c),
# served through the keeper as rcapfs is, then rcapfs with 100
# collections in its state file. In a private mount namespace.
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

# takeover NAME STATUS READ: BENCH_DPID's mount at BENCH_MNT, where
# STATUS names the server; KILLS kills, the median reported as NAME.
takeover() {
	i=0
	: >"$BENCH_TMP/$1.ms"
	while [ $i -lt "$KILLS" ]; do
		# A server that lived a second after it answered is restarted
		# at once; one killed sooner would be backed off.
		sleep 1.2
		s=$(awk '$1 == "pid" {print $2}' "$BENCH_MNT/$2")
		t0=$(date +%s%N)
		kill -9 "$s"
		cat "$BENCH_MNT/$3" >/dev/null ||
			bench_fail "$1: a read after the kill failed"
		t1=$(date +%s%N)
		[ "$(awk '$1 == "pid" {print $2}' "$BENCH_MNT/$2")" != "$s" ] ||
			bench_fail "$1: the server was not replaced"
		echo "$(((t1 - t0) / 1000))" | awk '{ print $1 / 1000 }' \
			>>"$BENCH_TMP/$1.ms"
		i=$((i + 1))
	done
	ms=$(bench_median <"$BENCH_TMP/$1.ms")
	echo "$1: kill -9 to the first answer, ms: $(sort -g "$BENCH_TMP/$1.ms" | tr '\n' ' ')"
	bench_report "$1" "$ms" ms target 1000 ms '<=' 1
}

BENCH_MNT=$BENCH_TMP/mnt
mkdir -p "$BENCH_MNT" "$BENCH_TMP/kdir"
KEEPERFS_DIR=$BENCH_TMP/kdir "$KFS" "$BENCH_MNT" \
	>>"$BENCH_TMP/daemon.log" 2>&1 &
BENCH_DPID=$!
bench_wait_mount "$BENCH_MNT" status "$BENCH_DPID" ||
	bench_fail "keeperfs did not come up"
takeover keeper_takeover status hello
bench_stop_daemon

# rcapfs itself, whose new server also restores a state file: 100
# collections, each with a cap and a rule.
bench_start_daemon
c=0
while [ $c -lt 100 ]; do
	mkdir "$BENCH_MNT/caps/b$c"
	echo 64M >"$BENCH_MNT/caps/b$c/cap"
	echo "uid $((60000 + c))" >"$BENCH_MNT/caps/b$c/members"
	c=$((c + 1))
done
takeover rcapfs_takeover ctl/status caps/b99/cap
