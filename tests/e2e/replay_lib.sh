# e2e/replay_lib.sh: what the replay end-to-end scripts share, sourced with SRC (the source
# tree) set, then replay_init: the zonefall binary, a temp dir, lib.sh, cleanup on exit;
# start zf_testserver on 127.0.0.1 and stop exactly the processes started here, by pid;
# pick free loopback ports; write scenarios from a template with @NAME@ placeholders; read
# figures out of results.json.

# replay_init PATH/TO/zonefall: sets ZF (absolute) and T (a fresh temp dir), sources lib.sh,
# on exit runs cleanup_hook (a script may redefine it), stops what was started here and
# removes T; then works from the source tree.
replay_init() {
    ZF=${1:?usage: $(basename "$0") PATH/TO/zonefall}
    case $ZF in /*) ;; *) ZF=$PWD/$ZF ;; esac
    T=$(mktemp -d "${ZF_BUILD_ROOT:-${TMPDIR:-/tmp}}/e2e-$(basename "$0" .sh).XXXXXX")
    . "$SRC/tests/e2e/lib.sh"
    trap 'cleanup_hook; stop_started; rm -rf "$T"' EXIT
    trap 'exit 130' INT TERM
    cd "$SRC"
}

cleanup_hook() { :; }

TESTSERVER=${ZF_BUILD_ROOT:?ZF_BUILD_ROOT is set by meson test}/tests/zf_testserver
SCEN=$SRC/tests/data/replay
started=""

# stop_started: stops every process this script started (SIGTERM by pid, then SIGKILL).
stop_started() {
    local p
    for p in $started; do kill "$p" 2>/dev/null || true; done
    for p in $started; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$p" 2>/dev/null || true
    done
    started=""
}

# testserver VAR [OPTIONS...]: starts zf_testserver; its port goes into $VAR, its pid into
# ${VAR}_PID.
testserver() {
    local var=$1 port
    shift
    "$TESTSERVER" --max-runtime 170s "$@" >"$T/ts-$var.out" 2>"$T/ts-$var.err" &
    local pid=$!
    started="$started $pid"
    for _ in $(seq 200); do
        port=$(head -n 1 "$T/ts-$var.out" 2>/dev/null || true)
        [ -n "$port" ] && break
        sleep 0.02
    done
    [ -n "$port" ] || fail "zf_testserver did not start"
    printf -v "$var" '%s' "$port"
    printf -v "${var}_PID" '%s' "$pid"
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# scenario NAME OUT [KEY=VALUE...]: tests/data/replay/NAME.json with @KEY@ replaced.
scenario() {
    local name=$1 out=$2
    shift 2
    python3 - "$SCEN/$name.json" "$out" "$@" <<'EOF'
import sys
text = open(sys.argv[1]).read()
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    text = text.replace("@" + k + "@", v)
if "@" in text.replace("@@", ""):
    sys.exit("unreplaced placeholder in " + sys.argv[1])
open(sys.argv[2], "w").write(text)
EOF
}

# jget DIR EXPR: a figure of DIR/results.json (a python expression on d).
jget() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1] + "/results.json")); print(eval(sys.argv[2]))' "$1" "$2"
}
