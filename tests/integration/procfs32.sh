#!/bin/sh
# 32-bit readers of the 64-bit daemon's pagedata and xmap: procfs-dump
# (every field), pmapx and wss, built as i386 programs (HAVE_M32), print
# what the 64-bit builds print over the same process, field by field, and
# the addresses of the 64-bit victim, above 4 GiB, come through whole.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "the mappings and pages of processes"
B=$top_builddir/tests/integration
VICTIM=$B/procfs-victim
DUMP=$B/procfs-dump
PMAPX=$top_builddir/examples/pmapx
WSS=$top_builddir/examples/wss
for p in "$VICTIM" "$DUMP" "$PMAPX" "$WSS"; do
	[ -x "$p" ] || skip "$p not built"
done
for p in "$B/procfs-dump32" "$B/pmapx32" "$B/wss32"; do
	[ -x "$p" ] || skip "no 32-bit readers because configure found that" \
		"the compiler cannot link -m32 programs (on Debian:" \
		"lib32gcc-N-dev, libc6-dev-i386, linux-libc-dev:i386)"
done

# elf PROGRAM: its ELF class and machine, "32 3" for i386, "64 62" for
# x86-64 (e_ident[EI_CLASS] and e_machine, little-endian).
elf() {
	od -An -tu1 -j4 -N1 "$1" | awk '{ printf "%d ", $1 * 32 }'
	od -An -tu2 -j18 -N2 "$1" | awk '{ print $1 }'
}
for p in procfs-dump32 pmapx32 wss32; do
	expect_eq "$p is an i386 program" "32 3" "$(elf "$B/$p")"
done
for p in "$DUMP" "$PMAPX" "$WSS"; do
	expect_eq "$(basename "$p") is an x86-64 program" "64 62" "$(elf "$p")"
done
# A kernel built or booted without IA-32 emulation (ia32_emulation=0, some
# virtual machines) refuses to run them: execve fails with ENOEXEC.
why=$("$B/procfs-dump32" </dev/null 2>&1 >/dev/null)
case $why in
*"xec format error"*)
	skip "this kernel does not run 32-bit programs: $why" ;;
esac

setup
start_daemon

# val KEY FILE: the value of "KEY value" in FILE.
val() {
	awk -v k="$1" '$1 == k { print $2 }' "$2"
}
PAGE=$(getconf PAGESIZE)
FIDELITY=$(val fidelity "$M/ctl/status")
echo "fidelity: $FIDELITY"

# A victim whose memory holds still: 16 MiB anonymous, 1 MiB of a file,
# 4 MiB it writes again on SIGUSR1, 256 KiB of the zero page, all but the
# zero page mlocked; stopped while it is read.
head -c 1048576 /dev/urandom >"$T/file"
spawn_victim "$VICTIM" -a 16384 -f "$T/file" -F 1024 -c 4096 -z 256 -l \
	>"$T/victim.out"
V=$VPID
wait_for "victim ready" 20 grep -qx ready "$T/victim.out"
start_of() {
	awk -v n="$1" '$1 == n { print substr($2, 3) }' "$T/victim.out"
}
ANON=$(start_of anon)
COLD=$(start_of cold)
check "the victim's anonymous region is above 4 GiB (0x$ANON)" \
	test $((0x$ANON)) -gt 4294967295
stopped() {
	grep -q '^State:.*T' "/proc/$V/status"
}
stop_victim() {
	kill -STOP "$V"
	wait_for "the victim is stopped" 10 stopped
}
TOUCHED=0
# touch_cold: the victim writes its cold region once more, and stops.
touch_cold() {
	TOUCHED=$((TOUCHED + 1))
	kill -CONT "$V"
	kill -USR1 "$V"
	wait_for "the victim writes its cold region ($TOUCHED)" 10 \
		grep -qx "touched $TOUCHED" "$T/victim.out"
	stop_victim
}

# bracket NAME PREPARE READ64A READ32 READ64B: runs PREPARE, then a 64-bit
# read, the 32-bit one and a 64-bit one again (each a shell command string,
# output to $T/NAME.64a, .32, .64b). The two 64-bit outputs agree unless
# the process changed in between; then all is tried again (five times at
# most), so that a difference left is the 32-bit reader's alone.
bracket() {
	name=$1
	tries=0
	while [ $tries -lt 5 ]; do
		tries=$((tries + 1))
		eval "$2"
		eval "$3" >"$T/$name.64a" 2>&1
		eval "$4" >"$T/$name.32" 2>&1
		eval "$5" >"$T/$name.64b" 2>&1
		# Time stamps differ from read to read: compared apart.
		for f in 64a 32 64b; do
			grep -v '^tstamp ' "$T/$name.$f" >"$T/$name.$f.cmp"
		done
		cmp -s "$T/$name.64a.cmp" "$T/$name.64b.cmp" && break
		echo "# $name: the 64-bit reads differ, try $tries:"
		diff "$T/$name.64a.cmp" "$T/$name.64b.cmp" | head -n 10
	done
	expect_eq "$name: the two 64-bit reads agree" "" \
		"$(diff "$T/$name.64a.cmp" "$T/$name.64b.cmp" | head -n 20)"
	expect_eq "$name: the 32-bit reader prints what the 64-bit one does" \
		"" "$(diff "$T/$name.64a.cmp" "$T/$name.32.cmp" | head -n 20)"
}

