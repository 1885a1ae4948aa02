#!/usr/bin/env python3
"""Check the Kubernetes manifests of examples/k8s: they parse as YAML and
hold what the README says a daemon and a consumer need. Prints one line per
check, "ok: ..." or "FAIL: ...", and exits 1 if any failed."""
import sys

import yaml

failed = 0


def check(desc, cond):
    global failed
    print(("ok: " if cond else "FAIL: ") + desc)
    failed += not cond


def mounts(pod):
    """The pod spec's volume mounts by path, with the host path of each."""
    host = {v["name"]: v.get("hostPath", {}) for v in pod.get("volumes", [])}
    out = {}
    for c in pod["containers"]:
        for m in c.get("volumeMounts", []):
            out[m["mountPath"]] = (m.get("mountPropagation"),
                                   host.get(m["name"], {}).get("path"))
    return out


def main(daemonset, consumer):
    with open(daemonset) as f:
        ds = list(yaml.safe_load_all(f))
    check("the DaemonSet file holds one document", len(ds) == 1)
    ds = ds[0]
    check("... a DaemonSet", ds.get("kind") == "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    c = pod["containers"][0]
    check("... in the host's pid namespace", pod.get("hostPID") is True)
    check("... privileged",
          c.get("securityContext", {}).get("privileged") is True)
    check("... running rcapfs -f /run/rcapfs",
          c.get("command") == ["rcapfs", "-f", "/run/rcapfs"])
    check("... with an image marked as a placeholder",
          "REPLACE-WITH-YOUR-IMAGE" in c.get("image", ""))
    m = mounts(pod)
    check("... /run/rcapfs from the host, Bidirectional",
          m.get("/run/rcapfs") == ("Bidirectional", "/run/rcapfs"))
    check("... /var/lib/rcapfs from the host",
          m.get("/var/lib/rcapfs", (0, 0))[1] == "/var/lib/rcapfs")
    check("... /dev/fuse from the host",
          m.get("/dev/fuse", (0, 0))[1] == "/dev/fuse")
    with open(consumer) as f:
        pods = list(yaml.safe_load_all(f))
    check("the consumer file holds one Pod",
          len(pods) == 1 and pods[0].get("kind") == "Pod")
    check("... /run/rcapfs from the host, HostToContainer",
          mounts(pods[0]["spec"]).get("/run/rcapfs") ==
          ("HostToContainer", "/run/rcapfs"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
