#!/bin/sh
# Pids across pid namespaces (the Linux backend, through pidns-check):
# two sibling "containers" and one nested in a third, made with
# unshare -p; each translation both ways, with the nsfs ioctls (Linux
# 6.11) and with NSpid lines (RCAPFS_NO_PIDNS_IOCTL=1); and the start-up
# check inside a pid namespace.
. "${top_builddir:-.}/tests/integration/lib.sh"

PC=$top_builddir/tests/integration/pidns-check
require_backend linux "pid namespaces"
[ "$(id -u)" = 0 ] || skip "needs root for pid namespaces"
command -v unshare >/dev/null || skip "needs unshare (util-linux)"
T=$(mktemp -d /tmp/rcapfs-pidns.XXXXXX)
M=$T/none
LOG=$T/log
: >"$LOG"
trap teardown EXIT

pc() {
	# shellcheck disable=SC2086
	${RCAPFS_VALGRIND:+$RCAPFS_VALGRIND --log-file=$T/valgrind.%p.log} \
		"$PC" "$@"
}

# ns_container [INNER]: a pid namespace whose init (pid 1) is "sleep 601";
# its pid 2 is "sleep 600", or INNER. Sets U (unshare), I (the init).
ns_container() {
	unshare -p -f --mount-proc sh -c "${1:-sleep 600} & exec sleep 601" \
		>/dev/null 2>&1 &
	U=$!
	VICTIMS="$VICTIMS $U"
	I=
	wait_for "a container starts" 20 container_up
}
container_up() {
	I=$(children "$U")
	[ -n "$I" ] && [ -n "$(children "$I")" ] &&
		[ "$(cat "/proc/$I/comm")" = sleep ]
}

ns_container
I1=$I
C1=$(children "$I1")
ns_container
I2=$I
C2=$(children "$I2")
# The nested one: pid 2 of the third namespace is an unshare whose child
# (pid 3 there) is the init of a fourth.
ns_container "unshare -p -f --mount-proc sleep 602"
I3=$I
INNER=$(children "$I3")
wait_for "the nested container starts" 20 sh -c "[ -n \"\$(cat /proc/$INNER/task/$INNER/children)\" ]"
N=$(children "$INNER")
VICTIMS="$VICTIMS $I1 $I2 $I3 $N"

for ioctls in yes no; do
	if [ $ioctls = no ]; then
		RCAPFS_NO_PIDNS_IOCTL=1
		export RCAPFS_NO_PIDNS_IOCTL
	fi
	w="($ioctls ioctls)"
	expect_eq "a container sees its own, not the host, not a sibling $w" \
		"1 2 0 0 0" "$(pc to "$I1" "$I1" "$C1" $$ "$C2" "$I2")"
	expect_eq "the host sees host pids $w" "$I1 $C1 $N" \
		"$(pc to $$ "$I1" "$C1" "$N")"
	expect_eq "a container's 2 is its own $w" "$C1" "$(pc from "$I1" 2)"
	expect_eq "the sibling's 2 is another $w" "$C2" "$(pc from "$I2" 2)"
	expect_eq "no 3 in the first container $w" ESRCH "$(pc from "$I1" 3)"
	expect_eq "no host pid seen from a container $w" ESRCH \
		"$(pc from "$I1" $$)"
	expect_eq "a host caller's pid is the host pid $w" "$C1" \
		"$(pc from $$ "$C1")"
	expect_eq "a nested process, from each level $w" "3 1 0" \
		"$(pc to "$I3" "$N") $(pc to "$N" "$N") $(pc to "$I1" "$N")"
	expect_eq "a nested process by its number one level up $w" "$N" \
		"$(pc from "$I3" 3)"
done
unset RCAPFS_NO_PIDNS_IOCTL

expect_eq "one namespace for a container's processes" "$(pc of "$I1")" \
	"$(pc of "$C1")"
check "two for two containers" sh -c "[ '$(pc of "$I1")' != '$(pc of "$I2")' ]"

# The start-up check: on the host as the machine is, inside a pid
# namespace with the warning.
want=0
[ "$(readlink /proc/self/ns/pid)" = "pid:[4026531836]" ] && want=1
expect_eq "initial here" "$want" "$(pc initial 2>/dev/null)"
got=$(unshare -p -f --mount-proc "$PC" initial 2>"$T/warn")
expect_eq "not initial in a container" 0 "$got"
check "with the warning" grep -q 'outside the host.s initial pid namespace' \
	"$T/warn"
