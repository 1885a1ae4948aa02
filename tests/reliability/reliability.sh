#!/bin/sh
# The reliability report (issue "hardening", items 3-7): hostile input at the
# mount, permissions, kill -9 during writes, races with the processes it
# manages, and load, all on one real mount. Prints one table; exits 1 when
# anything it counts as a fault happened. RELIABILITY_SHORT=1 runs a shorter
# version (CI): fewer kills, a shorter load.
. "$top_builddir/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/lib-keeper.sh"
VICTIM=$top_builddir/tests/victim
SHORT=${RELIABILITY_SHORT:-0}
if [ "$SHORT" = 1 ]; then
	KILLS=10
	LOAD_S=10
	CHURN=500
else
	KILLS=50
	LOAD_S=60
	CHURN=3000
fi
setup
start_daemon
STATUS=$M/ctl/status
# The process that serves (the keeper's child): its files and memory.
SPID=$(status_of pid)
echo 1 >"$M/ctl/sample_interval"
echo 1 >"$M/ctl/scan_interval"
# The hostile-input collections match real processes of the machine (uid
# rules): never let them be enforced. The races and the load turn it on.
echo 0 >"$M/ctl/enforce"

BAD_TRIED=0
BAD_WRONG=0
# bad ERRNO FILE VALUE: one hostile write, counted; a wrong answer is a
# fault.
bad() {
	BAD_TRIED=$((BAD_TRIED + 1))
	got=$("$WR" "$2" "$3" 2>&1)
	if [ "$got" != "$1" ]; then
		BAD_WRONG=$((BAD_WRONG + 1))
		fail "hostile write to ${2#"$M"/}: wanted $1, got $got"
	fi
}
# Everything a user can read, in one text, to show that nothing changed.
snapshot() {
	for f in "$M"/caps/*/cap "$M"/caps/*/members "$M"/ctl/enforce \
		"$M"/ctl/pressure "$M"/ctl/sample_interval \
		"$M"/ctl/scan_interval "$M"/ctl/report_interval "$M"/ctl/mode \
		"$M"/ctl/accounting "$M"/ctl/idle_threshold \
		"$M"/ctl/rlimit_rss "$M"/caps/*/swap_idle; do
		echo "$f: $(cat "$f")"
	done
	ls "$M/caps"
}
# The daemon's open files: the fewest of five counts, since the sampler
# holds a few /proc files open while it walks a process (a leak stays).
fds_of() {
	min=
	for _ in 1 2 3 4 5; do
		n=$(ls "/proc/$1/fd" | wc -l)
		[ -n "$min" ] && [ "$min" -le "$n" ] || min=$n
		sleep 0.2
	done
	echo "$min"
}
samples_of() { awk '$1 == "samples" {print $2}' "$M/caps/$1/stats"; }
samples_past() { [ "$(samples_of "$1")" -gt "$2" ]; }
rss_kb_of() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# ---- 3. Bad input at the mount ---------------------------------------------
echo "== Bad input at the mount"
mkdir "$M/caps/h"
echo 1G >"$M/caps/h/cap"
echo "uid 0" >"$M/caps/h/members"
before=$(snapshot)
head -c 1048576 /dev/zero | tr '\0' 7 >"$T/digits"
head -c 1048576 /dev/urandom >"$T/random"
head -c 1048576 /dev/zero | tr '\0' '\001' >"$T/ctrl"
for v in "abc" "-1" "1..5G" "12Q" "1 G" "\\x01" "\\t1" "1\\x00" "0x1" \
	"1e3" "1.5.5" "G" "max1" "\\n\\n" "@$T/random" "@$T/ctrl"; do
	bad EINVAL "$M/caps/h/cap" "$v"
	bad EINVAL "$M/caps/h/swap_idle" "$v"
	for f in enforce pressure sample_interval scan_interval \
		report_interval mode accounting idle_threshold rlimit_rss; do
		bad EINVAL "$M/ctl/$f" "$v"
	done
done
for v in "99999999999E" "16E" "@$T/digits"; do
	bad ERANGE "$M/caps/h/cap" "$v"
done
for f in ctl/pressure ctl/sample_interval ctl/scan_interval \
	ctl/report_interval ctl/idle_threshold caps/h/swap_idle; do
	bad ERANGE "$M/$f" "4294967296"
	bad ERANGE "$M/$f" "@$T/digits"
done
for f in ctl/sample_interval ctl/scan_interval ctl/report_interval \
	ctl/idle_threshold caps/h/swap_idle; do
	bad ERANGE "$M/$f" "86401"
done
bad ERANGE "$M/ctl/pressure" "101"
bad ERANGE "$M/ctl/sample_interval" "0"
bad ERANGE "$M/ctl/scan_interval" "0"
for v in "bogus 1" "pid" "pid x" "uid -1" "user no-such-user-xyz" \
	"group no-such-group-xyz" "cgroup relative" "comm" "uid 0 0" \
	"\\x01" "uid 0\\nuid\\x02" "@$T/random" "@$T/ctrl" "@$T/digits"; do
	bad EINVAL "$M/caps/h/members" "$v"
	RCAPFS_WRITE_APPEND=1 bad EINVAL "$M/caps/h/members" "$v"
done
for f in caps/h/stats caps/h/rss caps/h/procs ctl/status; do
	bad EACCES "$M/$f" "1"
done
for n in "." ".." ".x" "-x" "a b" "a\\tb" "0123456789012345678901234567890x" \
	"$(printf 'a%.0s' $(seq 1 300))" "é"; do
	BAD_TRIED=$((BAD_TRIED + 1))
	nn=$(printf '%b' "$n")
	if mkdir "$M/caps/$nn" 2>/dev/null; then
		BAD_WRONG=$((BAD_WRONG + 1))
		fail "mkdir caps/'$n' succeeded"
		rmdir "$M/caps/$nn" 2>/dev/null
	fi
done
# The documented limits: 256 rules, 1024 collections, then ENOSPC.
seq 1 256 | sed 's/^/uid /' >"$T/rules256"
expect_write OK "$M/caps/h/members" "@$T/rules256"
RCAPFS_WRITE_APPEND=1 bad ENOSPC "$M/caps/h/members" "uid 999\\n"
echo "uid 0" >"$M/caps/h/members"
i=$(ls "$M/caps" | wc -l)
while [ "$i" -lt 1024 ]; do
	mkdir "$M/caps/l$i" || break
	i=$((i + 1))
done
BAD_TRIED=$((BAD_TRIED + 1))
if mkdir "$M/caps/one-too-many" 2>"$T/err"; then
	BAD_WRONG=$((BAD_WRONG + 1))
	fail "the 1025th collection was created"
elif ! grep -q "No space left" "$T/err"; then
	BAD_WRONG=$((BAD_WRONG + 1))
	fail "the 1025th collection: $(cat "$T/err")"
fi
for d in "$M"/caps/l*; do rmdir "$d"; done
CHANGED=0
[ "$(snapshot)" = "$before" ] || {
	CHANGED=1
	fail "hostile input changed something"
}

# ---- 4. Permissions ---------------------------------------------------------
echo "== Permissions"
PERM_TRIED=0
PERM_WRONG=0
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
for f in caps/h/cap caps/h/members caps/h/swap_idle ctl/enforce \
	ctl/pressure ctl/mode ctl/accounting ctl/sample_interval \
	ctl/idle_threshold ctl/rlimit_rss; do
	PERM_TRIED=$((PERM_TRIED + 1))
	got=$(as_nobody "$WR" "$M/$f" "1\\n" 2>&1)
	[ "$got" = EACCES ] || {
		PERM_WRONG=$((PERM_WRONG + 1))
		fail "non-root write to $f: $got"
	}
done
for op in "mkdir $M/caps/q" "rmdir $M/caps/h"; do
	PERM_TRIED=$((PERM_TRIED + 1))
	# shellcheck disable=SC2086
	if as_nobody $op 2>/dev/null; then
		PERM_WRONG=$((PERM_WRONG + 1))
		fail "non-root: $op succeeded"
	fi
done
for p in $(ls "$M/proc" | head -n 20); do
	owner=$(stat -c %u "$M/proc/$p/pagedata" 2>/dev/null) || continue
	[ "$owner" = 65534 ] && continue
	PERM_TRIED=$((PERM_TRIED + 1))
	if as_nobody head -c 1 "$M/proc/$p/xmap" >/dev/null 2>&1; then
		PERM_WRONG=$((PERM_WRONG + 1))
		fail "non-root read the xmap of $p (uid $owner)"
	fi
done
[ "$(snapshot)" = "$before" ] || fail "permission checks changed something"

# ---- 6. Races with the processes it manages ---------------------------------
echo "== Races with the processes it manages"
rmdir "$M/caps/h"
echo 1 >"$M/ctl/enforce"
fds0=$(fds_of "$SPID")
mkdir "$M/caps/churn" "$M/caps/outsider"
for b in /usr/bin/true /bin/true; do
	[ -x "$b" ] && cp "$b" "$T/churnproc" && break
done
echo "comm churnproc" >"$M/caps/churn/members"
echo 1K >"$M/caps/churn/cap"
# A non-member with plenty of file-backed memory: it must never be paged.
if [ -x "$VICTIM" ]; then
	spawn_victim sh -c "exec '$VICTIM' --file '$T/outsider.dat' --size 32 >'$T/outsider.out'"
	OUTSIDER=$VPID
	wait_for "outsider set up" 60 grep -qs ready "$T/outsider.out"
	echo "pid $OUTSIDER" >"$M/caps/outsider/members"
	outsider_rss0=$(rss_kb_of "$OUTSIDER")
fi
# Zombies: a parent that never reaps its children.
spawn_victim sh -c "'$T/churnproc' & '$T/churnproc' & exec sleep 1000"
n=0
pids=
while [ $n -lt "$CHURN" ]; do
	"$T/churnproc" &
	pids="$pids $!"
	n=$((n + 1))
	if [ $((n % 100)) = 0 ]; then
		# shellcheck disable=SC2086
		wait $pids
		pids=
	fi
done
# (A bare "wait" would wait for the victims too.)
# shellcheck disable=SC2086
[ -z "$pids" ] || wait $pids
# Two samples (each with a walk) over what the churn left.
samples=$(samples_of churn)
wait_for "two samples after the churn" 30 samples_past churn $((samples + 1))
RACE_FAULTS=0
kill -0 "$DPID" 2>/dev/null || {
	RACE_FAULTS=$((RACE_FAULTS + 1))
	fail "the daemon died during the races"
}

# setuid exec: a member becomes non-dumpable (its /proc files root-owned)
# and changes credentials; it is still sampled and enforced.
RACE_TRIED=0
if command -v setpriv >/dev/null && [ -x "$VICTIM" ]; then
	RACE_TRIED=$((RACE_TRIED + 1))
	cp "$VICTIM" "$T/suidvictim"
	chmod 4755 "$T/suidvictim"
	mkdir "$M/caps/suid"
	echo "comm suidvictim" >"$M/caps/suid/members"
	echo 4M >"$M/caps/suid/cap"
	spawn_victim sh -c "exec setpriv --reuid=65534 --regid=65534 \
		--clear-groups '$T/suidvictim' --file '$T/suid.dat' --size 16 \
		>'$T/suid.out'"
	SUID=$VPID
	in_suid() { grep -qx "$SUID" "$M/caps/suid/procs"; }
	if wait_for "setuid victim is a member" 30 in_suid; then
		suid_under() { [ "$(cat "$M/caps/suid/rss")" -le 4194304 ]; }
		wait_for "setuid victim enforced" 60 suid_under ||
			RACE_FAULTS=$((RACE_FAULTS + 1))
	else
		RACE_FAULTS=$((RACE_FAULTS + 1))
	fi
	rmdir "$M/caps/suid"
fi

# pid reuse on real processes: a pid rule's process exits and a new
# process gets its pid (ns_last_pid); the newcomer is no member.
if [ -w /proc/sys/kernel/ns_last_pid ]; then
	RACE_TRIED=$((RACE_TRIED + 1))
	sleep 1000 &
	OLD=$!
	mkdir "$M/caps/reuse"
	echo "pid $OLD" >"$M/caps/reuse/members"
	in_reuse() { grep -qx "$1" "$M/caps/reuse/procs"; }
	wait_for "pid rule member" 20 in_reuse "$OLD"
	kill "$OLD"
	wait "$OLD" 2>/dev/null
	NEW=
	tries=0
	while [ -z "$NEW" ] && [ $tries -lt 20 ]; do
		echo $((OLD - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 1000 &
		if [ $! = "$OLD" ]; then NEW=$!; else kill $!; fi
		tries=$((tries + 1))
	done
	if [ -n "$NEW" ]; then
		VICTIMS="$VICTIMS $NEW"
		# Two samples, each with a walk, since the newcomer started.
		samples=$(samples_of reuse)
		wait_for "two samples with the newcomer" 30 \
			samples_past reuse $((samples + 1))
		if in_reuse "$NEW"; then
			RACE_FAULTS=$((RACE_FAULTS + 1))
			fail "a reused pid was taken for the member it replaced"
		else
			ok "a reused pid is not the member it replaced"
		fi
	else
		echo "pid reuse: could not get pid $OLD again; not tried"
		RACE_TRIED=$((RACE_TRIED - 1))
	fi
	rmdir "$M/caps/reuse"
fi
echo "process moves between cgroups: not tried on a real mount (the tests may not create or change the machine's cgroups); tests/unit/test_scanner (cgroup_move) tries it on the fake backend"

fds1=$(fds_of "$SPID")
[ "$fds1" -le $((fds0 + 2)) ] || {
	RACE_FAULTS=$((RACE_FAULTS + 1))
	fail "fd leak: $fds0 before, $fds1 after:" \
		"$(ls -l "/proc/$SPID/fd" | awk 'NR > 1 { print $NF }' | sort | uniq -c | tr '\n' ' ')"
}
if [ -n "${OUTSIDER:-}" ]; then
	at=$(awk '$1 == "at" {print $2}' "$M/caps/outsider/stats")
	[ "$at" = 0 ] || {
		RACE_FAULTS=$((RACE_FAULTS + 1))
		fail "a collection with no cap paged out $at bytes"
	}
	orss=$(rss_kb_of "$OUTSIDER")
	[ "$orss" -ge $((outsider_rss0 * 9 / 10)) ] || {
		RACE_FAULTS=$((RACE_FAULTS + 1))
		fail "the outsider lost rss: $outsider_rss0 kB -> $orss kB"
	}
fi

# ---- 7. Load ---------------------------------------------------------------
echo "== Load"
LOAD_ERRORS=0
# Keep the scanner busy meanwhile: a victim whose hot set is twice its cap.
if [ -x "$VICTIM" ]; then
	spawn_victim sh -c "exec '$VICTIM' --file '$T/busy.dat' --size 32 --hot-start 0 --hot-size 16 >'$T/busy.out'"
	BUSY=$VPID
	wait_for "busy victim set up" 60 grep -qs ready "$T/busy.out"
	mkdir "$M/caps/busy"
	echo "pid $BUSY" >"$M/caps/busy/members"
	echo 8M >"$M/caps/busy/cap"
	# Its first scan opens the victim (pidfd, /proc dir, pagemap) for as
	# long as it is one: count the fds from there.
	busy_scanned() { [ "$(awk '$1 == "scans" {print $2}' "$M/caps/busy/stats")" -gt 0 ]; }
	wait_for "the scanner works on the busy victim" 60 busy_scanned
fi
rss0=$(rss_kb_of "$SPID")
fds0=$(fds_of "$SPID")
scans0=$(awk '$1 == "scans" {print $2}' "$M/caps/busy/stats" 2>/dev/null || echo 0)
mkdir "$M/caps/load"
echo "comm sleep" >"$M/caps/load/members"
end=$(($(date +%s) + LOAD_S))
w=0
workers=
while [ $w -lt 64 ]; do
	(
		errs=0
		k=0
		while [ "$(date +%s)" -lt "$end" ]; do
			case $((w % 4)) in
			0) cat "$M/caps/load/stats" >/dev/null || errs=$((errs + 1)) ;;
			1) echo "$((k % 900 + 100))M" >"$M/caps/load/cap" || errs=$((errs + 1)) ;;
			2) cat "$M/caps/load/members" "$M/ctl/status" "$M/caps/load/procs" >/dev/null || errs=$((errs + 1)) ;;
			3) if [ $((k % 2)) = 0 ]; then
				echo "comm sleep" >"$M/caps/load/members"
			else
				echo "uid $((k % 50000))" >>"$M/caps/load/members"
			fi || errs=$((errs + 1)) ;;
			esac
			k=$((k + 1))
		done
		echo "$errs $k" >"$T/load.$w"
	) 2>>"$T/load.err" &
	workers="$workers $!"
	w=$((w + 1))
done
# shellcheck disable=SC2086
wait $workers
LOAD_OPS=$(cat "$T"/load.* | awk '{ n += $2 } END { print n + 0 }')
LOAD_ERRORS=$(cat "$T"/load.* | awk '{ n += $1 } END { print n + 0 }')
[ "$LOAD_ERRORS" = 0 ] || { fail "load: $LOAD_ERRORS errors"; head "$T/load.err"; }
rss1=$(rss_kb_of "$SPID")
fds1=$(fds_of "$SPID")
LOAD_SCANS=$(($(awk '$1 == "scans" {print $2}' "$M/caps/busy/stats" 2>/dev/null || echo 0) - scans0))
# Flat: allocator arenas of 16 FUSE threads may settle a few MiB higher once;
# growth beyond that under a steady load is a leak.
[ "$rss1" -le $((rss0 + 8192)) ] || fail "load: daemon rss grew from ${rss0} kB to ${rss1} kB"
[ "$fds1" -le $((fds0 + 2)) ] || fail "load: fds grew from $fds0 to $fds1"

# ---- 8. Kills of the server amid clients -------------------------------------
# 8 shell clients each write their collection's cap and read it back while
# the server is killed with -9, again and again; the keeper holds the
# connection, so a client sees a delay, never an error, and every write
# acknowledged is there when the last server answers.
echo "== Kills of the server amid clients"
SKILLS=20
SK_ERRORS=0
SK_LOST=0
rm -f "$T/sk.stop"
c=0
clients=
while [ $c -lt 8 ]; do
	mkdir "$M/caps/sk$c"
	echo 0 >"$T/sk$c.acked"
	(
		v=0
		errs=0
		while [ ! -e "$T/sk.stop" ]; do
			v=$((v + 1))
			if echo "${v}K" >"$M/caps/sk$c/cap"; then
				echo "$v" >"$T/sk$c.acked"
				[ "$(cat "$M/caps/sk$c/cap")" = $((v * 1024)) ] ||
					errs=$((errs + 1))
			else
				errs=$((errs + 1))
			fi
		done
		echo "$errs" >"$T/sk$c.errors"
	) 2>>"$T/sk.err" &
	clients="$clients $!"
	c=$((c + 1))
done
# clients_past N...: every client has acknowledged more writes than the
# count given for it.
clients_past() {
	lib_c=0
	for lib_n in "$@"; do
		[ "$(cat "$T/sk$lib_c.acked")" -gt "$lib_n" ] || return 1
		lib_c=$((lib_c + 1))
	done
}
acked_now() { cat "$T"/sk[0-7].acked | tr '\n' ' '; }
k=0
while [ $k -lt $SKILLS ]; do
	# shellcheck disable=SC2046
	wait_for "kill $k: every client writes" 60 clients_past $(acked_now) ||
		break
	S=$(status_of pid)
	kill -9 "$S"
	wait_for "kill $k: a new server answers" 60 replaced "$S" || break
	k=$((k + 1))
done
# shellcheck disable=SC2046
wait_for "every client writes after the last kill" 60 clients_past $(acked_now)
touch "$T/sk.stop"
# shellcheck disable=SC2086
wait $clients
SK_ERRORS=$(cat "$T"/sk[0-7].errors | awk '{ n += $1 } END { print n + 0 }')
[ "$SK_ERRORS" = 0 ] || { fail "server kills: $SK_ERRORS client errors"; head "$T/sk.err"; }
c=0
while [ $c -lt 8 ]; do
	acked=$(cat "$T/sk$c.acked")
	got=$(($(cat "$M/caps/sk$c/cap") / 1024))
	if [ "$got" != "$acked" ]; then
		SK_LOST=$((SK_LOST + 1))
		fail "client $c: acknowledged $acked, found $got"
	fi
	rmdir "$M/caps/sk$c"
	c=$((c + 1))
done
expect_eq "server kills: the keeper counted every restart" "$k" \
	"$(status_of server_restarts)"
SKILLS=$k

# ---- 5. Crashes: kill -9 during a stream of writes --------------------------
echo "== Crashes: kill -9 during a stream of writes"
LOST=0
k=0
mkdir "$M/caps/h"
while [ $k -lt "$KILLS" ]; do
	kill9_amid_writes "$M/caps/h/cap" K $((k * 100000 + 1)) \
		"0.$(((k * 37) % 9 + 1))"
	if [ "$GOT" != "$ACKED" ] && [ "$GOT" != $((ACKED + 1)) ]; then
		LOST=$((LOST + 1))
		fail "kill $k: acknowledged $ACKED, found $GOT"
	fi
	k=$((k + 1))
done
ls "$(dirname "$STATE")" | grep -qv '^state$' && fail "temporary state files left behind"
# SIGTERM unmounts cleanly.
term_daemon "SIGTERM"
check "SIGTERM: the mount is gone" sh -c "! mountpoint -q '$M'"

printf '\nreliability report%s\n' "$([ "$SHORT" = 1 ] && echo ' (short)')"
printf '  %-46s %s\n' \
	"bad inputs tried" "$BAD_TRIED" \
	"bad inputs answered wrongly" "$BAD_WRONG" \
	"bad inputs that changed state" "$CHANGED" \
	"permission checks tried" "$PERM_TRIED" \
	"permission checks failed" "$PERM_WRONG" \
	"short-lived member processes" "$CHURN" \
	"setuid exec / pid reuse races tried" "$RACE_TRIED" \
	"race faults (crash, fd leak, ...)" "$RACE_FAULTS" \
	"load: concurrent clients x seconds" "64 x $LOAD_S" \
	"load: operations" "$LOAD_OPS" \
	"load: scans meanwhile" "$LOAD_SCANS" \
	"load: errors" "$LOAD_ERRORS" \
	"load: daemon rss before/after kB" "$rss0 / $rss1" \
	"load: daemon fds before/after" "$fds0 / $fds1" \
	"server kills amid 8 clients" "$SKILLS" \
	"client errors across server kills" "$SK_ERRORS" \
	"acknowledged writes lost across server kills" "$SK_LOST" \
	"kill -9 during writes survived" "$KILLS" \
	"acknowledged writes lost" "$LOST"
