# shellcheck shell=bash disable=SC2034
# common: the test bed's layout (zones, addresses, ports, state directory) and the
# helpers every testbed script shares: PID tracking, starting a daemon inside a zone's
# network namespace, waiting, talking to HAProxy's runtime API. Sourced, never run.

# --- layout -----------------------------------------------------------------------
# One private /16 that exists only on this machine; zone Z gets 10.250.N.1 (N = 1..3),
# the root namespace (where clients such as `zonefall replay` run) gets 10.250.0.1.
ZF_SUBNET=10.250.0.0/16
ZF_HOST_IP=10.250.0.1
ZF_ZONES="a b c"
ZF_LB_ZONES="a b"            # the two HAProxy load balancers in parallel
ZF_PG_ZONES="a b"            # PostgreSQL primary (a at start) and its synchronous standby
ZF_APPS_PER_ZONE=${ZF_TESTBED_APPS:-2}
ZF_NS_CORE=zf-core           # holds the bridge that joins the zones

ZF_PORT_APP_BASE=8000        # app instance i of a zone listens on 8000+i
ZF_PORT_PROXY_BASE=9000      # fault proxy in front of instance i: 9000+i
ZF_PORT_LB_HTTP=8080         # HAProxy HTTP frontend
ZF_PORT_LB_DB=5000           # HAProxy database route (to the current primary)
ZF_PORT_PG=5432
ZF_PORT_PATRONI=8008
ZF_PORT_ETCD_CLIENT=2379
ZF_PORT_ETCD_PEER=2380

ZF_PG_BIN=${ZF_PG_BIN:-/usr/lib/postgresql/15/bin}
ZF_DB_NAME=zonefall

zf_zone_index() {
    case $1 in
    a) echo 1 ;; b) echo 2 ;; c) echo 3 ;;
    *) zf_die 2 "unknown zone \"$1\" (zones: $ZF_ZONES)" ;;
    esac
}
zf_zone_ip() { echo "10.250.$(zf_zone_index "$1").1"; }
zf_ns() { echo "zf-$1"; }

# --- messages and state -----------------------------------------------------------
zf_log() { printf 'testbed: %s\n' "$*" >&2; }
zf_die() {
    local code=$1
    shift
    printf 'testbed: error: %s\n' "$*" >&2
    exit "$code"
}

