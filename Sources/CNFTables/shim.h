// libnftables (Debian: libnftables-dev): nft's own parser and transaction engine, driven in-process.
#include <nftables/libnftables.h>
