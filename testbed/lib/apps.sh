# shellcheck shell=bash
# apps: the zf_app instances, ZF_APPS_PER_ZONE per zone, each a real process with its own
# bounded worker pool, reaching the database through the HAProxy database routes.

# The binary: $ZF_APP_BIN, else the one `up` recorded in the state directory.
zf_app_bin() {
    [ -n "${ZF_APP_BIN:-}" ] || ZF_APP_BIN=$(cat "$ZF_DIR/bin-app" 2>/dev/null || true)
    [ -x "${ZF_APP_BIN:-/nonexistent}" ] ||
        zf_die 2 "ZF_APP_BIN does not name the built zf_app (zonefall testbed sets it)"
    echo "$ZF_APP_BIN"
}

zf_app_start() { # zone index
    local z=$1 i=$2
    zf_start "$z" "app$i" "$(zf_app_bin)" --listen "$(zf_zone_ip "$z"):$((ZF_PORT_APP_BASE + i))" \
        --db "$(zf_app_conninfo "$z")" --name "$z$i" --zone "$z" \
        --workers "${ZF_APP_WORKERS:-4}" --queue "${ZF_APP_QUEUE:-64}"
}

zf_apps_start() { # zone: every instance of the zone
    local i=1
    while [ "$i" -le "$ZF_APPS_PER_ZONE" ]; do
        zf_app_start "$1" "$i"
        i=$((i + 1))
    done
}

zf_app_health() { # zone index: the /health body (fails when it does not answer 200)
    curl -s -f -m 1 "http://$(zf_zone_ip "$1"):$((ZF_PORT_APP_BASE + $2))/health"
}
