#!/bin/sh
# A Solaris program reads rcapfs's pagedata and decides as it did on
# Solaris: illumos rcapd's reading of pagedata (tests/integration/
# rcapd-scan.c, from the description of its scanner) on a process with
# 128 MiB resident that nothing touched since the descriptor was opened
# pages all of it out, and spares a hot set the process keeps reading.
# On pagedata_hw, where present pages carry PG_HWMAPPED, the same reader
# would keep everything: the bytes a Solaris program must never see.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "the mappings and pages of processes"
SCAN=$top_builddir/tests/integration/rcapd-scan
VICTIM=$top_builddir/tests/integration/procfs-victim
for p in "$SCAN" "$VICTIM"; do
	[ -x "$p" ] || skip "$p not built"
done
setup
start_daemon
FIDELITY=$(awk '$1 == "fidelity" { print $2 }' "$M/ctl/status")
echo "fidelity: $FIDELITY"

# 128 MiB written once and locked, then left alone; a 4 MiB hot set read
# every 10 ms.
spawn_victim "$VICTIM" -a 131072 -h 4096 -l >"$T/victim.out"
V=$VPID
wait_for "victim ready" 30 grep -qx ready "$T/victim.out"
range() { awk -v n="$1" '$1 == n { print substr($2, 3), substr($3, 3) }' \
	"$T/victim.out"; }
val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
PAGES=$((131072 * 1024 / $(getconf PAGESIZE)))

# shellcheck disable=SC2046
"$SCAN" "$M/proc/$V/pagedata" $(range anon) >"$T/cold" 2>&1
cat "$T/cold"
expect_eq "rcapd: only PG_REFERENCED and PG_MODIFIED in pagedata" 0 \
	"$(val foreign_bytes "$T/cold")"
expect_eq "rcapd: the untouched region is in the snapshot" "$PAGES" \
	"$(val range_pages "$T/cold")"
expect_eq "rcapd: all its cold pages are chosen" "$PAGES" \
	"$(val chosen_pages "$T/cold")"
expect_eq "rcapd: in one page-out call" 1 "$(val ranges "$T/cold")"
check "rcapd: they count as unreferenced" \
	test "$(val unreferenced_kb "$T/cold")" -ge 131072

if [ "$FIDELITY" = none ]; then
	echo "# fidelity none: no referenced bits, the hot set is not told apart"
else
	# shellcheck disable=SC2046
	"$SCAN" "$M/proc/$V/pagedata" $(range hot) >"$T/hot" 2>&1
	expect_eq "rcapd: the hot set gets its second chance" 0 \
		"$(val chosen_pages "$T/hot")"
fi

# The trap pagedata keeps Solaris programs out of.
# shellcheck disable=SC2046
"$SCAN" "$M/proc/$V/pagedata_hw" $(range anon) >"$T/hw" 2>&1
check "rcapd on pagedata_hw: PG_HWMAPPED bytes it asserts never appear" \
	test "$(val foreign_bytes "$T/hw")" -ge "$PAGES"
expect_eq "rcapd on pagedata_hw: no cold page chosen" 0 \
	"$(val chosen_pages "$T/hw")"
stop_daemon
