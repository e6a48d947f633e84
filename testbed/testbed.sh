#!/bin/bash
# testbed.sh: brings the reference deployment up, down, or shows its status.
#   testbed.sh up [--fast] [--async] [--dir DIR] | down [--dir DIR] | status [--dir DIR]
# `zonefall testbed` runs this script (argv, no shell string). Exit 0 done, 1 failed
# (or status: a component is not healthy), 2 usage, not root, no netns, already up/down.
set -eu

ZF_TESTBED_HOME=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/load.sh
. "$ZF_TESTBED_HOME/lib/load.sh"

usage() {
    cat <<'TXT'
Usage: testbed.sh up [--fast] [--async] [--dir DIR]
       testbed.sh down [--dir DIR]
       testbed.sh status [--dir DIR]
TXT
}

zf_check_tools() {
    local t
    for t in ip iptables haproxy socat curl setpriv; do
        command -v "$t" >/dev/null || zf_die 2 "'$t' is not installed (make deps-test installs it)"
    done
    [ -x "$ZF_PG_BIN/postgres" ] || zf_die 2 "PostgreSQL 15 is not installed ($ZF_PG_BIN/postgres)"
    if [ "$1" != fast ]; then
        for t in etcd etcdctl patroni; do
            command -v "$t" >/dev/null || zf_die 2 "'$t' is not installed (make deps-test installs it)"
        done
    fi
    zf_app_bin >/dev/null
}

# The Debian packages' own services must not run beside the bed: stop them by PID file.
zf_stop_distro_services() {
    local f pid
    for f in /run/etcd.pid /run/postgresql/15-main.pid /var/run/postgresql/15-main.pid; do
        [ -f "$f" ] || continue
        pid=$(head -n 1 "$f")
        if zf_alive "$pid"; then
            zf_log "stopping the Debian service of $f (pid $pid)"
            zf_kill_pid "$pid" TERM 10
        fi
    done
}

# --- up -------------------------------------------------------------------------------
zf_up_patroni() {
    local z
    for z in $ZF_ZONES; do zf_etcd_start "$z"; done
    for z in $ZF_ZONES; do zf_wait 15 "etcd-$z healthy" zf_etcd_healthy "$z"; done
    # pg-a first; pg-b once pg-a holds the cluster's initialize key, so that pg-a
    # bootstraps (the primary starts in zone a) while pg-b's Patroni starts up.
    zf_patroni_start a
    zf_wait 20 "pg-a to take the initialize key" zf_etcd_has_key /zonefall/zonefall/initialize
    zf_patroni_start b
    zf_wait 25 "pg-a to bootstrap as primary" zf_patroni_is a primary
}

zf_up_fast() {
    zf_pg_fast_init_primary a
    zf_wait 15 "pg-a to accept connections" zf_pg_ready a
    zf_pg_fast_init_standby b a
}

zf_up_wait_ready() {
    local z i
    if [ "$(zf_mode)" = fast ]; then
        zf_wait 15 "pg-b streaming" zf_pg_streaming a b
    else
        zf_wait 25 "pg-b streaming as replica" zf_patroni_is b replica
        if [ "$(zf_repl)" = sync ]; then
            zf_wait 15 "pg-b to become the synchronous standby" zf_patroni_is b sync
        fi
    fi
    for z in $ZF_ZONES; do
        i=1
        while [ "$i" -le "$ZF_APPS_PER_ZONE" ]; do
            zf_wait 10 "app $z$i /health" zf_app_health "$z" "$i"
            i=$((i + 1))
        done
    done
    for z in $ZF_LB_ZONES; do
        zf_wait 10 "haproxy-$z: every app UP" zf_hap_all_up "$z" apps
        zf_wait 10 "haproxy-$z: database route UP" zf_hap_any_up "$z" db
    done
}

zf_hap_all_up() { ! zf_hap_states "$1" "$2" | grep -qv ' UP$' && zf_hap_states "$1" "$2" | grep -q ' UP$'; }
zf_hap_any_up() { zf_hap_states "$1" "$2" | grep -Eq ' (UP|no check)$'; }

