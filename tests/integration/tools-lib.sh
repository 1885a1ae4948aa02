# Sourced by the integration tests of the tools (rcapadm.sh, rcapstat.sh,
# project.sh) after lib.sh: run a tool as installed, under memcheck when
# check-valgrind asks (its findings land in $T/valgrind.*.log, which
# teardown reads).

# tool NAME ARGS...: the exit status of the tool's run.
tool() {
	tl_name=$1
	shift
	[ -x "$top_builddir/$tl_name" ] || skip "$tl_name not built"
	# shellcheck disable=SC2086
	${RCAPFS_VALGRIND:+$RCAPFS_VALGRIND --log-file=$T/valgrind.$tl_name.%p.log} \
		"$top_builddir/$tl_name" "$@"
}

# expect_status DESCRIPTION STATUS COMMAND ARGS...: run a tool (COMMAND
# rcapadm, rcapstat or rcapfs-project) or another command, output in
# $T/out and $T/err, and check its exit status.
expect_status() {
	es_desc=$1
	es_want=$2
	shift 2
	es_got=0
	case $1 in
	rcapadm | rcapstat | rcapfs-project)
		tool "$@" >"$T/out" 2>"$T/err" || es_got=$?
		;;
	*) "$@" >"$T/out" 2>"$T/err" || es_got=$? ;;
	esac
	expect_eq "$es_desc (exit $es_want)" "$es_want" "$es_got"
}
