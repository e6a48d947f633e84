# shellcheck shell=bash
# pg: PostgreSQL 15 in zones a and b. Patroni mode: one Patroni per node, etcd as DCS,
# synchronous_mode on (off with --async), automatic failover. Fast mode: plain streaming
# replication, and zf_pg_fast_failover is the scripted promote the fault actions call.

zf_pg_dir() { echo "$ZF_DIR/pg/$1"; }
zf_pg_data() { echo "$ZF_DIR/pg/$1/data"; }

zf_pg_prepare_dir() { # zone: the node's directory, owned by postgres
    local d
    d=$(zf_pg_dir "$1")
    mkdir -p "$d/run"
    chown -R postgres:postgres "$d"
    chmod 700 "$d"
}

# The postmaster's PID, from its postmaster.pid (empty when not running).
zf_pg_postmaster() {
    local pid=''
    { read -r pid <"$ZF_DIR/pg/$1/data/postmaster.pid"; } 2>/dev/null || true
    echo "$pid"
}

# Sets ZF_PM to the zone's running postmaster and returns 0, or returns 1. A postmaster.pid
# outlives a SIGKILLed postmaster, and its PID may be reused: the process must be alive,
# be a postgres and run this node's data directory (DIR/pg/ZONE/data, however DIR was
# spelled at `up`). Builtins only (no process started).
zf_pg_live_postmaster() {
    local data="$ZF_DIR/pg/$1/data" comm='' args=()
    ZF_PM=''
    { read -r ZF_PM <"$data/postmaster.pid"; } 2>/dev/null || return 1
    zf_alive "$ZF_PM" || return 1
    { read -r comm <"/proc/$ZF_PM/comm" && mapfile -d '' -n 3 args <"/proc/$ZF_PM/cmdline"; } 2>/dev/null || return 1
    [ "$comm" = postgres ] && [ "${args[1]:-}" = -D ] || return 1
    case ${args[2]:-} in */pg/"$1"/data) return 0 ;; *) return 1 ;; esac
}

# The zone whose postgres runs as a primary, from the nodes' own files (builtins only, a
# few milliseconds): a live postmaster whose data directory has no standby.signal (Patroni
# and pg_basebackup -R write it for a replica; promotion removes it). Empty unless exactly
# one node qualifies (say two primaries for a moment around a partition): callers then ask
# Patroni (zf_pg_primary_zone). Sets ZF_PRIMARY (not printed: no subshell to fork).
zf_pg_running_primary() {
    local z
    ZF_PRIMARY=''
    for z in $ZF_PG_ZONES; do
        if zf_pg_live_postmaster "$z" && [ ! -e "$ZF_DIR/pg/$z/data/standby.signal" ]; then
            [ -z "$ZF_PRIMARY" ] || { ZF_PRIMARY=''; return 0; }
            ZF_PRIMARY=$z
        fi
    done
}

zf_pg_schema() { # zone of the primary: database and table of the app (idempotent)
    zf_psql "$1" "SELECT 1 FROM pg_database WHERE datname = '$ZF_DB_NAME'" postgres | grep -q 1 ||
        zf_psql "$1" "CREATE DATABASE $ZF_DB_NAME" postgres
    zf_psql "$1" "CREATE TABLE IF NOT EXISTS writes (
        write_id bigint PRIMARY KEY, device bigint NOT NULL, seq bigint NOT NULL DEFAULT 0,
        kind text NOT NULL, applied integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX IF NOT EXISTS writes_device ON writes (device);"
}

