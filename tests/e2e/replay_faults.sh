#!/usr/bin/env bash
# e2e/replay_faults.sh: faults as real actions. Two zf_testserver backends behind haproxy
# (health checks every 200 ms, no retries); the scenario's inject action kills backend b
# by its pid at 5 s and its heal action starts it again at 11 s. Checked: errors appear,
# detection, recovery and RTO are measured by the simulator's definition, the actions'
# exit statuses and output files are recorded; interrupted by SIGINT mid-fault, the
# replay heals (b runs again), writes what it measured marked incomplete and exits 3; a
# stop condition whose command fails aborts the replay the same way (status "aborted").
# First, against zf_testserver alone: a fault whose inject or heal command fails (exit
# status, timeout) makes the replay exit 3 after healing and writing its results.
set -eu

SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/e2e/replay_lib.sh"
replay_init "$@"

# ---- a fault command that fails: results written, healed, exit 3 ---------------------

# bad_action NAME INJECT HEAL TIMEOUT: basic.json with fault "bad" (1 s to 2 s) running
# these commands (JSON argv arrays), replayed for 3 s against zf_testserver at $S; expects
# exit 3 and the verdict line
testserver S
bad_action() {
    python3 - "$T/$1.json" "$2" "$3" "$4" <<'EOF'
import json, sys
s = json.load(open("tests/data/replay/basic.json"))
s["faults"] = [{"name": "bad", "type": "zone_degradation", "target": "a", "added_latency": "1ms",
                "after": "1s", "duration": "1s",
                "actions": {"inject": json.loads(sys.argv[2]), "heal": json.loads(sys.argv[3]),
                            "timeout": sys.argv[4]}}]
json.dump(s, open(sys.argv[1], "w"))
EOF
    zf 3 replay "$T/$1.json" --target lb=http://127.0.0.1:$S --duration 3s --settle 0s -o "$T/$1" -q
    expect_out "verdict: pass   results: $T/$1/results.json"
}

bad_action inject '["false"]' '["true"]' 10s
expect_err "zonefall replay: fault bad: inject command: exit 1 (see $T/inject/actions/bad.inject.err)
zonefall replay: error: fault bad: the inject command failed (exit 1; see $T/inject/actions/bad.inject.err): the fault may not have been injected, so the run did not test it
zonefall replay: 1 fault command failed, so the verdict (pass) does not hold; results in $T/inject"
[ "$(jget "$T/inject" "d['status'], [(a['phase'], a['exit_status'], a['timed_out']) for a in d['faults'][0]['actions']]")" = \
  "('complete', [('inject', 1, False), ('heal', 0, False)])" ] ||
    fail "failed inject: $(jget "$T/inject" "d['status'], d['faults'][0]['actions']")"
ok

bad_action heal '["true"]' '["sh", "-c", "echo still broken >&2; exit 4"]' 10s
expect_err "zonefall replay: fault bad: heal command: exit 4 (see $T/heal/actions/bad.heal.err)
zonefall replay: error: fault bad: the heal command failed (exit 4; see $T/heal/actions/bad.heal.err): the deployment may not have been restored
zonefall replay: 1 fault command failed, so the verdict (pass) does not hold; results in $T/heal"
[ "$(jget "$T/heal" "[(a['phase'], a['exit_status']) for a in d['faults'][0]['actions']]")" = "[('inject', 0), ('heal', 4)]" ] ||
    fail "failed heal: $(jget "$T/heal" "d['faults'][0]['actions']")"
ok
[ "$(cat "$T/heal/actions/bad.heal.err")" = "still broken" ] || fail "the heal command's stderr was not kept"
ok

# an inject that outlives its timeout is killed; the heal waits for it, then runs
bad_action slow '["sleep", "10"]' '["true"]' 300ms
expect_err "zonefall replay: fault bad: inject command: timed out after 300ms: killed by signal 15 (see $T/slow/actions/bad.inject.err)
zonefall replay: error: fault bad: the inject command failed (timed out after 300ms: killed by signal 15; see $T/slow/actions/bad.inject.err): the fault may not have been injected, so the run did not test it
zonefall replay: 1 fault command failed, so the verdict (pass) does not hold; results in $T/slow"
[ "$(jget "$T/slow" "[(a['phase'], a['exit_status'], a['signal'], a['timed_out']) for a in d['faults'][0]['actions']]")" = \
  "[('inject', None, 15, True), ('heal', 0, None, False)]" ] ||
    fail "inject past its timeout: $(jget "$T/slow" "d['faults'][0]['actions']")"
ok
stop_started