zf_up_failed() {
    trap - EXIT
    zf_log "bring-up failed; the end of the logs in $ZF_LOGS:"
    tail -n 5 "$ZF_LOGS"/*.log >&2 2>/dev/null || true
    if [ -n "${ZF_TESTBED_KEEP_LOGS:-}" ]; then
        cp -r "$ZF_LOGS" "$ZF_TESTBED_KEEP_LOGS" && zf_log "logs kept in $ZF_TESTBED_KEEP_LOGS"
    fi
    zf_log "cleaning up what was started"
    zf_down_all
    exit 1
}

cmd_up() {
    local mode=$1 repl=$2 t0 z
    t0=$(date +%s%N)
    zf_need_root
    zf_check_tools "$mode"
    if zf_is_up || ip netns list | grep -q "^$ZF_NS_CORE\b"; then
        zf_die 2 "the test bed is already up (state in $ZF_DIR); run 'zonefall testbed down' first"
    fi
    zf_net_probe
    zf_stop_distro_services
    [ -e "$ZF_DIR" ] && [ -n "$(ls -A "$ZF_DIR" 2>/dev/null)" ] && [ ! -f "$ZF_DIR/.zonefall-testbed" ] &&
        zf_die 2 "$ZF_DIR exists and is not a test bed state directory; choose another --dir"
    mkdir -p "$ZF_PIDS" "$ZF_LOGS"
    chmod 755 "$ZF_DIR"
    touch "$ZF_DIR/.zonefall-testbed"
    echo "$repl" >"$ZF_DIR/replication"
    zf_app_bin >"$ZF_DIR/bin-app"
    [ -z "${ZF_FAULTPROXY_BIN:-}" ] || echo "$ZF_FAULTPROXY_BIN" >"$ZF_DIR/bin-faultproxy"
    echo "$mode" >"$ZF_DIR/mode"
    [ "$mode" = fast ] && echo a >"$ZF_DIR/fast-primary"
    trap zf_up_failed EXIT
    trap 'exit 130' INT TERM # so that an interrupted bring-up cleans up too
    zf_net_up
    zf_log "namespaces up at $(zf_elapsed "$t0") s"
    # Load balancers and apps need no database to start: start them first, in parallel
    # with the database (apps connect on demand; HAProxy's checks follow).
    for z in $ZF_LB_ZONES; do zf_hap_start "$z"; done
    for z in $ZF_ZONES; do zf_apps_start "$z"; done
    if [ "$mode" = fast ]; then zf_up_fast; else zf_up_patroni; fi
    zf_pg_schema "$(zf_pg_primary_zone)"
    zf_log "database primary ready at $(zf_elapsed "$t0") s"
    zf_up_wait_ready
    trap - EXIT INT TERM
    zf_log "up ($mode, $repl replication) in $(zf_elapsed "$t0") s; state in $ZF_DIR"
    zf_log "clients: http://$(zf_zone_ip a):$ZF_PORT_LB_HTTP and http://$(zf_zone_ip b):$ZF_PORT_LB_HTTP"
}

# --- down -------------------------------------------------------------------------------
zf_down_all() {
    local f pid z pids=
    if [ -d "$ZF_PIDS" ]; then
        for f in "$ZF_PIDS"/*.pid; do
            [ -f "$f" ] || continue
            pid=$(cat "$f")
            zf_alive "$pid" && kill -s TERM "$pid" 2>/dev/null && pids="$pids $pid"
        done
        for pid in $pids; do zf_kill_pid "$pid" TERM 8; done
        rm -f "$ZF_PIDS"/*.pid
    fi
    # Whatever is left inside our namespaces (backends of a killed postmaster...) is ours.
    for z in $ZF_ZONES; do zf_ns_kill "$z"; done
    zf_net_down
    if [ -f "$ZF_DIR/.zonefall-testbed" ]; then
        rm -rf "$ZF_DIR"
    fi
}

cmd_down() {
    zf_need_root
    if ! zf_is_up && ! ip netns list | grep -q '^zf-'; then
        zf_log "the test bed is not up; nothing to do"
        [ -f "$ZF_DIR/.zonefall-testbed" ] && rm -rf "$ZF_DIR"
        return 0
    fi
    zf_down_all
    zf_log "down: processes stopped, namespaces and $ZF_DIR removed"
}

# --- status -----------------------------------------------------------------------------
ZF_STATUS_BAD=0
zf_status_line() { # name pid detail
    local state=alive
    if ! zf_alive "$2"; then
        state=DEAD
        ZF_STATUS_BAD=1
    fi
    printf '  %-10s pid %-8s %-6s %s\n' "$1" "${2:--}" "$state" "$3"
}

zf_status_zone() {
    local z=$1 link detail i body lz
    link=$(ip -n "$ZF_NS_CORE" -br link show "port-$z" 2>/dev/null | awk '{print $2}')
    printf 'zone %s (namespace zf-%s, %s): link %s\n' "$z" "$z" "$(zf_zone_ip "$z")" "${link:-missing}"
    if [ "$(zf_mode)" != fast ]; then
        detail=$(ETCDCTL_API=3 etcdctl --endpoints "http://$(zf_zone_ip "$z"):$ZF_PORT_ETCD_CLIENT" \
            --dial-timeout 1s --command-timeout 1s endpoint status -w simple 2>/dev/null |
            awk -F', ' '{print "leader=" ($5 == "true" ? "yes" : "no") " raft_term=" $7}')
        if zf_etcd_healthy "$z" >/dev/null 2>&1; then
            detail="healthy $detail"
        else
            detail="UNHEALTHY"
            ZF_STATUS_BAD=1
        fi
        zf_status_line "etcd-$z" "$(zf_pid_of "$z" etcd)" "$detail"
    fi
    case " $ZF_PG_ZONES " in *" $z "*)
        if [ "$(zf_mode)" = fast ]; then
            detail="role=$(zf_psql "$z" "SELECT CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary' END" postgres 2>/dev/null || echo unreachable)"
            zf_status_line "pg-$z" "$(zf_pid_of "$z" postgres)" "$detail"
        else
            body=$(zf_patroni_get "$z" /patroni 2>/dev/null || true)
            detail=$(printf '%s' "$body" | sed -n 's/.*"state": *"\([^"]*\)".*"role": *"\([^"]*\)".*/role=\2 state=\1/p')
            [ -z "$detail" ] && detail=$(printf '%s' "$body" | tr ',' '\n' | grep -E '"(role|state)"' | tr -d ' "{}' | tr '\n' ' ')
            zf_patroni_is "$z" sync && detail="$detail (synchronous standby)"
            zf_status_line "pg-$z" "$(zf_pid_of "$z" patroni)" "patroni ${detail:-unreachable} postmaster=$(zf_pg_postmaster "$z")"
        fi
        ;;
    esac
    case " $ZF_LB_ZONES " in *" $z "*)
        detail="apps: $(zf_hap_states "$z" apps | tr '\n' ' ')db: $(zf_hap_states "$z" db | tr '\n' ' ')"
        zf_status_line "haproxy-$z" "$(zf_pid_of "$z" haproxy)" "$detail"
        ;;
    esac
    i=1
    while [ "$i" -le "$ZF_APPS_PER_ZONE" ]; do
        body=$(zf_app_health "$z" "$i" 2>/dev/null || echo "no answer")
        zf_status_line "app-$z$i" "$(zf_pid_of "$z" "app$i")" "$body"
        i=$((i + 1))
    done
    for lz in $z; do [ -f "$ZF_DIR/proxy-$lz.active" ] && zf_status_line "proxy-$z" "$(zf_pid_of "$z" proxy)" "fault proxy active"; done
    return 0
}

