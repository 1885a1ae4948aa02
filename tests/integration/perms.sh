#!/bin/sh
# Only root changes anything; everyone reads caps and ctl.
. "$top_builddir/tests/integration/lib.sh"
setup
command -v setpriv >/dev/null || skip "setpriv missing"
start_daemon
mkdir "$M/caps/p"
echo 1G >"$M/caps/p/cap"
echo "uid 0" >"$M/caps/p/members"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

for f in caps/p/cap caps/p/members caps/p/procs caps/p/rss caps/p/stats \
	ctl/enforce ctl/pressure ctl/status ctl/mode; do
	check "non-root reads $f" as_nobody cat "$M/$f" >/dev/null
done
check "non-root lists caps" as_nobody ls "$M/caps/p" >/dev/null
for f in caps/p/cap caps/p/members ctl/enforce ctl/pressure ctl/mode; do
	got=$(as_nobody "$WR" "$M/$f" "0\\n" 2>&1)
	expect_eq "non-root write to $f" EACCES "$got"
done
check "non-root: test -w cap is false" as_nobody sh -c "! test -w '$M/caps/p/cap'"
check "root: test -w cap is true" test -w "$M/caps/p/cap"
if as_nobody mkdir "$M/caps/q" 2>/dev/null; then fail "non-root mkdir"; else ok "non-root mkdir refused"; fi
if as_nobody rmdir "$M/caps/p" 2>/dev/null; then fail "non-root rmdir"; else ok "non-root rmdir refused"; fi
if as_nobody sh -c "echo 5 > '$M/caps/p/cap'" 2>/dev/null; then
	fail "non-root echo > cap"
else
	ok "non-root echo > cap refused"
fi
expect_eq "cap unchanged by non-root" 1073741824 "$(cat "$M/caps/p/cap")"
check "collection still there" test -d "$M/caps/p"
stop_daemon

# Mounted with an explicit -o allow_other the same rules hold.
start_daemon -o allow_other
check "non-root reads with -o allow_other" as_nobody cat "$M/caps/p/cap" >/dev/null
got=$(as_nobody "$WR" "$M/caps/p/cap" "0\\n" 2>&1)
expect_eq "non-root write with -o allow_other" EACCES "$got"
stop_daemon
