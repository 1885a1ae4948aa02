#!/bin/sh
# M/proc/PID/pagedata and xmap on a real mount, against a victim of known
# shape (tests/integration/procfs-victim.c), read by a program that knows
# only include/rcapfs/procfs.h (procfs-check.c) and by the examples.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "the mappings and pages of processes"
CHECK=$top_builddir/tests/integration/procfs-check
VICTIM=$top_builddir/tests/integration/procfs-victim
PMAPX=$top_builddir/examples/pmapx
WSS=$top_builddir/examples/wss
for p in "$CHECK" "$VICTIM" "$PMAPX" "$WSS"; do
	[ -x "$p" ] || skip "$p not built"
done
command -v setpriv >/dev/null || skip "setpriv missing"
setup
start_daemon
# A command prefix (split into words where used): exec'd, so a victim
# started through it keeps the pid spawn_victim reports.
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# key FILE: the value of "key value" in FILE.
val() {
	awk -v k="$1" '$1 == k { print $2 }' "$2"
}

# A victim: 16 MiB anonymous, 8 MiB of a file, a 4 MiB hot set it keeps
# reading, 8 MiB it writes again on SIGUSR1, 1 MiB only read (the shared
# zero page), 1 MiB of MAP_NORESERVE of which 11 pages are written. Each
# is a mapping of its own, so at mapping fidelity the hot set is told
# apart from the rest; all but the zero page and the reservation are
# mlocked, so the figures hold while other work presses on memory.
head -c 8388608 /dev/urandom >"$T/file"
spawn_victim "$VICTIM" -a 16384 -f "$T/file" -F 8192 -h 4096 -c 8192 \
	-z 1024 -l -m 1024 -r 1024 >"$T/victim.out"
