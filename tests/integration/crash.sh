#!/bin/sh
# kill -9 loses no acknowledged write; a restart recovers the dead mount.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "a way to detach a dead mount"
setup
start_daemon
mkdir "$M/caps/a" "$M/caps/b"
echo 256M >"$M/caps/a/cap"
echo "comm nginx*" >"$M/caps/a/members"
echo "uid 0" >>"$M/caps/a/members"
echo 3G >"$M/caps/b/cap"
echo 40 >"$M/ctl/pressure"
echo cold >"$M/ctl/mode"
echo 7 >"$M/ctl/sample_interval"
echo 3 >"$M/ctl/idle_threshold"
echo 0 >"$M/ctl/rlimit_rss"
echo 60 >"$M/caps/b/swap_idle"
kill9_daemon

dead() { ! stat "$M/ctl" >/dev/null 2>&1; }
check "mount is dead after kill -9" dead
start_daemon
expect_eq "collections restored" "a b" "$(ls "$M/caps" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "cap a restored" 268435456 "$(cat "$M/caps/a/cap")"
expect_eq "cap b restored" 3221225472 "$(cat "$M/caps/b/cap")"
expect_eq "members restored" "comm nginx*
uid 0" "$(cat "$M/caps/a/members")"
expect_eq "ctl restored" "40 cold 7 3 0" \
	"$(cat "$M/ctl/pressure" "$M/ctl/mode" "$M/ctl/sample_interval" "$M/ctl/idle_threshold" "$M/ctl/rlimit_rss" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "swap_idle restored" 60 "$(cat "$M/caps/b/swap_idle")"
check "no temporary state files left" sh -c "! ls '$(dirname "$STATE")' | grep -v '^state$'"

# Writes racing a kill -9: every acknowledged value survives. Each kill
# comes after a pause of its own, so it lands anywhere in a write.
i=0
while [ $i -lt 5 ]; do
	kill9_amid_writes "$M/caps/a/cap" M 1 0.$((1 + i))
	if [ "$GOT" = "$ACKED" ] || [ "$GOT" = $((ACKED + 1)) ]; then
		ok "round $i: acknowledged write ${ACKED}M survived kill -9"
	else
		fail "round $i: acked ${ACKED}M, found ${GOT}M"
	fi
	i=$((i + 1))
done
stop_daemon
