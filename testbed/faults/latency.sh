#!/bin/bash
# latency: added latency in front of a zone's app instances. This kernel has no netem,
# so inject starts zf_faultproxy in the zone (listening on 9000+i, forwarding to the
# instance on 8000+i, delaying every response by MS) and points both load balancers'
# servers of that zone at it through the HAProxy runtime API; heal points them back
# and stops the proxy. MS: third argument or ZF_FAULT_LATENCY_MS (default 200).
set -eu
zf_fault_usage() { echo "Usage: latency.sh inject|heal ZONE [MS] [--dir DIR]"; }
zf_here=${0%/*}; [ "$zf_here" != "$0" ] || zf_here=. # dirname without a process
# shellcheck source-path=SCRIPTDIR source=../lib/fault.sh
. "$zf_here/../lib/fault.sh"
zf_fault_args "$@"
zf_need_zone
z=$ZF_TARGET
ms=${ZF_EXTRA:-${ZF_FAULT_LATENCY_MS:-200}}
ip=$(zf_zone_ip "$z")
sock="$ZF_DIR/proxy-$z.sock"
point_lbs() { # port base: every LB's servers of the zone to base+i, one runtime API
    # connection per LB (commands separated by ';'), both LBs at once
    local lz i=1 cmds='' jobs=()
    while [ "$i" -le "$ZF_APPS_PER_ZONE" ]; do
        cmds="$cmds${cmds:+; }set server apps/$z$i addr $ip port $(($1 + i))"
        i=$((i + 1))
    done
    for lz in $ZF_LB_ZONES; do
        { zf_hap "$lz" "$cmds" >/dev/null 2>&1 || true; } &
        jobs+=($!)
    done
    wait "${jobs[@]}" # not a bare wait: the fault proxy started above is a job of this shell
}
if [ "$ZF_ACTION" = inject ]; then
    zf_fault_active "$z" && { zf_fault_done "already injected"; exit 0; }
    case $ms in '' | *[!0-9]*) zf_die 2 "latency must be whole milliseconds (got \"$ms\")" ;; esac
    [ -n "${ZF_FAULTPROXY_BIN:-}" ] || ZF_FAULTPROXY_BIN=$(cat "$ZF_DIR/bin-faultproxy" 2>/dev/null || true)
    [ -x "${ZF_FAULTPROXY_BIN:-/nonexistent}" ] ||
        zf_die 2 "ZF_FAULTPROXY_BIN does not name the built zf_faultproxy (zonefall testbed sets it)"
    zf_fault_mark "$z" "${ms} ms added to the responses of zone $z's apps"
    pairs=()
    i=1
    while [ "$i" -le "$ZF_APPS_PER_ZONE" ]; do
        pairs+=(--pair "$ip:$((ZF_PORT_PROXY_BASE + i))=$ip:$((ZF_PORT_APP_BASE + i))")
        i=$((i + 1))
    done
    zf_start "$z" proxy "$ZF_FAULTPROXY_BIN" --control "$sock" "${pairs[@]}"
    zf_wait 5 "fault proxy control socket" test -S "$sock"
    printf 'latency %s\n' "$ms" | socat -t 2 - "UNIX-CONNECT:$sock" >/dev/null
    touch "$ZF_DIR/proxy-$z.active"
    point_lbs "$ZF_PORT_PROXY_BASE"
    zf_fault_done "${ms} ms"
else
    zf_fault_active "$z" || { zf_fault_done "not injected; nothing to heal"; exit 0; }
    rm -f "$ZF_DIR/proxy-$z.active"
    point_lbs "$ZF_PORT_APP_BASE"
    zf_stop "$z" proxy TERM 3
    rm -f "$sock"
    zf_fault_clear "$z"
    zf_fault_done "proxy removed"
fi
