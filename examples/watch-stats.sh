#!/bin/sh
# watch-stats.sh [-m MOUNT] [-n COUNT] NAME [INTERVAL]
# Print a collection's figures every INTERVAL seconds (default 5), rcapstat
# style: at and pg are what the scanner tried and managed to page out during
# the interval.
M=/run/rcapfs
count=0
usage() {
	echo "usage: watch-stats.sh [-m MOUNT] [-n COUNT] NAME [INTERVAL]" >&2
	exit 2
}
while getopts m:n: opt; do
	case $opt in
	m) M=$OPTARG ;;
	n) count=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] && [ $# -le 2 ] || usage
stats=$M/caps/$1/stats
interval=${2:-5}
[ -r "$stats" ] || { echo "watch-stats.sh: no collection $1" >&2; exit 1; }

# Bytes to rcapstat's short form: K, M or G once the number gets long.
human() {
	awk -v b="$1" 'BEGIN {
		v = b / 1024; u = "K"
		if (v >= 10000) { v /= 1024; u = "M" }
		if (v >= 10000) { v /= 1024; u = "G" }
		printf "%d%s", v + 0.5, u
	}'
}
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

printf '%-8s %5s %6s %6s %6s %6s\n' time nproc rss cap at pg
prev=$(mktemp)
now=$(mktemp)
trap 'rm -f "$prev" "$now"' EXIT
cat "$stats" >"$prev" || exit 1
n=0
while [ "$count" = 0 ] || [ "$n" -lt "$count" ]; do
	sleep "$interval"
	cat "$stats" >"$now" || exit 1
	at=$(($(field at "$now") - $(field at "$prev")))
	pg=$(($(field pg "$now") - $(field pg "$prev")))
	printf '%-8s %5s %6s %6s %6s %6s\n' "$(date +%H:%M:%S)" \
		"$(field nproc "$now")" "$(human "$(field rss "$now")")" \
		"$(human "$(field cap "$now")")" "$(human "$at")" "$(human "$pg")"
	cp "$now" "$prev"
	n=$((n + 1))
done
