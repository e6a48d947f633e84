#!/bin/bash
# zone-crash: every process of the zone is SIGKILLed (connections are refused at once:
# a loud failure). heal restarts the zone's components: the etcd member and Patroni
# rejoin (the old primary as a standby, with pg_rewind), HAProxy and the apps restart.
# In fast mode a crash of the primary's zone runs the scripted failover.
set -eu
zf_fault_usage() { echo "Usage: zone-crash.sh inject|heal ZONE [--dir DIR]"; }
# shellcheck source-path=SCRIPTDIR source=../lib/fault.sh
. "$(dirname "$0")/../lib/fault.sh"
zf_fault_args "$@"
zf_need_zone
z=$ZF_TARGET
if [ "$ZF_ACTION" = inject ]; then
    zf_fault_active "$z" && { zf_fault_done "already injected"; exit 0; }
    zf_fault_mark "$z" "every process of zone $z killed"
    primary=$(zf_pg_primary_zone)
    for f in "$ZF_PIDS/$z"-*.pid; do
        if [ -f "$f" ]; then kill -s KILL "$(cat "$f")" 2>/dev/null || true; fi
    done
    zf_ns_kill "$z"
    if [ "$(zf_mode)" = fast ] && [ "$primary" = "$z" ]; then zf_pg_fast_failover "$z"; fi
    zf_fault_done "processes killed"
else
    zf_fault_active "$z" || { zf_fault_done "not injected; nothing to heal"; exit 0; }
    zf_zone_restart "$z"
    zf_fault_clear "$z"
    zf_fault_done "components restarted"
fi
