#!/bin/sh
# The shipped examples run against a real mount, so they cannot rot.
. "$top_builddir/tests/integration/lib.sh"
require_backend linux "user lookups"
setup
# The Kubernetes manifests: no cluster here, so what they must hold.
if python3 -c 'import yaml' 2>/dev/null; then
	check "examples/k8s hold what a daemon and a consumer need" \
		python3 "$SRCDIR/tests/integration/k8s-manifests.py" \
		"$SRCDIR/examples/k8s/rcapfs-daemonset.yaml" \
		"$SRCDIR/examples/k8s/rcapfs-consumer.yaml"
else
	echo "SKIP: examples/k8s not checked: no YAML parser (python3-yaml)"
fi
start_daemon
echo 1 >"$M/ctl/sample_interval"
out=$(sh "$SRCDIR/examples/cap-user.sh" -m "$M" root 2G)
check "cap-user.sh succeeds" test $? -eq 0
expect_eq "cap-user.sh set the cap" 2147483648 "$(cat "$M/caps/user-root/cap")"
expect_eq "cap-user.sh set the members" "user root" "$(cat "$M/caps/user-root/members")"
check "cap-user.sh printed stats" sh -c "echo '$out' | grep -q '^cap 2147483648'"
out=$(sh "$SRCDIR/examples/watch-stats.sh" -m "$M" -n 3 user-root 1)
expect_eq "watch-stats.sh prints a header and 3 rows" 4 "$(echo "$out" | wc -l)"
check "watch-stats.sh rows have a numeric rss" sh -c \
	"echo '$out' | tail -n 1 | awk '{ exit !(\$3 ~ /^[0-9]+[KMGT]?\$/) }'"
if sh "$SRCDIR/examples/cap-user.sh" -m "$M" no-such-user-xyz 1G 2>/dev/null; then
	fail "cap-user.sh with an unknown user should fail"
else
	ok "cap-user.sh rejects an unknown user"
fi
stop_daemon
