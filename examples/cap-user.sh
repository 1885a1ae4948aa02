#!/bin/sh
# cap-user.sh [-m MOUNT] USER CAP
# Cap the resident memory of every process of USER (real uid) at CAP
# (e.g. 512M, 2G), in a collection named user-USER, and show its stats.
M=/run/rcapfs
usage() {
	echo "usage: cap-user.sh [-m MOUNT] USER CAP" >&2
	exit 2
}
while getopts m: opt; do
	case $opt in
	m) M=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
user=$1
cap=$2
dir=$M/caps/user-$user

created=0
if [ ! -d "$dir" ]; then
	mkdir "$dir" || exit 1
	created=1
fi
# rcapfs checks the user name and the cap; on a refusal leave no half-made
# collection behind.
if ! echo "user $user" >"$dir/members" || ! echo "$cap" >"$dir/cap"; then
	[ "$created" = 1 ] && rmdir "$dir"
	exit 1
fi
cat "$dir/stats"
