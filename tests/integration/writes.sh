#!/bin/sh
# Writes to control files: good values, bad values (EINVAL/ERANGE) that
# change nothing, members replace/append, read-only files.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "user, group and process lookups"
setup
start_daemon
mkdir "$M/caps/c"
C=$M/caps/c

echo 512M >"$C/cap"
expect_eq "echo 512M > cap" 536870912 "$(cat "$C/cap")"
for kv in 1.5G=1610612736 1=1024 1025=2048 2k=2048 4MiB=4194304 \
	1GB=1073741824 max=0 none=0 0=0 0.5K=1024 2.5K=3072 1T=1099511627776; do
	expect_write OK "$C/cap" "${kv%%=*}\\n"
	expect_eq "cap ${kv%%=*}" "${kv#*=}" "$(cat "$C/cap")"
done
expect_write OK "$C/cap" "64M"
expect_eq "value without newline" 67108864 "$(cat "$C/cap")"
for bad in "\\n" "-1" "+1" "1..5G" "12Q" "512 M" " 512M" "abc" "0x10" \
	"1e9" "512M\\n\\n" "K" "5\\x01" "1.5.5"; do
	expect_write EINVAL "$C/cap" "$bad"
done
for big in "99999999999E" "16E" "18446744073709551615"; do
	expect_write ERANGE "$C/cap" "$big"
done
expect_eq "bad writes changed nothing" 67108864 "$(cat "$C/cap")"
head -c 1048576 /dev/zero | tr '\0' 9 >"$T/digits"
head -c 1048576 /dev/zero | tr '\0' a >"$T/letters"
expect_write ERANGE "$C/cap" "@$T/digits"
expect_write EINVAL "$C/cap" "@$T/letters"
expect_eq "1 MiB writes changed nothing" 67108864 "$(cat "$C/cap")"

echo "pid $$" >"$C/members"
echo "comm sleep*" >>"$C/members"
expect_eq "members > then >>" "pid $$
comm sleep*" "$(cat "$C/members")"
printf '# web servers\n\nuid 0\n  gid 0  \ncgroup /system.slice\nuser root\ngroup root\n' >"$C/members"
expect_eq "members > replaces, comments dropped" "uid 0
gid 0
cgroup /system.slice
user root
group root" "$(cat "$C/members")"
before=$(cat "$C/members")
expect_write EINVAL "$C/members" "uid 0\\nbogus 1\\n"
expect_write EINVAL "$C/members" "pid\\n"
expect_write EINVAL "$C/members" "pid 1 2\\n"
expect_write EINVAL "$C/members" "user no-such-user-xyz\\n"
expect_write EINVAL "$C/members" "cgroup relative\\n"
expect_write EINVAL "$C/members" "pid 4194305000\\n"
RCAPFS_WRITE_APPEND=1 expect_write EINVAL "$C/members" "comm x\\nuid -1\\n"
expect_eq "bad members writes changed nothing" "$before" "$(cat "$C/members")"

expect_write ERANGE "$M/ctl/pressure" "101"
expect_write EINVAL "$M/ctl/pressure" "abc"
expect_write ERANGE "$M/ctl/sample_interval" "0"
expect_write EINVAL "$M/ctl/enforce" "2"
expect_write EINVAL "$M/ctl/mode" "fast"
expect_write EINVAL "$M/ctl/accounting" "all"
expect_write ERANGE "$M/ctl/idle_threshold" "86401"
expect_write EINVAL "$M/ctl/idle_threshold" "-1"
expect_write EINVAL "$M/ctl/rlimit_rss" "2"
expect_write EINVAL "$M/ctl/rlimit_rss" "yes"
expect_write ERANGE "$C/swap_idle" "86401"
expect_write EINVAL "$C/swap_idle" "1h"
expect_eq "ctl unchanged" "0 5 1 pageout rss 10 1 0" \
	"$(cat "$M/ctl/pressure" "$M/ctl/sample_interval" "$M/ctl/enforce" "$M/ctl/mode" "$M/ctl/accounting" "$M/ctl/idle_threshold" "$M/ctl/rlimit_rss" "$C/swap_idle" | tr '\n' ' ' | sed 's/ $//')"
echo 50 >"$M/ctl/pressure"
echo cold >"$M/ctl/mode"
echo pss >"$M/ctl/accounting"
echo 0 >"$M/ctl/enforce"
echo 2 >"$M/ctl/sample_interval"
echo 30 >"$M/ctl/scan_interval"
echo 0 >"$M/ctl/report_interval"
echo 0 >"$M/ctl/idle_threshold"
echo 0 >"$M/ctl/rlimit_rss"
echo 86400 >"$C/swap_idle"
expect_eq "ctl written" "50 cold pss 0 2 30 0 0 0 86400" \
	"$(cat "$M/ctl/pressure" "$M/ctl/mode" "$M/ctl/accounting" "$M/ctl/enforce" "$M/ctl/sample_interval" "$M/ctl/scan_interval" "$M/ctl/report_interval" "$M/ctl/idle_threshold" "$M/ctl/rlimit_rss" "$C/swap_idle" | tr '\n' ' ' | sed 's/ $//')"

expect_write EACCES "$C/stats" "1"
expect_write EACCES "$C/rss" "1"
expect_write EACCES "$C/procs" "1"
expect_write EACCES "$M/ctl/status" "1"
check "state file written" test -s "$STATE"
ALLOWED_ERRORS=''
stop_daemon
