#!/bin/sh
# Never stopping a process, on a real server. A throwaway PostgreSQL
# cluster (run as nobody, socket in a temp dir, no TCP) serves pgbench -S
# (select-only, BENCH_PG_CLIENTS clients); the postmaster and every process
# it forks are one collection (a pid rule), accounted by pss. Three runs,
# each of BENCH_PG_ROUNDS slices of BENCH_PG_SECS (one pgbench each, on a
# server started afresh), interleaved round by round so that the machine's
# drift falls on all three alike:
# - uncapped;
# - capped by rcapfs below the cluster's pss;
# - capped at the same size by bench/stw-pager, which stops each process
#   while it pages it out (SIGSTOP, process_madvise, SIGCONT), as Solaris
#   rcapd's agent LWP did.
# Figures, each the median over a run's slices: tps and p99 latency (from
# pgbench's per-transaction log) of each run against the uncapped one, and
# rcapfs's p99 against the stop-the-world pager's. Beside them, for each
# capped run, the 90th percentile of the cluster's pss (sampled every
# 250 ms) against the cap: a cap that is not held makes the comparison
# moot.
#
# The kernel pages out only pages mapped by one process, so the shared
# buffers every backend maps stay whatever the cap; the cap is set at the
# pss less half of what can leave (the pages mapped by one process only).
# Most of that is anonymous: without swap, a zram swap is set up for the
# length of the benchmark as tests/integration/enforce-anon.sh does; where
# it cannot be, the benchmark skips.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
STW=$BENCH_BIN/stw-pager
SECS=${BENCH_PG_SECS:-10}
ROUNDS=${BENCH_PG_ROUNDS:-3}
CLIENTS=${BENCH_PG_CLIENTS:-8}
SCALE=${BENCH_PG_SCALE:-10}
# Transactions per second asked of pgbench (-R); empty: as fast as it can.
RATE=${BENCH_PG_RATE:-}
# How much of what can be paged out the cap cuts, in percent.
CUT=${BENCH_PG_CUT:-50}
# The daemon's sample interval and the pager's, the same.
INTERVAL_S=1
WATCH_MS=250
[ -x "$STW" ] || bench_skip "bench/stw-pager not built"
PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null |
	sort -V | tail -n 1)}
[ -n "$PG_BINDIR" ] ||
	bench_skip "no PostgreSQL binaries (/usr/lib/postgresql/*/bin)"
for t in initdb postgres pgbench; do
	[ -x "$PG_BINDIR/$t" ] || bench_skip "no $PG_BINDIR/$t"
done
command -v setpriv >/dev/null || bench_skip "setpriv missing"
command -v pgrep >/dev/null || bench_skip "pgrep missing"
PG_UID=$(id -u nobody 2>/dev/null) ||
	bench_skip "no user nobody to run PostgreSQL as"
PG_GID=$(id -g nobody)

PGD=$BENCH_TMP/pg
PM=
STW_PID=
WATCH_PID=
CLIENT_PID=
# shellcheck source=tests/integration/lib-zram.sh
. "$top_srcdir/tests/integration/lib-zram.sh"

# as_pg COMMAND...: COMMAND as nobody, in $PGD, with an empty environment
# (exec, so that $! of `as_pg ... &` is the command itself).
as_pg() {
	cd "$PGD" && exec setpriv --reuid="$PG_UID" --regid="$PG_GID" \
		--clear-groups env -i PATH=/usr/bin:/bin "$@"
}

# pg_stop [SIGNAL]: an immediate shutdown (QUIT, the default: the
# postmaster takes its children and its shared memory with it) or a fast
# one (INT: a checkpoint first, so that the next start has nothing to
# replay); SIGKILL if it does not come within 10 s.
pg_stop() {
	[ -n "$PM" ] || return 0
	ps_kids=$(pgrep -P "$PM")
	# shellcheck disable=SC2086
	kill -CONT "$PM" $ps_kids 2>/dev/null
	kill -"${1:-QUIT}" "$PM" 2>/dev/null
	ps_i=0
	while kill -0 "$PM" 2>/dev/null && [ $ps_i -lt 100 ]; do
		ps_i=$((ps_i + 1))
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -9 "$PM" $ps_kids 2>/dev/null
	wait "$PM" 2>/dev/null
	PM=
}

# stop_bg PID: SIGTERM (the pager resumes what it stopped first), reap.
stop_bg() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# The pager first (it resumes its victim), then the clients, the server,
# and only then the swap: swapoff would have to bring their pages back.
# Not to be cut short: timeout(1) sends its TERM twice (to the shell and
# to its group), a terminal its INT to the whole group.
pg_cleanup() {
	trap '' INT TERM
	stop_bg "$STW_PID"
	stop_bg "$WATCH_PID"
	[ -z "$CLIENT_PID" ] || kill -9 "$CLIENT_PID" 2>/dev/null
	pg_stop
	zram_undo
	bench_cleanup
}
trap pg_cleanup EXIT

