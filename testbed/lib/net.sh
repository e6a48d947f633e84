# shellcheck shell=bash
# net: the zones as network namespaces. zf-core holds a bridge; each zone namespace
# zf-a/zf-b/zf-c has one veth ("eth0") plugged into it, and the root namespace gets
# zf-host (10.250.0.1) for clients. No default route anywhere, no NAT, IPv6 off, and
# iptables in every namespace drops what would leave towards an address outside the bed.

zf_ns_sysctl() { # namespace: IPv6 off (no router solicitations or link-local chatter)
    ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

zf_ns_fence() { # namespace: drop traffic towards anything outside the test bed subnet
    # One iptables-restore per namespace (5 iptables calls took 0.3 s a namespace).
    # Bridged frames cross FORWARD when br_netfilter is loaded: allow the bed's subnet.
    ip netns exec "$1" iptables-restore -w <<RULES
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -s $ZF_SUBNET -d $ZF_SUBNET -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -d $ZF_SUBNET -j ACCEPT
-A OUTPUT -j DROP
COMMIT
RULES
}

# Can this machine create network namespaces? Exit 2 with a message when not.
zf_net_probe() {
    local probe="zf-probe-$$"
    command -v ip >/dev/null || zf_die 2 "'ip' (iproute2) is not installed"
    command -v iptables >/dev/null || zf_die 2 "'iptables' is not installed (make deps-test)"
    if ! ip netns add "$probe" 2>/dev/null; then
        zf_die 2 "cannot create network namespaces here ('ip netns add' failed: needs root and CAP_SYS_ADMIN)"
    fi
    ip netns del "$probe"
}

zf_net_up() {
    local z idx
    ip netns add "$ZF_NS_CORE"
    zf_ns_sysctl "$ZF_NS_CORE"
    ip -n "$ZF_NS_CORE" link set lo up
    ip -n "$ZF_NS_CORE" link add zfbr0 type bridge
    ip -n "$ZF_NS_CORE" link set zfbr0 up
    zf_ns_fence "$ZF_NS_CORE"
    for z in $ZF_ZONES; do
        idx=$(zf_zone_index "$z")
        ip netns add "zf-$z"
        zf_ns_sysctl "zf-$z"
        ip -n "zf-$z" link set lo up
        ip -n "$ZF_NS_CORE" link add "port-$z" type veth peer name eth0 netns "zf-$z"
        ip -n "$ZF_NS_CORE" link set "port-$z" master zfbr0 up
        ip -n "zf-$z" addr add "10.250.$idx.1/16" dev eth0
        ip -n "zf-$z" link set eth0 up
        zf_ns_fence "zf-$z"
    done
    # Clients in the root namespace: one veth into the bridge; no forwarding rules added.
    ip link add zf-host type veth peer name port-host netns "$ZF_NS_CORE"
    sysctl -q -w net.ipv6.conf.zf-host.disable_ipv6=1 >/dev/null
    ip -n "$ZF_NS_CORE" link set port-host master zfbr0 up
    ip addr add "$ZF_HOST_IP/16" dev zf-host
    ip link set zf-host up
}

# Removes every namespace and link of the bed (deleting a namespace deletes its veths).
zf_net_down() {
    local z
    ip link del zf-host 2>/dev/null || true
    for z in $ZF_ZONES; do ip netns del "zf-$z" 2>/dev/null || true; done
    ip netns del "$ZF_NS_CORE" 2>/dev/null || true
}

# The bridge port of a zone: down = the zone's cable pulled at the switch (silent).
zf_net_zone_link() { ip -n "$ZF_NS_CORE" link set "port-$1" "$2"; }
