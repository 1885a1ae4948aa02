#!/bin/sh
# Node ids are derived from what a node is (doc/design.md §6): the root is
# 1, a collection's files keep their inode numbers across a restart of the
# daemon (ids live in the state file), and a file or directory held open
# while its collection goes answers ESTALE, not another collection's
# attributes; a name that is not there is still ENOENT.
. "$top_builddir/tests/integration/lib.sh"
setup

ino() { stat -c %i "$1"; }
# stale_fd N: stat(2) of what fd N holds says "Stale file handle".
stale_fd() {
	out=$(stat -L -c %i "/dev/fd/$1" 2>&1) && return 1
	case $out in *"Stale file handle"*) return 0 ;; esac
	echo "stat of fd $1: $out"
	return 1
}
no_entry() {
	out=$(stat "$1" 2>&1) && return 1
	case $out in *"No such file"*) return 0 ;; esac
	echo "stat $1: $out"
	return 1
}

start_daemon
expect_eq "the root is node 1" 1 "$(ino "$M")"
mkdir "$M/caps/keep" "$M/caps/gone"
keep=$(ino "$M/caps/keep/cap")
dir=$(ino "$M/caps/keep")
gone=$(ino "$M/caps/gone/stats")
[ "$keep" != "$gone" ] || fail "two collections' files share node $keep"
expect_eq "a listing gives the node ids stat gives" "$dir" \
	"$(ls -i "$M/caps" | awk '$2 == "keep" { print $1 }')"

exec 3<"$M/caps/gone/stats" 4<"$M/caps/gone"
stat -L "/dev/fd/3" >/dev/null || fail "stat of an open file before rmdir"
rmdir "$M/caps/gone" || fail "rmdir caps/gone"
# Past the attribute timeout (1 s), the kernel asks the daemon again.
sleep 1.2
check "an open file of a removed collection: ESTALE" stale_fd 3
check "a held directory of a removed collection: ESTALE" stale_fd 4
check "its name: ENOENT" no_entry "$M/caps/gone/stats"
mkdir "$M/caps/gone"
[ "$(ino "$M/caps/gone/stats")" != "$gone" ] ||
	fail "a collection made again under the old name has the old node ids"
check "the old one's open file stays stale" stale_fd 3
exec 3<&- 4<&-

stop_daemon
start_daemon
expect_eq "a collection's file keeps its node id across a restart" \
	"$keep" "$(ino "$M/caps/keep/cap")"
expect_eq "and its directory" "$dir" "$(ino "$M/caps/keep")"