# The state directory: --dir DIR, else $ZF_TESTBED_STATE, else /tmp/zonefall-testbed.
zf_state_init() {
    ZF_DIR=${1:-${ZF_TESTBED_STATE:-/tmp/zonefall-testbed}}
    case $ZF_DIR in
    /*) ;;
    *) ZF_DIR="$(pwd)/$ZF_DIR" ;;
    esac
    ZF_PIDS="$ZF_DIR/pids"
    ZF_LOGS="$ZF_DIR/logs"
}

zf_is_up() { [ -f "$ZF_DIR/mode" ]; }
# Small state files are read with the `read` builtin: a fault action starts no process
# before its fault (each fork+exec costs 10-90 ms on this loaded machine).
zf_read_file() { # file default: the file's first line, else default
    local line=''
    { read -r line <"$1"; } 2>/dev/null || true # a last line without newline is read too
    echo "${line:-$2}"
}
zf_mode() { zf_read_file "$ZF_DIR/mode" none; }           # patroni | fast
zf_repl() { zf_read_file "$ZF_DIR/replication" sync; }    # sync | async

zf_need_root() {
    [ "$EUID" -eq 0 ] || zf_die 2 "the test bed needs root (network namespaces, iptables); run as root"
}

zf_need_up() {
    zf_is_up || zf_die 2 "the test bed is not up (no $ZF_DIR/mode); run 'zonefall testbed up' first"
}

# --- processes ----------------------------------------------------------------------
# Every daemon is started by zf_start and recorded as pids/ZONE-NAME.pid; `down` and the
# fault actions stop processes by these PIDs (and by the PIDs inside our own namespaces),
# never by name.
zf_pidfile() { echo "$ZF_PIDS/$1-$2.pid"; }

# A process is alive when it exists and is not a zombie (a killed daemon stays a zombie
# until init reaps it, and kill -0 still succeeds on it).
zf_alive() {
    local st
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    st=${st##*) } # "pid (comm) S ...": the state follows the last ')'
    case ${st:0:1} in '' | Z | X) return 1 ;; esac
}

zf_pid_of() { # zone name -> pid or empty
    local pid=''
    { read -r pid <"$ZF_PIDS/$1-$2.pid"; } 2>/dev/null || true
    echo "$pid"
}

# zf_start ZONE NAME [--as USER] CMD...: starts CMD in the zone's namespace, in its own
# session (setsid execs without forking here), output to logs/ZONE-NAME.log.
zf_start() {
    local z=$1 name=$2 user='' log
    shift 2
    if [ "${1:-}" = --as ]; then
        user=$2
        shift 2
    fi
    log="$ZF_LOGS/$z-$name.log"
    if [ -n "$user" ]; then
        setsid ip netns exec "$(zf_ns "$z")" setpriv --reuid "$user" --regid "$user" \
            --init-groups -- "$@" >>"$log" 2>&1 </dev/null &
    else
        setsid ip netns exec "$(zf_ns "$z")" "$@" >>"$log" 2>&1 </dev/null &
    fi
    echo $! >"$(zf_pidfile "$z" "$name")"
}

# zf_kill_pid PID [SIGNAL] [WAIT_S]: signals PID, waits for it to go, SIGKILLs after WAIT_S.
zf_kill_pid() {
    local pid=$1 sig=${2:-TERM} wait_s=${3:-5} i
    zf_alive "$pid" || return 0
    kill -s "$sig" "$pid" 2>/dev/null || true
    i=0
    while zf_alive "$pid" && [ "$i" -lt $((wait_s * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if zf_alive "$pid"; then
        kill -s KILL "$pid" 2>/dev/null || true
        sleep 0.1
    fi
    return 0
}

# zf_stop ZONE NAME [SIGNAL] [WAIT_S]: stops the recorded process and forgets it.
zf_stop() {
    local pid
    pid=$(zf_pid_of "$1" "$2")
    [ -n "$pid" ] && zf_kill_pid "$pid" "${3:-TERM}" "${4:-5}"
    rm -f "$(zf_pidfile "$1" "$2")"
}

# zf_ns_pids ZONE: every process living in the zone's namespace (all started by us).
zf_ns_pids() { ip netns pids "$(zf_ns "$1")" 2>/dev/null || true; }

# zf_ns_kill ZONE: SIGKILLs every process left in the zone's namespace (a crash).
zf_ns_kill() {
    local pids p
    for _ in 1 2 3 4 5; do
        pids=$(zf_ns_pids "$1")
        [ -z "$pids" ] && return 0
        for p in $pids; do kill -s KILL "$p" 2>/dev/null || true; done
        sleep 0.2
    done
}

# zf_wait SECONDS DESCRIPTION CMD...: polls CMD every 0.1 s until it succeeds or the
# wall-clock deadline passes (a slow CMD does not stretch the deadline).
zf_wait() {
    local limit=$1 what=$2 deadline
    shift 2
    deadline=$(($(date +%s%N) + limit * 1000000000))
    while [ "$(date +%s%N)" -lt "$deadline" ]; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    zf_log "timed out after ${limit}s waiting for $what"
    return 1
}

# --- HAProxy runtime API ------------------------------------------------------------
zf_hap_sock() { echo "$ZF_DIR/haproxy-$1.sock"; }
zf_hap() { # zf_hap ZONE "command": one runtime API command, answer on stdout
    printf '%s\n' "$2" | socat -t 2 - "UNIX-CONNECT:$(zf_hap_sock "$1")"
}

# --- PostgreSQL helpers -------------------------------------------------------------
zf_psql() { # zf_psql ZONE SQL: runs SQL on the zone's PostgreSQL node as postgres
    setpriv --reuid postgres --regid postgres --init-groups -- \
        "$ZF_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
        "host=$(zf_zone_ip "$1") port=$ZF_PORT_PG user=postgres dbname=${3:-$ZF_DB_NAME} connect_timeout=2" \
        -c "$2"
}

# The libpq connection string the app instances of zone Z use: both HAProxy database
# routes (the local one first), and only a read-write session is accepted, so a route
# that still points at a demoted node is skipped.
zf_app_conninfo() {
    local hosts='' ports='' order lz
    case $1 in
    b) order="b a" ;;
    *) order="a b" ;;
    esac
    for lz in $order; do
        hosts="$hosts${hosts:+,}$(zf_zone_ip "$lz")"
        ports="$ports${ports:+,}$ZF_PORT_LB_DB"
    done
    printf 'host=%s port=%s dbname=%s user=postgres connect_timeout=2 ' "$hosts" "$ports" "$ZF_DB_NAME"
    printf 'target_session_attrs=read-write keepalives_idle=2 keepalives_interval=1 '
    printf 'keepalives_count=2 tcp_user_timeout=4000 application_name=zf_app_%s\n' "$1"
}

zf_elapsed() { # start (date +%s%N) -> seconds since, with milliseconds
    local ms=$((($(date +%s%N) - $1) / 1000000))
    printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}