# fields LINE KEY...: "KEY VALUE" for each KEY of a "... KEY VALUE ..."
# line.
fields() {
	echo "$1" | awk -v keys="$(shift; echo "$*")" '{
		n = split(keys, k, " ")
		for (j = 1; j <= n; j++)
			for (i = 1; i < NF; i++)
				if ($i == k[j])
					printf "%s%s %s", (j > 1 ? " " : ""), $i, $(i + 1)
	}'
}

stop_victim

# xmap, every field.
X="$M/proc/$V/xmap"
bracket xmap : "'$DUMP' xmap <'$X'" "'$B/procfs-dump32' xmap <'$X'" \
	"'$DUMP' xmap <'$X'"
check "xmap: the 64-bit reader lists mappings" \
	test "$(grep -c '^xmap ' "$T/xmap.64a")" -gt 4
anon_x=$(grep "^xmap [0-9]* vaddr 0x0*$ANON " "$T/xmap.32")
expect_eq "xmap: the 32-bit reader finds the anonymous region" \
	"size 16777216 rss $((16777216 / PAGE)) anon $((16777216 / PAGE)) locked $((16777216 / PAGE))" \
	"$(fields "$anon_x" size rss anon locked)"

# pagedata, every field, the flag bytes included. A descriptor for each
# read, all opened while the victim is stopped, so that each has seen the
# same activity: the cold region written once more. The first read is
# thrown away: at mapping fidelity the [vdso] page, which every process
# shares, can read referenced at the second sample and not at the first.
P="$M/proc/$V/pagedata"
bracket pagedata "exec 3<'$P' 4<'$P' 5<'$P' 6<'$P'; touch_cold;
		'$DUMP' pagedata <&6 >/dev/null" \
	"'$DUMP' pagedata <&3" "'$B/procfs-dump32' pagedata <&4" \
	"'$DUMP' pagedata <&5"
exec 3<&- 4<&- 5<&- 6<&-
check "pagedata: the 64-bit reader lists mappings" \
	test "$(grep -c '^asmap ' "$T/pagedata.64a")" -gt 4
anon_i=$(awk -v a="0x0*$ANON" '$1 == "asmap" && $4 ~ "^" a "$" { print $2 }' \
	"$T/pagedata.32")
expect_eq "pagedata: the 32-bit reader finds the anonymous region" \
	"npage $((16777216 / PAGE)) pagesize $PAGE" \
	"$(fields "$(grep "^asmap $anon_i " "$T/pagedata.32")" npage pagesize)"
cold_i=$(awk -v a="0x0*$COLD" '$1 == "asmap" && $4 ~ "^" a "$" { print $2 }' \
	"$T/pagedata.32")
cold_flags=$(awk -v i="$cold_i" '$1 == "pages" && $2 == i { $1 = $2 = ""; print }' \
	"$T/pagedata.32" | sed 's/^ *//')
# As on Solaris, pagedata carries PG_REFERENCED and PG_MODIFIED only.
if [ "$FIDELITY" = none ]; then
	expect_eq "pagedata: no referenced bits at fidelity none" \
		"00*$((4194304 / PAGE))" "$cold_flags"
else
	check "pagedata: the 32-bit reader sees the cold region referenced ($cold_flags)" \
		sh -c "echo '$cold_flags' | grep -Eq '^0[23]\*$((4194304 / PAGE))$'"
fi
# The snapshots were taken in the order of the reads.
t64a=$(awk '$1 == "tstamp" { printf "%d%09d", $2, $3 }' "$T/pagedata.64a")
t32=$(awk '$1 == "tstamp" { printf "%d%09d", $2, $3 }' "$T/pagedata.32")
t64b=$(awk '$1 == "tstamp" { printf "%d%09d", $2, $3 }' "$T/pagedata.64b")
check "pagedata: the 32-bit reader's pr_tstamp lies between the 64-bit ones" \
	test "$t64a" -le "$t32" -a "$t32" -le "$t64b"

# The examples.
bracket pmapx : "'$PMAPX' $V '$M'" "'$B/pmapx32' $V '$M'" "'$PMAPX' $V '$M'"
check "pmapx: the 32-bit pmapx prints the anonymous region's row" \
	grep -q "^0*$(echo "$ANON" | tr a-f A-F) *16384 *16384 *16384 *16384 rw---" \
	"$T/pmapx.32"
bracket wss : "'$WSS' $V 0 '$M'" "'$B/wss32' $V 0 '$M'" "'$WSS' $V 0 '$M'"
check "wss: the 32-bit wss counts the resident pages" \
	test "$(awk 'NR == 2 { print $3 }' "$T/wss.32")" -ge \
	$(((16777216 + 1048576 + 4194304) / PAGE))
kill -CONT "$V"
stop_daemon
