#!/bin/sh
# examples/plot-caps.sh on a victim being capped: it samples the
# collection for a few seconds and draws a PNG.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "pageout"
command -v gnuplot >/dev/null || skip "gnuplot missing (Debian package gnuplot-nox)"
VICTIM=$top_builddir/tests/victim
[ -x "$VICTIM" ] || skip "tests/victim not built"
PLOT=$SRCDIR/examples/plot-caps.sh
setup
start_daemon
echo 1 >"$M/ctl/sample_interval"
echo 1 >"$M/ctl/scan_interval"

spawn_victim sh -c "exec '$VICTIM' --file '$T/data' --size 64 >'$T/victim.out'"
wait_for "victim set up" 60 grep -qs ready "$T/victim.out"
mkdir "$M/caps/v"
echo "pid $VPID" >"$M/caps/v/members"
sampled() { [ "$(cat "$M/caps/v/rss")" -ge $((60 * 1024 * 1024)) ]; }
wait_for "victim sampled" 30 sampled
echo $(($(cat "$M/caps/v/rss") / 4)) >"$M/caps/v/cap"

status=0
sh "$PLOT" -m "$M" v 5 "$T/v.png" >"$T/plot.out" 2>&1 || status=$?
cat "$T/plot.out"
expect_eq "plot-caps.sh exits 0" 0 "$status"
check "the PNG is there and not empty" test -s "$T/v.png"
# The eight bytes every PNG file starts with.
expect_eq "it is a PNG" "89 50 4e 47 0d 0a 1a 0a" \
	"$(head -c 8 "$T/v.png" | od -An -tx1 | tr -s ' ' | sed 's/^ //')"
check "the victim was paged out meanwhile" \
	test "$(awk '$1 == "pg" {print $2}' "$M/caps/v/stats")" -gt 0

status=0
sh "$PLOT" -m "$M" v 2>/dev/null || status=$?
expect_eq "plot-caps.sh without OUT.png: usage, exit 2" 2 "$status"
status=0
sh "$PLOT" -m "$M" v x "$T/x.png" 2>/dev/null || status=$?
expect_eq "plot-caps.sh with SECONDS not a number: exit 2" 2 "$status"
status=0
sh "$PLOT" -m "$M" no-such 1 "$T/x.png" 2>/dev/null || status=$?
expect_eq "plot-caps.sh on no collection: exit 1" 1 "$status"
check "no PNG for a failed run" test ! -e "$T/x.png"
stop_daemon