cmd_status() {
    local z
    zf_need_root
    if ! zf_is_up; then
        echo "test bed: down (no state in $ZF_DIR)"
        exit 2
    fi
    echo "test bed: up, mode $(zf_mode), $(zf_repl) replication, state $ZF_DIR"
    echo "clients reach: http://$(zf_zone_ip a):$ZF_PORT_LB_HTTP http://$(zf_zone_ip b):$ZF_PORT_LB_HTTP (from the root namespace)"
    [ "$(zf_mode)" = fast ] || echo "database primary: $(zf_pg_primary_zone || true)"
    for z in $ZF_ZONES; do zf_status_zone "$z"; done
    for f in "$ZF_DIR"/fault-*; do [ -f "$f" ] && echo "active fault: $(cat "$f")"; done
    return "$ZF_STATUS_BAD"
}

# --- main -------------------------------------------------------------------------------
main() {
    local cmd=${1:-} mode=patroni repl=sync dir=
    [ -n "$cmd" ] || { usage >&2; exit 2; }
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --fast) mode=fast ;;
        --async) repl=async ;;
        --dir) [ $# -ge 2 ] || zf_die 2 "--dir needs a directory"; dir=$2; shift ;;
        --dir=*) dir=${1#--dir=} ;;
        -h | --help) usage; exit 0 ;;
        *) zf_die 2 "unknown option \"$1\"" ;;
        esac
        shift
    done
    zf_state_init "$dir"
    case $cmd in
    up) cmd_up "$mode" "$repl" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    -h | --help | help) usage ;;
    *) zf_die 2 "unknown command \"$cmd\" (up, down, status)" ;;
    esac
}

main "$@"
