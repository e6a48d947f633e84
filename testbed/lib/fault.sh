# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034
# fault: what every fault action shares. Usage of an action:
#   faults/KIND.sh inject|heal [TARGET] [--dir DIR]
# TARGET and the action may come from ZF_FAULT_TARGET and ZF_FAULT_ACTION instead;
# ZF_FAULT_NAME (the scenario's name of the fault) is only logged. Every action is
# idempotent (inject twice = once, heal without inject = nothing) and heal undoes
# inject fully. Exit 0 done, 1 failed, 2 usage or the bed is not up.

# testbed/ from the action's path, without starting dirname (see zf_read_file)
ZF_TESTBED_HOME=${0%/*}
[ "$ZF_TESTBED_HOME" != "$0" ] || ZF_TESTBED_HOME=.
ZF_TESTBED_HOME=$ZF_TESTBED_HOME/..
case $ZF_TESTBED_HOME in /*) ;; *) ZF_TESTBED_HOME=$PWD/$ZF_TESTBED_HOME ;; esac
# shellcheck source=load.sh
. "$ZF_TESTBED_HOME/lib/load.sh"

# Parses ACTION [TARGET] [EXTRA] [--dir DIR] into ZF_ACTION, ZF_TARGET, ZF_EXTRA; sets
# ZF_MODE (patroni | fast) once.
zf_fault_args() {
    local dir='' pos=()
    while [ $# -gt 0 ]; do
        case $1 in
        --dir) [ $# -ge 2 ] || zf_die 2 "--dir needs a directory"; dir=$2; shift ;;
        --dir=*) dir=${1#--dir=} ;;
        -h | --help) zf_fault_usage; exit 0 ;;
        -*) zf_die 2 "unknown option \"$1\"" ;;
        *) pos+=("$1") ;;
        esac
        shift
    done
    ZF_ACTION=${pos[0]:-${ZF_FAULT_ACTION:-}}
    ZF_TARGET=${pos[1]:-${ZF_FAULT_TARGET:-}}
    ZF_EXTRA=${pos[2]:-}
    case $ZF_ACTION in
    inject | heal) ;;
    *) zf_fault_usage >&2; exit 2 ;;
    esac
    zf_state_init "$dir"
    zf_need_root
    zf_need_up
    ZF_MODE=''
    { read -r ZF_MODE <"$ZF_DIR/mode"; } 2>/dev/null || true # zf_mode without a fork
    ZF_MODE=${ZF_MODE:-none}
    ZF_FAULT_KIND=${0##*/}
    ZF_FAULT_KIND=${ZF_FAULT_KIND%.sh}
}

zf_fault_mark() { # target description: records an active fault (status shows it)
    echo "$ZF_FAULT_KIND $1${ZF_FAULT_NAME:+ ($ZF_FAULT_NAME)}: $2" >"$ZF_DIR/fault-$ZF_FAULT_KIND-$1"
}
zf_fault_active() { [ -f "$ZF_DIR/fault-$ZF_FAULT_KIND-$1" ]; }
zf_fault_clear() { rm -f "$ZF_DIR/fault-$ZF_FAULT_KIND-$1"; }

zf_need_zone() { # validates ZF_TARGET as a zone
    [ -n "$ZF_TARGET" ] || zf_die 2 "$ZF_FAULT_KIND needs a zone (a, b or c) as target"
    zf_zone_index "$ZF_TARGET" >/dev/null
}

zf_fault_done() { zf_log "$ZF_FAULT_KIND $ZF_ACTION ${ZF_TARGET:-}${ZF_FAULT_NAME:+ ($ZF_FAULT_NAME)}: $1"; }

# Restarts every component of a zone that is not running (after a crash or a kill).
zf_zone_restart() {
    local z=$1 i
    if [ "$(zf_mode)" != fast ] && ! zf_alive "$(zf_pid_of "$z" etcd)"; then zf_etcd_start "$z"; fi
    case " $ZF_PG_ZONES " in *" $z "*)
        if [ "$(zf_mode)" = fast ]; then
            zf_alive "$(zf_pid_of "$z" postgres)" || zf_pg_fast_rejoin "$z"
        elif ! zf_alive "$(zf_pid_of "$z" patroni)"; then
            zf_patroni_start "$z"
        fi
        ;;
    esac
    case " $ZF_LB_ZONES " in *" $z "*)
        zf_alive "$(zf_pid_of "$z" haproxy)" || zf_hap_start "$z"
        ;;
    esac
    i=1
    while [ "$i" -le "$ZF_APPS_PER_ZONE" ]; do
        zf_alive "$(zf_pid_of "$z" "app$i")" || zf_app_start "$z" "$i"
        i=$((i + 1))
    done
}
