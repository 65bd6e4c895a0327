#!/usr/bin/env bash
# Builds the busybox stand-in image's root filesystem tarball from Debian's busybox-static
# (no registry is reachable here): busybox with its applet links, /etc/passwd, /etc/group.
#   usage: scripts/busybox-rootfs.sh WORKDIR OUT.tar
set -euo pipefail
work=$1; out=$2
r=$work/rootfs
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev}
install -m 0755 /bin/busybox "$r/bin/busybox"
# Inside a chroot the links point at /bin/busybox; made on a merged-/usr host they would not.
chroot "$r" /bin/busybox --install -s
echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
echo 'root:x:0:' > "$r/etc/group"
tar -C "$r" -cf "$out" .
