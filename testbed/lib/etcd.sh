# shellcheck shell=bash
# etcd: the three-member DCS of Patroni, one member per zone, with --pre-vote so that a
# member healed after a partition does not force a new election (etcd 3.4 needs it), and
# the v2 API on, which Patroni uses here (pg.sh says why).

zf_etcd_cluster() {
    local z s=
    for z in $ZF_ZONES; do
        s="$s${s:+,}etcd-$z=http://$(zf_zone_ip "$z"):$ZF_PORT_ETCD_PEER"
    done
    echo "$s"
}

zf_etcd_endpoints() {
    local z s=
    for z in $ZF_ZONES; do s="$s${s:+,}http://$(zf_zone_ip "$z"):$ZF_PORT_ETCD_CLIENT"; done
    echo "$s"
}

# Starts (or restarts after a crash: the data directory is kept) the zone's member.
zf_etcd_start() {
    local z=$1 ip state=new
    ip=$(zf_zone_ip "$z")
    [ -d "$ZF_DIR/etcd/$z/member" ] && state=existing
    mkdir -p "$ZF_DIR/etcd/$z"
    chmod 700 "$ZF_DIR/etcd/$z"
    zf_start "$z" etcd etcd --name "etcd-$z" --data-dir "$ZF_DIR/etcd/$z" \
        --listen-client-urls "http://$ip:$ZF_PORT_ETCD_CLIENT,http://127.0.0.1:$ZF_PORT_ETCD_CLIENT" \
        --advertise-client-urls "http://$ip:$ZF_PORT_ETCD_CLIENT" \
        --listen-peer-urls "http://$ip:$ZF_PORT_ETCD_PEER" \
        --initial-advertise-peer-urls "http://$ip:$ZF_PORT_ETCD_PEER" \
        --initial-cluster "$(zf_etcd_cluster)" --initial-cluster-state "$state" \
        --initial-cluster-token zonefall-testbed --pre-vote --enable-v2=true \
        --heartbeat-interval 100 --election-timeout 1000 --log-level warn
}

zf_etcdctl() { ETCDCTL_API=3 etcdctl --endpoints "$(zf_etcd_endpoints)" --dial-timeout 1s --command-timeout 2s "$@"; }

zf_etcd_healthy() { ETCDCTL_API=3 etcdctl --endpoints "http://$(zf_zone_ip "$1"):$ZF_PORT_ETCD_CLIENT" \
    --dial-timeout 1s --command-timeout 1s endpoint health; }

# Whether a key of the v2 store (where Patroni keeps its keys, see pg.sh) exists.
zf_etcd_has_key() {
    local z
    for z in $ZF_ZONES; do
        curl -s -f -o /dev/null -m 1 "http://$(zf_zone_ip "$z"):$ZF_PORT_ETCD_CLIENT/v2/keys$1" && return 0
    done
    return 1
}
