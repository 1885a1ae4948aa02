#!/bin/sh
# rcapfs-project on a real mount: caps from a project database, a dry run,
# a second run that changes nothing, an update, collections it did not
# make left alone, and a hostile database whose bad lines are reported
# with their numbers while the rest is applied.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "user and group lookups"
. "$SRCDIR/tests/integration/tools-lib.sh"
command -v setpriv >/dev/null || skip "setpriv missing"
getent passwd nobody >/dev/null || skip "no user nobody"
getent group nogroup >/dev/null || skip "no group nogroup"
setup
start_daemon
cat >"$T/project" <<'END'
system:0::::
user.root:1::::
noproject:2::::
default:3::::
group.staff:10::::
user.nobody:100::::rcap.max-rss=1073741824
ops:101:operations:root:nogroup:rcap.max-rss=536870913
closed:102::!*::rcap.max-rss=0
END
collections() { ls "$M/caps" | tr '\n' ' ' | sed 's/ $//'; }

expect_status "a dry run" 0 rcapfs-project --mount "$M" --dry-run "$T/project"
expect_eq "a dry run says what it would do" \
	"would create user.nobody (project 100): cap 1073741824, members user nobody
would create ops (project 101): cap 536871936, members user root, group nogroup
would create closed (project 102): cap 0, members none" "$(cat "$T/out")"
expect_eq "a dry run does nothing" "" "$(collections)"

expect_status "the import" 0 rcapfs-project --mount "$M" "$T/project"
expect_eq "it says what it did" 3 "$(grep -c '^created ' "$T/out")"
expect_eq "one collection per capped project" "closed ops user.nobody" \
	"$(collections)"
expect_eq "user.nobody: its user, and the marker" \
	"comm rcapfs-project:100
user nobody" "$(cat "$M/caps/user.nobody/members")"
expect_eq "user.nobody: the cap" 1073741824 "$(cat "$M/caps/user.nobody/cap")"
expect_eq "ops: users and groups" "comm rcapfs-project:101
user root
group nogroup" "$(cat "$M/caps/ops/members")"
expect_eq "ops: the cap, to a whole KiB" 536871936 "$(cat "$M/caps/ops/cap")"
expect_eq "closed: no one, uncapped" "comm rcapfs-project:102 0" \
	"$(cat "$M/caps/closed/members") $(cat "$M/caps/closed/cap")"
check "the marker matches no process" test -z "$(cat "$M/caps/closed/procs")"

expect_status "a second run" 0 rcapfs-project --mount "$M" "$T/project"
expect_eq "a second run changes nothing" "unchanged user.nobody (project 100)
unchanged ops (project 101)
unchanged closed (project 102)" "$(cat "$T/out")"

sed -i 's/rcap.max-rss=536870913/rcap.max-rss=1G/; s/^ops:101:operations:root:/ops:101:operations:root,nobody:/' "$T/project"
expect_status "a bad cap is reported, the rest applied" 1 \
	rcapfs-project --mount "$M" "$T/project"
check "the line of the bad cap" grep -q \
	"$T/project:7: project ops: rcap.max-rss \"1G\" is not a byte count; skipped" \
	"$T/err"
expect_eq "ops left as it was" 536871936 "$(cat "$M/caps/ops/cap")"
sed -i 's/rcap.max-rss=1G/rcap.max-rss=268435456/' "$T/project"
expect_status "an update" 0 rcapfs-project --mount "$M" "$T/project"
check "it says what changed" grep -q \
	'^updated ops (project 101): cap 268435456 (was 536871936), members user root, user nobody, group nogroup (were user root, group nogroup)$' \
	"$T/out"
expect_eq "ops: the new members" "comm rcapfs-project:101
user root
user nobody
group nogroup" "$(cat "$M/caps/ops/members")"

# A collection it did not make is never touched.
mkdir "$M/caps/web"
echo "comm nginx" >"$M/caps/web/members"
echo "web:103::root::rcap.max-rss=1048576" >>"$T/project"
expect_status "web made by hand" 1 rcapfs-project --mount "$M" "$T/project"
check "web: left alone, and said" grep -q \
	'collection web was not made by rcapfs-project: left alone' "$T/err"
expect_eq "web: untouched" "comm nginx 0" \
	"$(cat "$M/caps/web/members") $(cat "$M/caps/web/cap")"
rmdir "$M/caps/web"

# A user unknown here: refused by rcapfs, nothing left behind.
echo "ghosts:104::no-such-user-xyz::rcap.max-rss=1048576" >>"$T/project"
expect_status "an unknown user" 1 rcapfs-project --mount "$M" "$T/project"
check "ghosts: said" grep -q 'project ghosts: Invalid argument' "$T/err"
check "ghosts: nothing left behind" test ! -e "$M/caps/ghosts"

# The hostile database: every bad line by its number, the rest applied.
expect_status "a hostile database" 1 rcapfs-project --mount "$M" \
	"$SRCDIR/tests/fixtures/project/hostile"
expect_eq "its 18 bad lines" \
	"2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19" \
	"$(sed -n 's/^rcapfs-project: [^:]*hostile:\([0-9]*\): .*; skipped$/\1/p' \
		"$T/err" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "its good lines applied" "1048576 4096" \
	"$(cat "$M/caps/ok/cap") $(cat "$M/caps/last/cap")"

expect_status "as another user" 1 setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$top_builddir/rcapfs-project" --mount "$M" \
	"$SRCDIR/tests/fixtures/project/solaris-rcap"
expect_status "without a mount" 1 rcapfs-project --mount "$T/none" \
	"$T/project"
expect_status "without a file" 1 rcapfs-project --mount "$M" "$T/nofile"
expect_status "two files" 2 rcapfs-project --mount "$M" "$T/project" \
	"$T/project"
expect_status "--help" 0 rcapfs-project --help
stop_daemon
