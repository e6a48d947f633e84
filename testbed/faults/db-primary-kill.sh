#!/bin/bash
# db-primary-kill: the database primary's node crashes: SIGKILL of its Patroni and of
# the postgres it manages (postmaster and backends), so the leader key expires after
# ttl and Patroni promotes the synchronous standby. heal starts Patroni on the node
# again and it rejoins as a standby (pg_rewind). Fast mode: kill and scripted promote;
# heal rebuilds the node as a standby. TARGET: "primary" (default) or a zone.
# The kill is as close to the action's start as it can be (the replayer counts the RTO
# from there): the primary is found from the nodes' own files (a live postmaster without
# standby.signal), Patroni's REST API only when that is ambiguous, and Patroni, the
# postmaster and its backends get one SIGKILL together; no process is started before it.
set -eu
zf_fault_usage() { echo "Usage: db-primary-kill.sh inject|heal [primary|ZONE] [--dir DIR]"; }
zf_here=${0%/*}; [ "$zf_here" != "$0" ] || zf_here=. # dirname without a process
# shellcheck source-path=SCRIPTDIR source=../lib/fault.sh
. "$zf_here/../lib/fault.sh"
zf_fault_args "$@"
if [ "$ZF_ACTION" = inject ]; then
    for o in $ZF_PG_ZONES; do
        zf_fault_active "$o" && { zf_fault_done "already injected (node $o)"; exit 0; }
    done
    z=$ZF_TARGET
    if [ -z "$z" ] || [ "$z" = primary ]; then
        if [ "$ZF_MODE" = fast ]; then z=$(zf_pg_primary_zone); else zf_pg_running_primary; z=$ZF_PRIMARY; fi
        [ -n "$z" ] || z=$(zf_pg_primary_zone)
    fi
    [ -n "$z" ] || zf_die 1 "no node answers as primary: nothing to kill"
    zf_fault_mark "$z" "database node pg-$z killed"
    if [ "$ZF_MODE" = fast ]; then zf_pg_fast_failover "$z"; else zf_pg_kill_node "$z"; fi
    zf_fault_done "pg-$z killed"
else
    for z in $ZF_PG_ZONES; do
        zf_fault_active "$z" || continue
        if [ "$(zf_mode)" = fast ]; then
            zf_pg_fast_rejoin "$z"
        else
            zf_alive "$(zf_pid_of "$z" patroni)" || zf_patroni_start "$z"
            zf_wait 30 "pg-$z to rejoin as a replica" zf_patroni_is "$z" replica || true
        fi
        zf_fault_clear "$z"
        zf_fault_done "pg-$z back as a standby"
    done
fi
