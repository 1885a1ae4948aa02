#!/bin/sh
# rcapadm on a real mount: the configuration printed as Solaris prints
# it, each option written to its ctl/ file, Solaris's errors and exit
# codes for bad values, and what has no meaning here refused or ignored.
. "$top_builddir/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/tools-lib.sh"
command -v setpriv >/dev/null || skip "setpriv missing"
setup
start_daemon

expect_status "rcapadm prints the configuration" 0 rcapadm --mount "$M"
cat >"$T/want" <<'END'
                                      state: enabled
           memory cap enforcement threshold: 0%
                    process scan rate (sec): 15
                 reconfiguration rate (sec): 0
                          report rate (sec): 5
                    RSS sampling rate (sec): 5
END
expect_eq "rcapadm: Solaris's lines, the defaults" "$(cat "$T/want")" \
	"$(cat "$T/out")"
expect_status "RCAPFS_MOUNT names the mount" 0 env RCAPFS_MOUNT="$M" \
	"$top_builddir/rcapadm"

expect_status "rcapadm -D" 0 rcapadm --mount "$M" -D
expect_eq "-D: ctl/enforce 0" 0 "$(cat "$M/ctl/enforce")"
tool rcapadm --mount "$M" >"$T/out"
expect_eq "-D: state disabled" "state: disabled" \
	"$(sed -n '1s/^ *//p' "$T/out")"
expect_status "rcapadm -E -c 40 -i scan=10,sample=2,report=0" 0 \
	rcapadm --mount "$M" -E -c 40 -i scan=10,sample=2,report=0
expect_eq "ctl files" "1 40 10 2 0" \
	"$(cat "$M/ctl/enforce" "$M/ctl/pressure" "$M/ctl/scan_interval" \
		"$M/ctl/sample_interval" "$M/ctl/report_interval" | tr '\n' ' ' |
		sed 's/ $//')"
tool rcapadm --mount "$M" >"$T/out"
expect_eq "rcapadm shows them" \
	"enabled 40% 10 0 0 2" \
	"$(awk -F': ' '{ printf "%s ", $2 }' "$T/out" | sed 's/ $//')"

# Solaris's errors: usage (exit 2) for values out of range.
for bad in "-c 101" "-c -1" "-c x" "-i scan=0" "-i sample=0" "-i report=-1" \
	"-i bogus=1" "-i scan" "-z web" "-m 1G" "-z web -m 1G -E" "extra"; do
	# shellcheck disable=SC2086
	expect_status "rcapadm $bad" 2 rcapadm --mount "$M" $bad
	check "rcapadm $bad: usage" grep -q '^usage: rcapadm' "$T/err"
done
expect_status "rcapadm -c x says why" 2 rcapadm --mount "$M" -c x
check "illegal argument -- x" grep -qx 'rcapadm: illegal argument -- x' \
	"$T/err"
expect_eq "nothing changed" "1 40" \
	"$(cat "$M/ctl/enforce" "$M/ctl/pressure" | tr '\n' ' ' | sed 's/ $//')"

# A value the daemon refuses (an interval over a day): the error, and the
# values written before it put back.
expect_status "rcapadm -D -c 30 -i scan=5,sample=100000" 1 \
	rcapadm --mount "$M" -D -c 30 -i scan=5,sample=100000
check "refused: why" grep -q \
	'^rcapadm: cannot set ctl/sample_interval: Numerical result out of range$' \
	"$T/err"
expect_eq "refused: nothing changed" "1 40 10 2" \
	"$(cat "$M/ctl/enforce" "$M/ctl/pressure" "$M/ctl/scan_interval" \
		"$M/ctl/sample_interval" | tr '\n' ' ' | sed 's/ $//')"

# config= has no meaning here: taken, said, nothing written.
expect_status "rcapadm -i config=60" 0 rcapadm --mount "$M" -i config=60
check "config=: ignored, and said" grep -q 'config=60 ignored' "$T/err"
# -n: no configuration but the running one.
expect_status "rcapadm -n -E" 1 rcapadm --mount "$M" -n -E
check "-n: said" grep -q '^rcapadm: -n: ' "$T/err"

# -z NAME -m SIZE: a collection's cap (Solaris's running zone).
mkdir "$M/caps/web"
expect_status "rcapadm -z web -m 1.5G" 0 rcapadm --mount "$M" -z web -m 1.5G
expect_eq "-z web: caps/web/cap" 1610612736 "$(cat "$M/caps/web/cap")"
expect_status "rcapadm -z nosuch -m 1G" 1 rcapadm --mount "$M" -z nosuch -m 1G
expect_eq "zone must be running" "rcapadm: zone 'nosuch' must be running" \
	"$(cat "$T/err")"
expect_status "rcapadm -z web -m 1GB" 1 rcapadm --mount "$M" -z web -m 1GB
expect_eq "invalid max-rss" "rcapadm: invalid max-rss value" "$(cat "$T/err")"
expect_eq "the cap unchanged" 1610612736 "$(cat "$M/caps/web/cap")"

# Another user reads, and cannot write.
expect_status "rcapadm as nobody shows" 0 setpriv --reuid=65534 \
	--regid=65534 --clear-groups "$top_builddir/rcapadm" --mount "$M"
expect_status "rcapadm -D as nobody" 1 setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$top_builddir/rcapadm" --mount "$M" -D
check "as nobody: why" grep -q 'rcapadm: cannot set ctl/enforce: Permission denied' "$T/err"
expect_eq "as nobody: still enabled" 1 "$(cat "$M/ctl/enforce")"

expect_status "rcapadm without a mount" 1 rcapadm --mount "$T/none"
check "without a mount: Solaris's words" \
	grep -q '^rcapadm: resource caps not configured' "$T/err"
expect_status "rcapadm --help" 0 rcapadm --help
check "--help says -E" grep -q -- '-E, -D' "$T/out"
stop_daemon