V=$VPID
wait_for "victim ready" 20 grep -qx ready "$T/victim.out"
# NAME:START:END of a region, as procfs-check takes it.
region() {
	awk -v n="$1" '$1 == n { print n ":" substr($2, 3) ":" substr($3, 3) }' \
		"$T/victim.out"
}
ANON=$(region anon)
FILE=$(region file)
HOT=$(region hot)
COLD=$(region cold)
ZERO=$(region zero)
NORES=$(region noreserve)
PAGE=$(getconf PAGESIZE)
FIDELITY=$(val fidelity "$M/ctl/status")
echo "fidelity: $FIDELITY"
# Whether the read-only region holds the shared zero page, read from the
# kernel: its first page present but not mapped exclusively (pagemap bits
# 63 and 56). Some kernels give a read fault a page of its own (a virtual
# machine's pvm_no_zero_page=1); the region is then ordinary memory.
zero_at=${ZERO#zero:}
e=$(dd if="/proc/$V/pagemap" bs=8 skip=$((0x${zero_at%%:*} / PAGE)) count=1 \
	2>/dev/null | od -An -tx8 | tr -d ' ')
if [ $(((0x$e >> 63) & 1)) = 1 ] && [ $(((0x$e >> 56) & 1)) = 0 ]; then
	ZERO_PAGE=1
else
	ZERO_PAGE=0
	echo "this kernel maps no zero page on a read fault (pagemap $e)"
fi

# The tree.
check "M/proc lists the victim" sh -c "ls '$M/proc' | grep -qx $V"
check "M/proc lists init" sh -c "ls '$M/proc' | grep -qx 1"
if [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ]; then
	check "M/proc leaves kernel threads out" \
		sh -c "! ls '$M/proc' | grep -qx 2"
fi
expect_eq "M/proc/PID lists pagedata, pagedata_hw and xmap" \
	"pagedata pagedata_hw xmap" \
	"$(ls "$M/proc/$V" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "M/proc is 0555" 555 "$(stat -c %a "$M/proc")"
expect_eq "M/proc/PID is 0555, the process's" "555 0" \
	"$(stat -c '%a %u' "$M/proc/$V")"
expect_eq "pagedata is 0400, the process's" "400 0" \
	"$(stat -c '%a %u' "$M/proc/$V/pagedata")"
expect_eq "pagedata_hw is 0400, the process's" "400 0" \
	"$(stat -c '%a %u' "$M/proc/$V/pagedata_hw")"
expect_eq "xmap is 0400, the process's" "400 0" \
	"$(stat -c '%a %u' "$M/proc/$V/xmap")"
check "no M/proc/self" test ! -e "$M/proc/self"
check "no M/proc/0$V" test ! -e "$M/proc/0$V"

# pagedata, parsed with the public header alone.
if "$CHECK" pagedata "$M/proc/$V/pagedata" "$ANON" "$FILE" "$HOT" "$COLD" \
	"$ZERO" "$NORES" >"$T/pd" 2>&1; then
	ok "pagedata parses"
else
	fail "pagedata does not parse: $(cat "$T/pd")"
fi
expect_eq "pagedata: one read(2) of st_size bytes returns them all" \
	"$(val st_size "$T/pd")" "$(val bytes "$T/pd")"
# One entry per line of /proc/PID/maps, but for MAP_NORESERVE mappings
# with nothing resident or swapped (the reservation's guard pages), which
# have none, and the reservation, which has two.
empty_nr=$(awk '/^[0-9a-f]+-/ { rss = -1; swap = -1 }
	$1 == "Rss:" { rss = $2 } $1 == "Swap:" { swap = $2 }
	$1 == "VmFlags:" && / nr/ && rss == 0 && swap == 0 { n++ }
	END { print n + 0 }' "/proc/$V/smaps")
expect_eq "pagedata: one entry per mapping, none for an empty reservation" \
	"$(($(wc -l <"/proc/$V/maps") - empty_nr + 1))" "$(val nmap "$T/pd")"
expect_eq "pagedata: the anonymous region is one mapping" 1 \
	"$(val anon_maps "$T/pd")"
# As on Solaris, the pages of a MAP_NORESERVE mapping that never
# materialised are left out: an entry per run of those that did.
expect_eq "pagedata: the reservation, its 11 written pages" 11 \
	"$(val noreserve_pages "$T/pd")"
expect_eq "pagedata: the reservation, in two runs" 2 \
	"$(val noreserve_maps "$T/pd")"
expect_eq "pagedata: the anonymous region has its pages" \
	$((16777216 / PAGE)) "$(val anon_pages "$T/pd")"
# As on Solaris, pagedata never sets PG_HWMAPPED; pagedata_hw does, on
# the present pages, and is the same file otherwise.
expect_eq "pagedata: no PG_HWMAPPED anywhere, as on Solaris" 0 \
	"$(val hwmapped "$T/pd")"
if "$CHECK" pagedata "$M/proc/$V/pagedata_hw" "$ANON" "$FILE" "$HOT" \
	"$COLD" "$ZERO" >"$T/hw" 2>&1; then
	ok "pagedata_hw parses"
else
	fail "pagedata_hw does not parse: $(cat "$T/hw")"
fi
expect_eq "pagedata_hw: the size of pagedata" "$(val st_size "$T/pd")" \
	"$(val bytes "$T/hw")"
expect_eq "pagedata_hw: the anonymous region is all PG_HWMAPPED" \
	"$(val anon_pages "$T/hw")" "$(val anon_hwmapped "$T/hw")"
expect_eq "pagedata_hw: the file mapping is all PG_HWMAPPED" \
	$((8388608 / PAGE)) "$(val file_hwmapped "$T/hw")"
if [ $ZERO_PAGE = 1 ]; then
	expect_eq "pagedata_hw: the zero page is not PG_HWMAPPED" \
		"$((1048576 / PAGE)) 0" \
		"$(val zero_pages "$T/hw") $(val zero_hwmapped "$T/hw")"
else
	expect_eq "pagedata_hw: the read-only region, private pages here, is PG_HWMAPPED" \
		"$((1048576 / PAGE)) $((1048576 / PAGE))" \
		"$(val zero_pages "$T/hw") $(val zero_hwmapped "$T/hw")"
fi
expect_eq "pagedata: a buffer one byte short fails with E2BIG" \
	"error E2BIG" "$("$CHECK" pagedata -s "$M/proc/$V/pagedata")"

# st_size is what the next read needs now, as on Solaris: once the process
# has mapped more, fstat on a descriptor that read before says so at once,
# and a read of that many bytes returns them all.
exec 3<"$M/proc/$V/pagedata"
"$CHECK" pagedata fd:3 >"$T/before" 2>&1
"$CHECK" pagedata fd:3 >"$T/before" 2>&1
kill -HUP "$V"
wait_for "the victim maps more" 10 grep -qx "mapped 1" "$T/victim.out"
"$CHECK" pagedata fd:3 >"$T/after" 2>&1
exec 3<&-
expect_eq "st_size follows a new mapping at once" \
	"$(val st_size "$T/after")" "$(val bytes "$T/after")"
check "the new mapping is in the read" \
	test "$(val bytes "$T/after")" -gt "$(val bytes "$T/before")"

# Referenced bits: per descriptor, since open, cleared by each read for
# that descriptor only, kept by an E2BIG.
cold_pages=$((8388608 / PAGE))
hot_pages=$((4194304 / PAGE))
touched=0
touch_cold() {
	touched=$((touched + 1))
	kill -USR1 "$V"
	wait_for "the victim writes its cold region ($touched)" 10 \
		grep -qx "touched $touched" "$T/victim.out"
}
# cold_referenced SOURCE: referenced pages of the cold region in one read.
cold_referenced() {
	"$CHECK" pagedata "$1" "$COLD" >"$T/cr" 2>&1 || cat "$T/cr" >&2
	val cold_referenced "$T/cr"
}
if [ "$FIDELITY" = none ]; then
	echo "# fidelity none: no referenced bits to check"
else
	exec 3<"$M/proc/$V/pagedata" 4<"$M/proc/$V/pagedata"
	touch_cold
	expect_eq "descriptor A: the first read covers activity since open" \
		"$cold_pages" "$(cold_referenced fd:3)"
	expect_eq "descriptor A: the next read finds its bits cleared" \
		0 "$(cold_referenced fd:3)"
	expect_eq "descriptor B still sees what A cleared" \
		"$cold_pages" "$(cold_referenced fd:4)"
	touch_cold
	expect_eq "descriptor A: E2BIG" "error E2BIG" \
		"$("$CHECK" pagedata -s fd:3)"
	expect_eq "descriptor A: E2BIG cleared nothing" \
		"$cold_pages" "$(cold_referenced fd:3)"
	exec 3<&- 4<&-

	# The hot set, read whole by the victim since the open, and nothing
	# else of the victim's.
	exec 3<"$M/proc/$V/pagedata"
	kill -USR2 "$V"
	wait_for "the victim reads its hot set whole" 10 \
		grep -qx "hot 1" "$T/victim.out"
	"$CHECK" pagedata fd:3 "$ANON" "$FILE" "$HOT" "$COLD" >"$T/hot" 2>&1
	exec 3<&-
	expect_eq "hot set: all referenced" "$hot_pages" \
		"$(val hot_referenced "$T/hot")"
	expect_eq "untouched anonymous region: none referenced" 0 \
		"$(val anon_referenced "$T/hot")"
	expect_eq "untouched file mapping: none referenced" 0 \
		"$(val file_referenced "$T/hot")"
	expect_eq "untouched cold region: none referenced" 0 \
		"$(val cold_referenced "$T/hot")"

	# wss: the hot set (and the victim's own stack, libc...) but none of
	# the regions it leaves alone.
	"$WSS" "$V" 1 "$M" >"$T/wss" 2>&1
	check "wss succeeds" test $? -eq 0
	ref=$(awk 'NR == 2 { print $5 }' "$T/wss")
	check "wss counts the hot set ($ref bytes)" test "${ref:-0}" -ge 4194304
	check "wss leaves the untouched regions out ($ref bytes)" \
		test "${ref:-0}" -lt $((4194304 + 8388608))
	rss=$(awk 'NR == 2 { print $3 }' "$T/wss")
	check "wss counts the resident pages ($rss)" \
		test "${rss:-0}" -ge $(((16384 + 8192 + 4096 + 8192) * 1024 / PAGE))
	expect_eq "wss prints the fidelity" "$FIDELITY" \
		"$(awk 'NR == 2 { print $6 }' "$T/wss")"
fi

# xmap.
if "$CHECK" xmap "$M/proc/$V/xmap" "$ANON" "$FILE" "$HOT" "$ZERO" "$NORES" \
	>"$T/xm" 2>&1; then
	ok "xmap parses"
else
	fail "xmap does not parse: $(cat "$T/xm")"
fi
expect_eq "xmap: st_size is exact" "$(val st_size "$T/xm")" \
	"$(val bytes "$T/xm")"
expect_eq "xmap: one entry per line of /proc/PID/maps" \
	"$(wc -l <"/proc/$V/maps")" "$(val nmap "$T/xm")"
expect_eq "xmap: the reservation whole, as on Solaris" "1 1024" \
	"$(val noreserve_maps "$T/xm") $(val noreserve_size_kb "$T/xm")"
expect_eq "xmap: the reservation is MA_NORESERVE" 146 \
	"$(val noreserve_flags "$T/xm")"
expect_eq "xmap: the anonymous region is resident" 16384 \
	"$(val anon_rss_kb "$T/xm")"
expect_eq "xmap: the anonymous region is anonymous" 16384 \
	"$(val anon_anon_kb "$T/xm")"
expect_eq "xmap: the anonymous region is rw- anon" 46 \
	"$(val anon_flags "$T/xm")"
expect_eq "xmap: the anonymous region is locked" 16384 \
	"$(val anon_locked_kb "$T/xm")"
expect_eq "xmap: the file mapping is resident" 8192 \
	"$(val file_rss_kb "$T/xm")"
expect_eq "xmap: the file mapping has no anonymous pages" 0 \
	"$(val file_anon_kb "$T/xm")"
expect_eq "xmap: the file mapping is r--" 4 "$(val file_flags "$T/xm")"
if [ $ZERO_PAGE = 1 ]; then
	expect_eq "xmap: the zero page is not resident" 0 \
		"$(val zero_rss_kb "$T/xm")"
else
	expect_eq "xmap: the read-only region, private pages here, is resident" \
		1024 "$(val zero_rss_kb "$T/xm")"
fi
smaps_kb=$(awk '$1 == "Rss:" { s += $2 } END { print s }' "/proc/$V/smaps")
xmap_kb=$(val rss_kb "$T/xm")
diff_kb=$((xmap_kb - smaps_kb))
[ $diff_kb -lt 0 ] && diff_kb=$((-diff_kb))
check "xmap rss ($xmap_kb kB) within 5% of smaps ($smaps_kb kB)" \
	test $((diff_kb * 20)) -le "$smaps_kb"
expect_eq "xmap: read by cat, st_size bytes" \
	"$(stat -c %s "$M/proc/$V/xmap")" "$(wc -c <"$M/proc/$V/xmap")"

# pmapx: pmap -x columns.
"$PMAPX" "$V" "$M" >"$T/pmapx" 2>&1
check "pmapx succeeds" test $? -eq 0
check "pmapx: first line is PID:" sh -c "head -n 1 '$T/pmapx' | grep -q '^$V:'"
expect_eq "pmapx: the header" \
	"         Address     Kbytes        RSS       Anon     Locked Mode   Mapped File" \
	"$(sed -n 2p "$T/pmapx")"
# Each row: a 16-digit address, four 11-wide columns (a number or "-"),
# a space, a 6-character mode, a space, the name.
bad_rows=$(sed -n '3,$p' "$T/pmapx" | sed '$d' | sed '$d' | awk '
	function col(s) { return s ~ /^ +[0-9]+$/ || s == "          -" }
	!(substr($0, 1, 16) ~ /^[0-9A-F]+$/ && col(substr($0, 17, 11)) &&
	  col(substr($0, 28, 11)) && col(substr($0, 39, 11)) &&
	  col(substr($0, 50, 11)) && substr($0, 61, 1) == " " &&
	  substr($0, 62, 6) ~ /^[r-][w-][x-][s-][R-][* ]$/ &&
	  substr($0, 68, 1) == " " && length($0) > 68) { print NR + 2 ": " $0 }')
expect_eq "pmapx: every row in columns" "" "$bad_rows"
anon_addr=$(printf '%016X' "0x$(echo "$ANON" | cut -d: -f2)")
expect_eq "pmapx: the anonymous region's row" \
	"$anon_addr      16384      16384      16384      16384 rw---    [ anon ]" \
	"$(grep "^$anon_addr" "$T/pmapx")"
expect_eq "pmapx: the dash rule" \
	"---------------- ---------- ---------- ---------- ----------" \
	"$(tail -n 2 "$T/pmapx" | head -n 1)"
total_rss=$(tail -n 1 "$T/pmapx" | awk '$1 == "total" && $2 == "Kb" { print $4 }')
diff_kb=$((total_rss - smaps_kb))
[ $diff_kb -lt 0 ] && diff_kb=$((-diff_kb))
check "pmapx: total RSS ($total_rss kB) within 5% of smaps" \
	test $((diff_kb * 20)) -le "$smaps_kb"

# Who may read: the process's owner and root, as /proc/PID/pagemap.
expect_eq "another user: pagedata EACCES" "error EACCES" \
	"$($NOBODY "$CHECK" pagedata "$M/proc/$V/pagedata")"
expect_eq "another user: xmap EACCES" "error EACCES" \
	"$($NOBODY "$CHECK" xmap "$M/proc/$V/xmap")"
# shellcheck disable=SC2086
spawn_victim $NOBODY "$VICTIM" -a 1024 >"$T/nobody.out"
N=$VPID
wait_for "nobody's victim ready" 20 grep -qx ready "$T/nobody.out"
expect_eq "a process's files are its owner's" "400 65534" \
	"$(stat -c '%a %u' "$M/proc/$N/pagedata")"
# shellcheck disable=SC2086
check "the owner reads its pagedata" \
	$NOBODY "$CHECK" pagedata "$M/proc/$N/pagedata"
# shellcheck disable=SC2086
check "the owner reads its xmap" $NOBODY "$CHECK" xmap "$M/proc/$N/xmap"

# An exited process: ENOENT by name; a descriptor opened before holds a
# node that is gone: ESTALE.
exec 3<"$M/proc/$N/pagedata"
kill_quietly "$N"
expect_eq "exited: a held pagedata descriptor answers ESTALE" "error ESTALE" \
	"$("$CHECK" pagedata fd:3)"
exec 3<&-
expect_eq "exited: pagedata ENOENT" "error ENOENT" \
	"$("$CHECK" pagedata "$M/proc/$N/pagedata")"
expect_eq "exited: xmap ENOENT" "error ENOENT" \
	"$("$CHECK" xmap "$M/proc/$N/xmap")"
# The kernel may keep the entry for the attribute timeout (1 s).
wait_for "exited: no M/proc/PID" 10 test ! -e "$M/proc/$N"
stop_daemon