# pg_start: a fresh postmaster on the cluster (PM). When it does not come
# up, the benchmark skips with the server's last words the first time
# (this machine cannot run PostgreSQL), and fails after (it could).
PG_STARTED=
pg_start() {
	# The last server's log would say "ready" before this one is.
	rm -f "$PGD/server.log"
	as_pg "$PG_BINDIR/postgres" -D "$PGD/data" -c listen_addresses= \
		-c unix_socket_directories="$PGD" -c shared_buffers=16MB \
		-c max_connections=$((CLIENTS + 10)) -c fsync=off \
		-c synchronous_commit=off -c full_page_writes=off \
		-c autovacuum=off >"$PGD/server.log" 2>&1 &
	PM=$!
	ps_i=0
	until grep -qs 'ready to accept connections' "$PGD/server.log"; do
		if ! kill -0 "$PM" 2>/dev/null || [ $ps_i -ge 300 ]; then
			reason=$(grep -E 'FATAL|ERROR' "$PGD/server.log" | tail -n 1)
			pg_stop
			[ -z "$PG_STARTED" ] || bench_fail "PostgreSQL did not" \
				"restart: ${reason:-no word}"
			bench_skip "PostgreSQL did not start: ${reason:-no word}"
		fi
		ps_i=$((ps_i + 1))
		sleep 0.1
	done
	PG_STARTED=1
}

# pgbench_run NAME [ARGS...]: pgbench -S for SECS, its per-transaction
# log under $PGD/NAME.log.*, its summary in $PGD/NAME.out.
pgbench_run() {
	pr_name=$1
	shift
	# shellcheck disable=SC2086
	as_pg "$PG_BINDIR/pgbench" -h "$PGD" -n -S -c "$CLIENTS" -j 2 \
		${RATE:+-R "$RATE"} "$@" --log --log-prefix="$PGD/$pr_name.log" \
		postgres >"$PGD/$pr_name.out" 2>&1 &
	CLIENT_PID=$!
	wait "$CLIENT_PID" || {
		cat "$PGD/$pr_name.out" >&2
		bench_fail "pgbench $pr_name failed"
	}
	CLIENT_PID=
}

tps_of() {
	sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$PGD/$1.out" | head -n 1
}

# percentiles Q...: the Q-quantiles (nearest rank; 1 is the maximum) of
# the numbers on standard input, one per line, on one line.
percentiles() {
	sort -n | awk -v qs="$*" '
		function rank(q,  r) { r = int(NR * q); return r < NR * q ? r + 1 : r }
		{ v[NR] = $1 }
		END {
			if (!NR) exit 1
			n = split(qs, q, " ")
			for (i = 1; i <= n; i++)
				printf "%s%s", v[rank(q[i])], i < n ? " " : "\n"
		}'
}

# latency_of NAME: "P99 P999 MAX" of the latencies in microseconds (third
# field of each line of pgbench's log); the log goes.
latency_of() {
	cat "$PGD/$1".log.* | awk '{ print $3 }' | percentiles 0.99 0.999 1
	rm -f "$PGD/$1".log.*
}

mkdir -p "$PGD" && chown "$PG_UID:$PG_GID" "$PGD" ||
	bench_fail "cannot make $PGD"
(as_pg "$PG_BINDIR/initdb" -D "$PGD/data" -A trust -E UTF8 --locale=C \
	--no-sync) >"$PGD/initdb.log" 2>&1 ||
	bench_skip "initdb failed: $(tail -n 1 "$PGD/initdb.log")"
pg_start
(as_pg "$PG_BINDIR/pgbench" -h "$PGD" -i -q -s "$SCALE" postgres) \
	>"$PGD/init.log" 2>&1 ||
	bench_skip "pgbench -i failed: $(tail -n 1 "$PGD/init.log")"

if ! swap_active; then
	zram_usable && zram_do ||
		bench_skip "no swap, and no zram swap: $ZRAM_WHY"
fi

bench_start_daemon
M=$BENCH_MNT
grep -qx 'process_madvise 1' "$M/ctl/status" ||
	bench_skip "no process_madvise on this kernel: nothing to compare"
echo pss >"$M/ctl/accounting" || bench_fail "ctl/accounting"
echo "$INTERVAL_S" >"$M/ctl/sample_interval" || bench_fail "sample_interval"
echo "$INTERVAL_S" >"$M/ctl/scan_interval" || bench_fail "scan_interval"
mkdir "$M/caps/pg" || bench_fail "mkdir caps/pg"

# The cap: measured on a warm-up run of the same shape, near its end.
(
	sleep 4
	exec "$STW" size "$PM" >"$PGD/size"
) &
sizer=$!
pgbench_run warmup -T 5
wait "$sizer" || bench_fail "stw-pager size"
rm -f "$PGD"/warmup.log.*
size=$(cat "$PGD/size")
PSS_KB=${size% *}
PAGEABLE_KB=${size#* }
[ "$PAGEABLE_KB" -gt 1024 ] ||
	bench_skip "the cluster has ${PAGEABLE_KB} KiB that can be paged out"
CAP_KB=$((PSS_KB - PAGEABLE_KB * CUT / 100))
echo "pgbench: PostgreSQL $("$PG_BINDIR/postgres" --version |
	awk '{ print $3 }'), $CLIENTS clients, scale $SCALE," \
	"$ROUNDS rounds of ${SECS}s slices, ${RATE:-unthrottled} tps asked"
