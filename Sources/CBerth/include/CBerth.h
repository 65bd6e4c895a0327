#ifndef CBERTH_H
#define CBERTH_H
// Kernel UAPI headers that Swift's Glibc module does not export, and the namespace system
// calls it does not declare. Only constants, plain structs and those two calls are used from
// Swift; everything else lives in Swift.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/if.h>
#include <linux/veth.h>
#include <linux/neighbour.h> // ndmsg, NDA_*, NTF_*, NUD_*: neighbour and FDB entries (overlay)
#include <sys/socket.h>
#include <linux/sched.h> // CLONE_NEWNET

// <sched.h> declares these only under _GNU_SOURCE, which Swift's Glibc module is not built
// with. Same prototypes as glibc's.
int unshare(int flags);
int setns(int fd, int nstype);
// <unistd.h> declares pipe2 only under _GNU_SOURCE too (BerthImage: pipes that never leak
// into a concurrently spawned child).
int pipe2(int pipefd[2], int flags);
// setxattr/lgetxattr: BerthImage marks overlayfs opaque directories (trusted.overlay.opaque).
#include <sys/xattr.h>
// <stdlib.h> declares the pseudo-terminal calls only under _XOPEN_SOURCE (BerthRuntime: the
// terminal of `docker exec -it`). Same prototypes as glibc's.
#include <stddef.h>
int posix_openpt(int flags);
int grantpt(int fd);
int unlockpt(int fd);
int ptsname_r(int fd, char *buf, size_t buflen);
#endif
