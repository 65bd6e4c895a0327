# Shared by scripts/demo-overlay.sh and bench/overlay.sh (sourced): the "LAN" of a multi-host rig
# and the hosts on it, all namespaces of the caller's own.

# lan_up NS ROOT [ETCD ARGS...]: namespace NS with bridge lan0 at 10.98.0.1/24 and etcd serving
# there (data under ROOT/etcd); sets ETCD_PID and returns once etcd answers.
lan_up() {
  local ns=$1 root=$2; shift 2
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add lan0 type bridge
  ip -n "$ns" addr add 10.98.0.1/24 dev lan0
  ip -n "$ns" link set lan0 up
  ip netns exec "$ns" /usr/bin/etcd --name kv --data-dir "$root/etcd" "$@" \
    --listen-client-urls http://10.98.0.1:2379 --advertise-client-urls http://10.98.0.1:2379 \
    --listen-peer-urls http://10.98.0.1:2380 --initial-advertise-peer-urls http://10.98.0.1:2380 \
    --initial-cluster kv=http://10.98.0.1:2380 >"$root/etcd.log" 2>&1 &
  ETCD_PID=$!
  for _ in $(seq 1 100); do ip netns exec "$ns" curl -s -m 1 http://10.98.0.1:2379/health 2>/dev/null | grep -q true && return 0; sleep 0.1; done
  echo "etcd did not start:"; cat "$root/etcd.log"; return 1
}

# lan_host LAN NS HERE THERE ADDRESS: namespace NS joined to LAN's bridge by a veth, HERE its end
# in NS (at ADDRESS/24), THERE its end on the bridge.
lan_host() {
  local lan=$1 ns=$2 here=$3 there=$4 address=$5
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "$here" netns "$ns" type veth peer name "$there" netns "$lan"
  ip -n "$lan" link set "$there" master lan0 up
  ip -n "$ns" addr add "$address/24" dev "$here"
  ip -n "$ns" link set "$here" up
}
