#!/usr/bin/env bash
# Runs a command (berthd) inside network namespace NS with the host's cgroup hierarchies
# mounted again. `ip netns exec` gives the command a private mount namespace and remounts /sys,
# which hides /sys/fs/cgroup from runc; the mounts made here stay in that private namespace.
#   usage: scripts/in-sandbox.sh NS command [args...]
set -euo pipefail
ns=$1; shift
cgmounts=$(awk '$0 ~ / - cgroup2? / { split($0, a, " - "); split(a[2], b, " "); print b[1], $5, b[3] }' /proc/self/mountinfo)
CGMOUNTS="$cgmounts" exec ip netns exec "$ns" /bin/bash -c '
  set -e
  if [ -n "$CGMOUNTS" ]; then
    mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
    while read -r fstype mp opts; do
      [ -n "$fstype" ] || continue
      mkdir -p "$mp"
      if [ "$fstype" = cgroup2 ]; then
        mount -t cgroup2 cgroup2 "$mp"
      else
        o=$(echo "$opts" | tr , "\n" | grep -vE "^(rw|ro)$" | paste -sd, -)
        mount -t cgroup -o "$o" cgroup "$mp"
      fi
    done <<< "$CGMOUNTS"
  fi
  exec "$@"
' in-sandbox "$@"