# --- Patroni mode ---------------------------------------------------------------------
# Settings (see docs/testbed.md): ttl 10, loop_wait 2, retry_timeout 4, so that Patroni's
# rule loop_wait + 2 x retry_timeout <= ttl holds; failover about ttl after a SIGKILL.
# wal_sender_timeout 3s: an isolated primary's shutdown must not wait 60 s for its
# unreachable standby, or Patroni 3.0.2 demotes twice and starts two postmasters
# (patroni/patroni#3649, fixed upstream by #3372).
# The DCS is etcd's v2 API ("etcd:"), not v3: Debian's Patroni 3.0.2 renews the leader
# key over v3 with an unconditional put, so an old primary coming back from a partition
# took the key from the promoted standby and the standby's acknowledged writes were
# rewound away (measured: 21 and 25 lost; fixed upstream by patroni/patroni#2689, 3.0.3).
# Over v2 the renewal is a compare-and-swap on the holder's name.
zf_patroni_config() {
    local z=$1 ip sync=true
    ip=$(zf_zone_ip "$z")
    [ "$(zf_repl)" = async ] && sync=false
    cat <<YAML
scope: zonefall
namespace: /zonefall/
name: pg-$z
log:
  level: INFO
restapi:
  listen: $ip:$ZF_PORT_PATRONI
  connect_address: $ip:$ZF_PORT_PATRONI
etcd:
  hosts: $(zf_etcd_endpoints | sed 's#http://##g')
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: $sync
    synchronous_mode_strict: false
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 128MB
        max_connections: 100
        wal_sender_timeout: 3s
        wal_receiver_timeout: 3s
  initdb:
    - encoding: UTF8
    - auth: trust
  pg_hba:
    - local all all trust
    - host replication postgres $ZF_SUBNET trust
    - host all all $ZF_SUBNET trust
postgresql:
  listen: $ip:$ZF_PORT_PG
  connect_address: $ip:$ZF_PORT_PG
  data_dir: $(zf_pg_data "$z")
  bin_dir: $ZF_PG_BIN
  pgpass: $(zf_pg_dir "$z")/pgpass
  basebackup:
    - checkpoint: fast
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
  authentication:
    superuser: {username: postgres}
    replication: {username: postgres}
    rewind: {username: postgres}
  parameters:
    unix_socket_directories: $(zf_pg_dir "$z")/run
    shared_buffers: 32MB
YAML
}

zf_patroni_start() { # zone: starts (or restarts) the node's Patroni, which runs postgres
    local z=$1 cfg
    zf_pg_prepare_dir "$z"
    cfg="$(zf_pg_dir "$z")/patroni.yml"
    zf_patroni_config "$z" >"$cfg"
    chown postgres:postgres "$cfg"
    zf_start "$z" patroni --as postgres patroni "$cfg"
}

zf_patroni_get() { # zone path: GET on the node's REST API, body on stdout
    curl -s -m 1 "http://$(zf_zone_ip "$1"):$ZF_PORT_PATRONI$2"
}
zf_patroni_is() { # zone primary|sync|replica: 0 when the node's REST API says so
    curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$(zf_zone_ip "$1"):$ZF_PORT_PATRONI/$2" | grep -q '^200$'
}

# The zone of the current primary (empty when none answers as primary). Patroni mode asks
# every node's REST API at once (the node holding the leader key answers 200 on /primary).
zf_pg_primary_zone() {
    local z jobs=()
    if [ "$(zf_mode)" = fast ]; then
        z=$(zf_read_file "$ZF_DIR/fast-primary" '')
        [ -n "$z" ] && echo "$z"
        return 0
    fi
    for z in $ZF_PG_ZONES; do
        { if zf_patroni_is "$z" primary; then echo "$z"; fi; } &
        jobs+=($!)
    done
    wait "${jobs[@]}" # these only: a bare wait would also wait for daemons started here
    return 0
}

zf_pg_other() { # zone: the other database node's zone
    local o
    for o in $ZF_PG_ZONES; do
        if [ "$o" != "$1" ]; then echo "$o"; fi
    done
}

