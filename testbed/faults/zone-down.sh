#!/bin/bash
# zone-down: a silent zone failure. inject takes the zone's link to the bridge down (its
# processes keep running, unreachable: peers see timeouts, not refusals); heal brings it
# back. In fast mode, losing the primary's zone also runs the scripted failover
# (fence the old primary, promote the standby) and heal rebuilds it as a standby.
set -eu
zf_fault_usage() { echo "Usage: zone-down.sh inject|heal ZONE [--dir DIR]"; }
zf_here=${0%/*}; [ "$zf_here" != "$0" ] || zf_here=. # dirname without a process
# shellcheck source-path=SCRIPTDIR source=../lib/fault.sh
. "$zf_here/../lib/fault.sh"
zf_fault_args "$@"
zf_need_zone
z=$ZF_TARGET
if [ "$ZF_ACTION" = inject ]; then
    zf_fault_active "$z" && { zf_fault_done "already injected"; exit 0; }
    zf_fault_mark "$z" "link of zone $z down"
    zf_net_zone_link "$z" down
    if [ "$ZF_MODE" = fast ] && [ "$(zf_pg_primary_zone)" = "$z" ]; then
        zf_pg_fast_failover "$z"
        echo "$z" >"$ZF_DIR/fast-failed-over-$z"
    fi
    zf_fault_done "link down"
else
    zf_fault_active "$z" || { zf_fault_done "not injected; nothing to heal"; exit 0; }
    zf_net_zone_link "$z" up
    if [ -f "$ZF_DIR/fast-failed-over-$z" ]; then
        zf_pg_fast_rejoin "$z"
        rm -f "$ZF_DIR/fast-failed-over-$z"
    fi
    zf_fault_clear "$z"
    zf_fault_done "link up"
fi