command -v haproxy >/dev/null || { echo "haproxy not installed: the rest is skipped"; exit 77; }
BACKEND=$SRC/tests/e2e/replay_backend.sh
export STATE=$T/state
mkdir -p "$STATE"
export TESTSERVER
# the backends are started by the actions, so their pids live in $STATE: stop them too
stop_backends() {
    local f
    for f in "$STATE"/*.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
}
cleanup_hook() { stop_backends; }

"$BACKEND" start a
"$BACKEND" start b
HP=$(free_port)
cat >"$T/haproxy.cfg" <<EOF
global
  maxconn 4000
defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 10s
  retries 0
frontend fe
  bind 127.0.0.1:$HP
  default_backend be
backend be
  balance roundrobin
  server a 127.0.0.1:$(cat "$STATE/a.port") check inter 200ms fall 2 rise 1
  server b 127.0.0.1:$(cat "$STATE/b.port") check inter 200ms fall 2 rise 1
EOF
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1 &
started="$started $!"
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$HP/ready" >/dev/null && break; sleep 0.05; done
curl -fs "http://127.0.0.1:$HP/ready" >/dev/null || fail "haproxy did not start"

# b_serves: backend b runs again (a new pid answering on its port)
b_serves() {
    kill -0 "$(cat "$STATE/b.pid")" 2>/dev/null &&
        curl -fs "http://127.0.0.1:$(cat "$STATE/b.port")/control/stats" >/dev/null ||
        fail "backend b is not running after the replay: the fault was left behind"
    ok
}

mk() { # mk OUT STOPS: the fault scenario with these stop conditions
    scenario fault "$1" BACKEND="$BACKEND" STATE="$STATE" TESTSERVER="$TESTSERVER" STOPS="$2"
}

# ---- the fault, its measurements and its actions --------------------------------------

mk "$T/fault.json" "[]"
zf 0 replay "$T/fault.json" --target lb=http://127.0.0.1:$HP -o "$T/run" -q
expect_out "verdict: pass   results: $T/run/results.json"
expect_files "$T/run/actions" lose-b.inject.out lose-b.inject.err lose-b.heal.out lose-b.heal.err
pycheck "detection, recovery and RTO of the killed backend" "$T/run" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1] + "/results.json"))
f = d["faults"][0]
n = 0
def want(cond, msg):
    global n
    if not cond:
        sys.exit("FAIL: %s\nfault %s\nfailed_by_cause %s" % (msg, json.dumps(f), d["requests"]["failed_by_cause"]))
    n += 1
want(d["status"] == "complete", "complete")
want(d["requests"]["failed"] > 0, "errors appear")
want(d["requests"]["failed_by_cause"]["http_5xx"] > 0, "haproxy answers 503 for the dead backend")
want((f["name"], f["kind"], f["target"], f["start_s"], f["end_s"]) == ("lose-b", "zone_outage", "b", 5.0, 11.0), "the fault's window")
want(5.0 <= f["detected_s"] < 6.5, "detected by the first failure after the kill")
want(f["recovered_s"] is not None and f["detected_s"] <= f["recovered_s"] <= 8.0, "recovered once haproxy routes around b")
want(0 < f["rto_s"] <= 3, "RTO from the start to the recovery")
acts = f["actions"]
want([a["phase"] for a in acts] == ["inject", "heal"], "inject then heal")
want(all(a["exit_status"] == 0 and not a["timed_out"] for a in acts), "both actions succeeded")
want(4.9 < acts[0]["started_s"] < 5.3 and 10.9 < acts[1]["started_s"] < 11.3, "run on schedule")
want(acts[0]["argv"][1:] == ["kill", "b"] and acts[1]["stdout"] == "actions/lose-b.heal.out", "argv and output files")
rows = [l.rstrip("\n").split(",") for l in open(sys.argv[1] + "/timeseries.csv")]
col = rows[0].index("failed_http_5xx")
bad = [int(r[0]) for r in rows[1:] if int(r[col]) > 0]
want(bad and min(bad) >= 5 and max(bad) <= 7, "errors by cause per second, in the fault's seconds: %s" % bad)
want(d["slos"][0]["met"], "the RTO SLO")
print(n)
EOF
b_serves

# ---- interrupted mid-fault: healed, results so far, exit 3 ----------------------------

"$ZF" replay "$T/fault.json" --target lb=http://127.0.0.1:$HP -o "$T/int" -q >"$out" 2>"$err" &
zp=$!
sleep 7.5
kill -INT "$zp"
rc=0
wait "$zp" || rc=$?
[ "$rc" -eq 3 ] || fail "interrupted replay: exit $rc, expected 3"
ok
expect_err "zonefall replay: interrupted by SIGINT; every fault healed; what was measured so far is in $T/int (status \"incomplete\")"
[ "$(jget "$T/int" "d['status'], [(a['phase'], a['exit_status']) for a in d['faults'][0]['actions']], d['requests']['total'] > 1000")" = \
  "('incomplete', [('inject', 0), ('heal', 0)], True)" ] || fail "interrupted: $(jget "$T/int" "d['status'], d['faults'][0]['actions']")"
ok
heal_at=$(jget "$T/int" "d['faults'][0]['actions'][1]['started_s']")
# the replay's clock starts after the scenario is loaded: the SIGINT lands at 7.5 s minus that
python3 -c "import sys; sys.exit(not 6.5 < $heal_at < 8.5)" || fail "healed at $heal_at s, expected right after the SIGINT at about 7.5 s (the scheduled heal is at 11 s)"
ok
b_serves

# ---- a stop condition: its check fails once b is gone: aborted, healed, exit 3 --------

mk "$T/stop.json" "[{\"command\": [\"curl\", \"-fs\", \"-o\", \"/dev/null\", \"http://127.0.0.1:$(cat "$STATE/b.port")/control/stats\"], \"every\": \"500ms\", \"timeout\": \"5s\"}]"
zf 3 replay "$T/stop.json" --target lb=http://127.0.0.1:$HP -o "$T/stop" -q
grep -q '^zonefall replay: aborted: stop condition \$.stop_conditions\[0\]: curl -fs -o /dev/null http://127.0.0.1:[0-9]*/control/stats: exit 7 (see .*/actions/stop-0.err); every fault healed; results in .* (status "aborted")$' "$err" ||
    fail "stop condition: unexpected stderr"
ok
[ "$(jget "$T/stop" "d['status'], d['duration_s'], [a['phase'] for a in d['faults'][0]['actions']]")" = "('aborted', 16.0, ['inject', 'heal'])" ] ||
    fail "stop condition: $(jget "$T/stop" "d['status'], d['faults'][0]['actions']")"
ok
last=$(($(wc -l <"$T/stop/timeseries.csv") - 1))
[ "$last" -le 8 ] || fail "the aborted replay went on for $last seconds"
ok
b_serves

stop_backends
stop_started
printf 'replay_faults: %d passed\n' "$passed"
