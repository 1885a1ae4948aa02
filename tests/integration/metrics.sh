#!/bin/sh
# M/rcapfs.prom read by the real clients: promtool accepts it, and
# node_exporter's textfile collector, pointed at the mount, serves its
# rcapfs_* samples with the values the collections' files show.
. "$top_builddir/tests/integration/lib.sh"
command -v promtool >/dev/null ||
	skip "promtool missing (Debian package prometheus)"
NODE_EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	skip "node_exporter missing (Debian package prometheus-node-exporter)"
command -v curl >/dev/null || skip "curl missing"
setup
start_daemon
echo 1 >"$M/ctl/sample_interval"

# Names with every kind of character a collection name may have. None
# needs escaping in a label value ([A-Za-z0-9._-] has no backslash, double
# quote or newline): they must come through as they are.
for c in web db.replica_2 A-9; do
	check "mkdir caps/$c" mkdir "$M/caps/$c"
done
echo 64M >"$M/caps/web/cap"
echo 1g >"$M/caps/db.replica_2/cap"
# A member, so that web's samples and rss move.
spawn_victim sleep 100000
echo "pid $VPID" >"$M/caps/web/members"

expect_eq "mode of rcapfs.prom" 444 "$(stat -c %a "$M/rcapfs.prom")"
check "promtool check metrics accepts it" \
	sh -c "promtool check metrics <'$M/rcapfs.prom'"
check "each family has a HELP and a TYPE" sh -c "
	awk '/^# HELP / { h[\$3] = 1 } /^# TYPE / { t[\$3] = 1 }
		/^[a-z]/ { sub(/[{ ].*/, \"\"); s[\$0] = 1 }
		END { for (f in s) if (!(f in h) || !(f in t)) exit 1 }' \
	'$M/rcapfs.prom'"

# prom FILE FAMILY COLLECTION: the value of that sample in FILE, as a
# whole number (node_exporter writes 6.7108864e+07).
prom() {
	awk -v want="$2{collection=\"$3\"}" '$1 == want { printf "%.0f\n", $2 }' "$1"
}

cp "$M/rcapfs.prom" "$T/file.prom"
for c in web db.replica_2 A-9; do
	expect_eq "$c: cap in rcapfs.prom is caps/$c/cap" \
		"$(cat "$M/caps/$c/cap")" "$(prom "$T/file.prom" rcapfs_cap_bytes "$c")"
done
expect_eq "rcapfs_collections" 3 \
	"$(awk '$1 == "rcapfs_collections" {print $2}' "$T/file.prom")"
expect_eq "rcapfs_info carries ctl/status's version" \
	"rcapfs_info{version=\"$(awk '$1 == "version" {print $2}' "$M/ctl/status")\"," \
	"$(grep -o '^rcapfs_info{version="[^"]*",' "$T/file.prom")"

# node_exporter on a free loopback port, with only the textfile collector.
port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
scrape() { curl -fsS "http://127.0.0.1:$PORT/metrics" >"$T/scrape" 2>/dev/null; }
serving() {
	kill -0 "$NE_PID" 2>/dev/null && scrape &&
		grep -q '^node_textfile_scrape_error' "$T/scrape"
}
PORT=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	p=$(shuf -i 20000-60999 -n 1)
	port_free "$p" || continue
	spawn_victim "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$p" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$M" 2>>"$T/node_exporter.log"
	NE_PID=$VPID
	PORT=$p
	wait_for "node_exporter serves on 127.0.0.1:$p" 30 serving && break
	cat "$T/node_exporter.log"
	PORT=
done
[ -n "$PORT" ] || { fail "node_exporter did not start on a free port"; exit 1; }

# Read the stats, scrape, read them again: what node_exporter served lies
# between (the cap cannot change meanwhile; samples and rss can).
if [ "$BACKEND" = linux ]; then
	wait_for "web: its member sampled" 30 \
		sh -c "[ \"\$(awk '\$1 == \"nproc\" {print \$2}' '$M/caps/web/stats')\" = 1 ]"
fi
for c in web db.replica_2 A-9; do cp "$M/caps/$c/stats" "$T/before.$c"; done
check "scrape" scrape
for c in web db.replica_2 A-9; do cp "$M/caps/$c/stats" "$T/after.$c"; done
field() { awk -v k="$1" '$1 == k {print $2}' "$2"; }
expect_eq "node_exporter read rcapfs.prom without error" 0 \
	"$(awk '$1 == "node_textfile_scrape_error" {print $2}' "$T/scrape")"
check "node_exporter serves rcapfs_* samples" \
	grep -q '^rcapfs_rss_bytes{collection="web"} ' "$T/scrape"
for c in web db.replica_2 A-9; do
	expect_eq "$c: cap served is caps/$c/cap" "$(cat "$M/caps/$c/cap")" \
		"$(prom "$T/scrape" rcapfs_cap_bytes "$c")"
	b=$(field samples "$T/before.$c")
	a=$(field samples "$T/after.$c")
	v=$(prom "$T/scrape" rcapfs_samples_total "$c")
	check "$c: samples served ($v) between the stats read before ($b) and after ($a)" \
		test "${v:--1}" -ge "$b" -a "${v:--1}" -le "$a"
	v=$(prom "$T/scrape" rcapfs_rss_bytes "$c")
	check "$c: rss served ($v) is the stats' before or after" \
		test "$v" = "$(field rss "$T/before.$c")" -o "$v" = "$(field rss "$T/after.$c")"
done
if [ "$BACKEND" = linux ]; then
	check "web: sampled" test "$(field samples "$T/after.web")" -gt 0
	check "web: rss served is its member's" \
		test "$(prom "$T/scrape" rcapfs_rss_bytes web)" -gt 0
fi
expect_eq "every family of the file is served" \
	"$(grep '^# TYPE rcapfs_' "$T/file.prom" | cut -d' ' -f3 | sort)" \
	"$(grep '^# TYPE rcapfs_' "$T/scrape" | cut -d' ' -f3 | sort)"

# A collection removed is gone from the next scrape.
check "rmdir caps/A-9" rmdir "$M/caps/A-9"
check "scrape after rmdir" scrape
expect_eq "A-9 no longer served" "" "$(prom "$T/scrape" rcapfs_cap_bytes A-9)"
stop_daemon
