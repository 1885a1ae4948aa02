# Sourced by what needs anonymous memory to be able to leave when the
# machine has no swap (tests/integration/enforce-anon.sh, bench/pgbench.sh):
# a zram swap on /dev/zram0 for the caller's own length. The caller undoes
# it on exit (zram_undo), after its processes are gone: swapoff would have
# to bring their pages back.
ZRAM=
ZRAM_WHY=

swap_active() { [ "$(awk 'NR > 1' /proc/swaps | wc -l)" -gt 0 ]; }

# zram_usable: returns 0 when a zram swap can be set up here; otherwise 1,
# with the reason in ZRAM_WHY.
zram_usable() {
	if [ ! -b /dev/zram0 ]; then
		ZRAM_WHY="there is no /dev/zram0"
	elif [ "$(cat /sys/block/zram0/disksize)" != 0 ]; then
		ZRAM_WHY="/dev/zram0 is in use"
	elif ! command -v mkswap >/dev/null || ! command -v swapon >/dev/null; then
		ZRAM_WHY="mkswap or swapon is missing"
	else
		return 0
	fi
	return 1
}

# zram_do: a 256 MiB swap on /dev/zram0 (ZRAM=1 until zram_undo). Returns
# 0; or 1, with the reason in ZRAM_WHY and nothing left set up.
zram_do() {
	if ! echo 256M >/sys/block/zram0/disksize 2>/dev/null; then
		ZRAM_WHY="cannot size /dev/zram0"
		return 1
	fi
	ZRAM=1
	if ! mkswap /dev/zram0 >/dev/null 2>&1 || ! swapon /dev/zram0; then
		zram_undo
		ZRAM_WHY="cannot enable a swap on /dev/zram0"
		return 1
	fi
}

# zram_undo: remove the swap zram_do set up, if it did.
zram_undo() {
	[ -n "$ZRAM" ] || return 0
	swapoff /dev/zram0 2>/dev/null
	echo 1 >/sys/block/zram0/reset
	ZRAM=
}