# SIGKILLs a node at once: its Patroni (if any), its postmaster and every backend of it
# (the postmaster's children, from /proc), all in one `kill` builtin, so that they die
# within microseconds of each other and no process is started before. Then waits for
# them to go (at most 2 s) and forgets the PID files.
zf_pg_kill_node() {
    local z=$1 pids=() kids='' p i name
    for name in patroni postgres; do # fast mode runs the postmaster itself
        p=''
        { read -r p <"$ZF_PIDS/$z-$name.pid"; } 2>/dev/null || true # not $(zf_pid_of): no fork
        zf_alive "$p" && pids+=("$p")
    done
    if zf_pg_live_postmaster "$z"; then
        { read -r kids <"/proc/$ZF_PM/task/$ZF_PM/children"; } 2>/dev/null || true
        # shellcheck disable=SC2206 # PIDs separated by spaces
        pids+=("$ZF_PM" $kids)
    fi
    [ ${#pids[@]} -eq 0 ] || kill -s KILL "${pids[@]}" 2>/dev/null || true
    for p in "${pids[@]}"; do
        i=0
        while zf_alive "$p" && [ "$i" -lt 20 ]; do
            sleep 0.1
            i=$((i + 1))
        done
    done
    rm -f "$ZF_PIDS/$z-patroni.pid" "$ZF_PIDS/$z-postgres.pid"
}

# --- fast mode --------------------------------------------------------------------------
zf_pg_fast_sync_names() { # the synchronous_standby_names the primary should have
    if [ "$(zf_repl)" = async ]; then echo ""; else echo "*"; fi
}

zf_pg_fast_start() { # zone: the node's postmaster (primary or standby, by its data dir)
    local z=$1
    zf_start "$z" postgres --as postgres "$ZF_PG_BIN/postgres" -D "$(zf_pg_data "$z")" \
        -c listen_addresses="$(zf_zone_ip "$z")" -c port="$ZF_PORT_PG" \
        -c unix_socket_directories="$(zf_pg_dir "$z")/run" -c cluster_name="pg_$z"
}

zf_pg_ready() { "$ZF_PG_BIN/pg_isready" -q -t 1 -h "$(zf_zone_ip "$1")" -p "$ZF_PORT_PG"; }

zf_pg_fast_init_primary() {
    local z=$1 data
    data=$(zf_pg_data "$z")
    zf_pg_prepare_dir "$z"
    setpriv --reuid postgres --regid postgres --init-groups -- "$ZF_PG_BIN/initdb" -D "$data" \
        -U postgres --auth=trust -E UTF8 --no-sync >>"$ZF_LOGS/$z-initdb.log" 2>&1
    cat >>"$data/postgresql.conf" <<CONF
wal_level = replica
hot_standby = on
wal_log_hints = on
max_wal_senders = 10
wal_keep_size = 128MB
wal_sender_timeout = 3s
wal_receiver_timeout = 3s
shared_buffers = 32MB
synchronous_commit = on
synchronous_standby_names = '$(zf_pg_fast_sync_names)'
CONF
    printf 'local all all trust\nhost all all %s trust\nhost replication all %s trust\n' \
        "$ZF_SUBNET" "$ZF_SUBNET" >"$data/pg_hba.conf"
    zf_pg_fast_start "$z"
}

# zone primary_zone: (re)builds the zone's node as a streaming standby of primary_zone.
zf_pg_fast_init_standby() {
    local z=$1 p=$2
    zf_stop "$z" postgres TERM 5
    rm -rf "$(zf_pg_data "$z")"
    zf_pg_prepare_dir "$z"
    ip netns exec "zf-$z" setpriv --reuid postgres --regid postgres --init-groups -- \
        "$ZF_PG_BIN/pg_basebackup" -D "$(zf_pg_data "$z")" -R -X stream -c fast \
        -d "host=$(zf_zone_ip "$p") port=$ZF_PORT_PG user=postgres" >>"$ZF_LOGS/$z-basebackup.log" 2>&1
    zf_pg_fast_start "$z"
}

# Sets synchronous_standby_names on the primary and reloads (clearing it lets a primary
# whose standby is gone commit again; setting it restores synchronous replication).
zf_pg_fast_set_sync() {
    zf_psql "$1" "ALTER SYSTEM SET synchronous_standby_names = '$2'" postgres >/dev/null
    zf_psql "$1" "SELECT pg_reload_conf()" postgres >/dev/null
}

# Points both HAProxy database routes at zone $1 (runtime API; a dead LB is skipped).
zf_pg_fast_route() {
    local new=$1 lz o
    for lz in $ZF_LB_ZONES; do
        for o in $ZF_PG_ZONES; do
            if [ "$o" = "$new" ]; then
                zf_hap "$lz" "set server db/pg-$o state ready" >/dev/null 2>&1 || true
            else
                zf_hap "$lz" "set server db/pg-$o state maint" >/dev/null 2>&1 || true
                zf_hap "$lz" "shutdown sessions server db/pg-$o" >/dev/null 2>&1 || true
            fi
        done
    done
}

# The scripted failover of fast mode: fence (SIGKILL) the old primary, promote the
# standby, clear its synchronous_standby_names, switch the HAProxy database routes.
zf_pg_fast_failover() {
    local old=$1 new
    new=$(zf_pg_other "$old")
    zf_pg_kill_node "$old"
    setpriv --reuid postgres --regid postgres --init-groups -- \
        "$ZF_PG_BIN/pg_ctl" promote -w -t 10 -D "$(zf_pg_data "$new")" >>"$ZF_LOGS/$new-promote.log" 2>&1
    zf_pg_fast_set_sync "$new" ""
    echo "$new" >"$ZF_DIR/fast-primary"
    zf_pg_fast_route "$new"
}

# Fast-mode heal of a failed-over node: rebuild it as a standby of the current primary
# and restore synchronous replication.
zf_pg_fast_rejoin() {
    local z=$1 p
    p=$(zf_pg_primary_zone)
    [ "$p" = "$z" ] && return 0
    zf_pg_fast_init_standby "$z" "$p"
    zf_wait 20 "pg-$z streaming" zf_pg_streaming "$p" "$z"
    zf_pg_fast_set_sync "$p" "$(zf_pg_fast_sync_names)"
}

zf_pg_streaming() { # primary standby: 0 when the standby streams from the primary
    zf_psql "$1" "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pg_$2' AND state = 'streaming'" postgres | grep -q '^1$'
}