echo "pgbench: the cluster's pss ${PSS_KB} KiB, of which ${PAGEABLE_KB}" \
	"KiB private (can be paged out); cap ${CAP_KB} KiB"

RUNS="uncapped rcapfs stw"

# slice RUN ROUND: one pgbench of SECS under RUN's cap (rcapfs's or the
# pager's, none for uncapped), on a server started afresh: the postmaster
# a cap paged out would otherwise hand its children fewer resident pages
# in the next slice. Its figures go to $PGD/RUN.tps, RUN.p99 and RUN.p999
# (one line per slice) and its pss samples to RUN.pss.
slice() {
	sl_name=$1.$2
	pg_stop INT
	pg_start
	echo "pid $PM" >"$M/caps/pg/members" || bench_fail "members"
	"$STW" watch "$PM" "$WATCH_MS" >"$PGD/$sl_name.pss" &
	WATCH_PID=$!
	case $1 in
	rcapfs) echo "${CAP_KB}K" >"$M/caps/pg/cap" || bench_fail "cap" ;;
	stw)
		"$STW" page "$PM" "$CAP_KB" $((INTERVAL_S * 1000)) \
			>>"$PGD/pager.out" &
		STW_PID=$!
		;;
	esac
	pgbench_run "$sl_name" -T "$SECS"
	stop_bg "$STW_PID"
	STW_PID=
	stop_bg "$WATCH_PID"
	WATCH_PID=
	echo 0 >"$M/caps/pg/cap" || bench_fail "uncap"
	lat=$(latency_of "$sl_name")
	# shellcheck disable=SC2086 # three numbers
	set -- "$1" "$2" $lat
	[ $# = 5 ] || bench_fail "$sl_name: no latencies in pgbench's log"
	tps_of "$sl_name" >>"$PGD/$1.tps"
	echo "$3" >>"$PGD/$1.p99"
	echo "$4" >>"$PGD/$1.p999"
	awk '{ print $2 }' "$PGD/$sl_name.pss" >>"$PGD/$1.pss"
	# How soon a cap holds: the pss of the slice's second half apart.
	sl_late=$(awk 'NR == FNR { if ($1 > t) t = $1; next }
		$1 >= t / 2 { print $2 }' "$PGD/$sl_name.pss" \
		"$PGD/$sl_name.pss" | percentiles 0.9)
	echo "pgbench: round $2, $1: tps $(tps_of "$sl_name"), latency p99" \
		"$3 us, p99.9 $4 us, max $5 us; pss p90" \
		"$(awk '{ print $2 }' "$PGD/$sl_name.pss" | percentiles 0.9) KiB," \
		"in its second half $sl_late KiB"
}

order=$RUNS
round=1
while [ $round -le "$ROUNDS" ]; do
	for r in $order; do
		slice "$r" $round
	done
	# The next round starts one run further on: none always goes first.
	order="${order#* } ${order%% *}"
	round=$((round + 1))
done
awk '$1 ~ /^(at|pg|scans|scans_ineffective|majflt|unpageable_anon|unpageable_shared)$/ {
	printf "%s %s ", $1, $2 } END { print "" }' "$M/caps/pg/stats" |
	sed 's/^/pgbench: rcapfs stats: /'
sed 's/^/pgbench: stop-the-world pager: /' "$PGD/pager.out"

# med RUN WHAT: the median of WHAT (tps, p99, p999) over RUN's slices.
med() { bench_median <"$PGD/$1.$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3g\n", a / b }'; }
p99_uncapped=$(med uncapped p99)
p99_rcapfs=$(med rcapfs p99)
p99_stw=$(med stw p99)
echo "pgbench: against uncapped (medians of $ROUNDS slices):" \
	"rcapfs tps $(ratio "$(med rcapfs tps)" "$(med uncapped tps)")," \
	"p99 $(ratio "$p99_rcapfs" "$p99_uncapped")," \
	"p99.9 $(ratio "$(med rcapfs p999)" "$(med uncapped p999)");" \
	"stop-the-world tps $(ratio "$(med stw tps)" "$(med uncapped tps)")," \
	"p99 $(ratio "$p99_stw" "$p99_uncapped")," \
	"p99.9 $(ratio "$(med stw p999)" "$(med uncapped p999)")"
bench_report pgbench_rcapfs_p99 "$p99_rcapfs" us uncapped_p99 \
	"$p99_uncapped" us '<=' 1.5
# "Well below" the pager's: a third less at least.
bench_report pgbench_rcapfs_p99_vs_stw "$p99_rcapfs" us stw_p99 \
	"$p99_stw" us '<=' 0.67
# The cap held: 9 samples in 10 at most 5 % over it.
bench_report pgbench_rcapfs_pss_p90 "$(percentiles 0.9 <"$PGD/rcapfs.pss")" \
	KiB cap "$CAP_KB" KiB '<=' 1.05
bench_report pgbench_stw_pss_p90 "$(percentiles 0.9 <"$PGD/stw.pss")" \
	KiB cap "$CAP_KB" KiB '<=' 1.05
