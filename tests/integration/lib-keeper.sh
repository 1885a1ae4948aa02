# Shell functions of the tests of a kept connection (keeper.sh with
# keeperfs, takeover.sh with rcapfs): which server answers, and readers
# that run across the kills of servers. Sourced after lib.sh; $STATUS is
# the file with the pid, keeper_pid, server_restarts and resend lines.

# keeper_namespaces: the test needs unshare and nsenter, pid and mount
# namespaces; it runs again inside a mount namespace of its own with
# private propagation (once: KEEPER_UNSHARED), so its mounts vanish with
# it. Skips, saying why, where any of that is missing.
keeper_namespaces() {
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	command -v nsenter >/dev/null || skip "needs nsenter (util-linux)"
	if [ -z "${KEEPER_UNSHARED:-}" ]; then
		unshare -m --propagation private true 2>/dev/null ||
			skip "unshare cannot make a mount namespace here"
		KEEPER_UNSHARED=1 exec unshare -m --propagation private sh "$0"
	fi
	unshare -m -p -f --mount-proc true >/dev/null 2>&1 ||
		skip "unshare cannot make pid and mount namespaces here"
}

# status_of KEY: KEY's value in the status file $STATUS.
status_of() {
	awk -v k="$1" '$1 == k {print $2}' "$STATUS"
}

# replaced OLD: the mount answers from a server other than OLD.
replaced() {
	lib_p=$(status_of pid 2>/dev/null)
	[ -n "$lib_p" ] && [ "$lib_p" != "$1" ]
}

# reader_start NAME CMD: run CMD (a shell command printing one line) in a
# loop until NAME.stop exists; each result that is not NAME.want's
# content is kept in NAME.bad, and NAME.count counts the reads.
reader_start() {
	rm -f "$T/$1.stop" "$T/$1.bad"
	echo 0 >"$T/$1.count"
	(
		n=0
		while [ ! -e "$T/$1.stop" ]; do
			got=$(sh -c "$2" 2>&1)
			[ "$got" = "$(cat "$T/$1.want")" ] ||
				echo "$got" >>"$T/$1.bad"
			n=$((n + 1))
			# Replaced whole: a reader of the count never sees it
			# empty.
			echo "$n" >"$T/$1.count.new"
			mv -f "$T/$1.count.new" "$T/$1.count"
		done
	) >/dev/null 2>&1 &
	eval "READER_$1=\$!"
}

# reads_past NAME N: NAME has read more than N times.
reads_past() {
	[ "$(cat "$T/$1.count")" -gt "$2" ]
}

# reader_stop NAME: stop the loop; it must have read only right values.
reader_stop() {
	touch "$T/$1.stop"
	eval "wait \$READER_$1"
	expect_eq "$1: every read gave the right value" "" \
		"$(sort -u "$T/$1.bad" 2>/dev/null)"
}
