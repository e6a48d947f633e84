#!/bin/bash
# zone-crash: every process of the zone is SIGKILLed (connections are refused at once:
# a loud failure). heal restarts the zone's components: the etcd member and Patroni
# rejoin (the old primary as a standby, with pg_rewind), HAProxy and the apps restart.
# In fast mode a crash of the primary's zone runs the scripted failover.
set -eu
zf_fault_usage() { echo "Usage: zone-crash.sh inject|heal ZONE [--dir DIR]"; }
zf_here=${0%/*}; [ "$zf_here" != "$0" ] || zf_here=. # dirname without a process
# shellcheck source-path=SCRIPTDIR source=../lib/fault.sh
. "$zf_here/../lib/fault.sh"
zf_fault_args "$@"
zf_need_zone
z=$ZF_TARGET
if [ "$ZF_ACTION" = inject ]; then
    zf_fault_active "$z" && { zf_fault_done "already injected"; exit 0; }
    zf_fault_mark "$z" "every process of zone $z killed"
    primary=''
    if [ "$ZF_MODE" = fast ]; then primary=$(zf_pg_primary_zone); fi # a file; Patroni fails over itself
    # every recorded daemon in one kill builtin (no process started first), then whatever
    # else lives in the namespace (children such as postgres backends)
    pids=()
    for f in "$ZF_PIDS/$z"-*.pid; do
        p=''
        { read -r p <"$f"; } 2>/dev/null || true
        zf_alive "$p" && pids+=("$p")
    done
    [ ${#pids[@]} -eq 0 ] || kill -s KILL "${pids[@]}" 2>/dev/null || true
    zf_ns_kill "$z"
    if [ "$(zf_mode)" = fast ] && [ "$primary" = "$z" ]; then zf_pg_fast_failover "$z"; fi
    zf_fault_done "processes killed"
else
    zf_fault_active "$z" || { zf_fault_done "not injected; nothing to heal"; exit 0; }
    zf_zone_restart "$z"
    zf_fault_clear "$z"
    zf_fault_done "components restarted"
fi
