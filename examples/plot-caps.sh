#!/bin/sh
# plot-caps.sh [-m MOUNT] NAME SECONDS OUT.png
# Sample a collection's stats every second for SECONDS seconds, then draw
# its rss and cap, and the bytes paged out in each interval, over time
# (gnuplot, PNG).
M=/run/rcapfs
usage() {
	echo "usage: plot-caps.sh [-m MOUNT] NAME SECONDS OUT.png" >&2
	exit 2
}
while getopts m: opt; do
	case $opt in
	m) M=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || usage
name=$1
secs=$2
out=$3
stats=$M/caps/$name/stats
case $secs in '' | *[!0-9]*) usage ;; esac
[ "$secs" -gt 0 ] || usage
[ -r "$stats" ] || { echo "plot-caps.sh: no collection $name" >&2; exit 1; }
command -v gnuplot >/dev/null ||
	{ echo "plot-caps.sh: gnuplot not found (Debian: gnuplot-nox)" >&2; exit 1; }

dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# One line a second: seconds since the start, rss and cap in MiB (no cap:
# undefined, so no line), MiB paged out since the line before.
cat "$stats" >"$dir/prev" || exit 1
t=0
while [ "$t" -lt "$secs" ]; do
	sleep 1
	t=$((t + 1))
	cat "$stats" >"$dir/now" || exit 1
	awk -v t="$t" '
		FNR == NR { if ($1 == "pg") prev = $2; next }
		{ v[$1] = $2 }
		END {
			cap = v["cap"] ? v["cap"] / 1048576 : "NaN"
			printf "%d %.3f %s %.3f\n", t, v["rss"] / 1048576, cap,
				(v["pg"] - prev) / 1048576
		}' "$dir/prev" "$dir/now" >>"$dir/data"
	mv "$dir/now" "$dir/prev"
done

gnuplot <<PLOT || exit 1
set terminal pngcairo size 900,500 noenhanced
set output '$out'
set title 'rcapfs: collection $name'
set xlabel 'seconds'
set ylabel 'MiB'
set y2label 'MiB paged out per second'
set xrange [0:$secs]
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set key outside bottom center horizontal
set grid
set style fill solid 0.4 noborder
set boxwidth 0.8 relative
plot '$dir/data' using 1:4 axes x1y2 with boxes lc rgb '#6a9fd8' title 'paged out', \
	'' using 1:2 with lines lw 2 lc rgb '#c0392b' title 'rss', \
	'' using 1:3 with lines lw 2 dt 2 lc rgb '#2c3e50' title 'cap'
PLOT
