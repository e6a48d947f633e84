#!/bin/bash
# process-kill: one app instance SIGKILLed (target "a1" = zone a, instance 1); heal
# starts it again.
set -eu
zf_fault_usage() { echo "Usage: process-kill.sh inject|heal INSTANCE (e.g. a1) [--dir DIR]"; }
zf_here=${0%/*}; [ "$zf_here" != "$0" ] || zf_here=. # dirname without a process
# shellcheck source-path=SCRIPTDIR source=../lib/fault.sh
. "$zf_here/../lib/fault.sh"
zf_fault_args "$@"
t=${ZF_TARGET#app-}
z=${t%%[0-9]*}
i=${t#"$z"}
case $i in '' | *[!0-9]*) zf_die 2 "process-kill needs an app instance such as a1 (got \"$ZF_TARGET\")" ;; esac
zf_zone_index "$z" >/dev/null
if [ "$i" -lt 1 ] || [ "$i" -gt "$ZF_APPS_PER_ZONE" ]; then zf_die 2 "no app instance $t (1..$ZF_APPS_PER_ZONE per zone)"; fi
if [ "$ZF_ACTION" = inject ]; then
    zf_fault_active "$t" && { zf_fault_done "already injected"; exit 0; }
    zf_fault_mark "$t" "app $t killed"
    zf_stop "$z" "app$i" KILL 2
    zf_fault_done "killed"
else
    zf_fault_active "$t" || { zf_fault_done "not injected; nothing to heal"; exit 0; }
    zf_alive "$(zf_pid_of "$z" "app$i")" || zf_app_start "$z" "$i"
    zf_wait 10 "app $t /health" zf_app_health "$z" "$i" || zf_die 1 "app $t did not come back"
    zf_fault_clear "$t"
    zf_fault_done "restarted"
fi
