#!/usr/bin/env bash
# e2e/replay_cli.sh: the `zonefall replay` command line (usage errors with their exact
# messages and exit 2, nothing created), the dry-run plan (exact lines, every control:
# scale, speed, window, shard, trace), and short runs against zf_testserver on loopback:
# a pass (exit 0) whose results `check` and `report` read unchanged, an unreachable target
# (exit 3, results written), --speed compressing time, and a trace replayed as exported.
set -eu

SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/e2e/replay_lib.sh"
replay_init "$@"

B=tests/data/replay/basic.json
DEAD=http://127.0.0.1:1 # nothing listens on port 1: a dry run must not care

usage_err() { # usage_err MESSAGE ARGS...: exit 2, exactly MESSAGE and the hint, no results
    local msg=$1
    shift
    zf 2 replay -o "$T/never" "$@"
    expect_err "zonefall replay: $msg
Try 'zonefall replay --help'."
    expect_out_empty
    expect_no_dir "$T/never"
}

# ---- help and usage errors --------------------------------------------------------

zf 0 replay --help
expect_out_line1 "Usage: zonefall replay SCENARIO --target NAME=URL [--target NAME=URL]... [options]"
expect_err_empty
grep -q -- "--dry-run" "$out" || fail "replay --help does not list --dry-run"
zf 0 merge --help
expect_out_line1 "Usage: zonefall merge DIR... -o OUT"

usage_err "unknown option --bogus" "$B" --bogus
usage_err "unknown option -x" "$B" -x
usage_err "missing SCENARIO file" --target lb=$DEAD
usage_err "unexpected argument \"extra\"" "$B" extra --target lb=$DEAD
usage_err "option --target needs a value" "$B" --target
usage_err "--target: expected NAME=URL (a load balancer of the scenario and its URL), got \"lb\"" "$B" --target lb
usage_err "--target nope: no load balancer named \"nope\" in the scenario (it has: lb)" "$B" --target nope=$DEAD
usage_err "no --target for load balancer \"lb\" (every load balancer of the scenario needs one: --target lb=URL)" "$B"
usage_err "--target lb: URL 'ftp://x': expected http:// or https://" "$B" --target lb=ftp://x
usage_err "--scale: expected a fraction 0 < F <= 1, got \"0\"" "$B" --target lb=$DEAD --scale 0
usage_err "--scale: expected a fraction 0 < F <= 1, got \"1.5\"" "$B" --target lb=$DEAD --scale 1.5
usage_err "--speed: expected a factor from 0.000001 to 1000000, got \"0\"" "$B" --target lb=$DEAD --speed 0
usage_err "--shard: expected K/N with 1 <= K <= N <= 4096, such as 2/4, got \"3/2\"" "$B" --target lb=$DEAD --shard 3/2
usage_err "--threads: expected an integer from 1 to 256, got \"0\"" "$B" --target lb=$DEAD --threads 0
usage_err "--max-rps: expected a rate > 0 (requests per second), got \"-5\"" "$B" --target lb=$DEAD --max-rps -5
usage_err "--max-conns: expected an integer from 1 to 1000000, got \"0\"" "$B" --target lb=$DEAD --max-conns 0
usage_err "--duration: expected a duration > 0 such as 90s, 30m or 2h, got \"0\"" "$B" --target lb=$DEAD --duration 0
usage_err "--settle: expected a duration such as 5s or 1m, got \"soon\"" "$B" --target lb=$DEAD --settle soon
usage_err "--from: expected a time of day HH:MM or HH:MM:SS, got \"25:00\"" "$B" --target lb=$DEAD --from 25:00
usage_err "--from 06:00: that time of day comes 23h after the scenario's start (07:00:00), which lasts 20s" "$B" --target lb=$DEAD --from 06:00
usage_err "--to 07:00: that time of day comes 24h after the scenario's start (07:00:00), which lasts 20s" "$B" --target lb=$DEAD --to 07:00
usage_err "--scale: a trace fixes the fleet; --scale applies only when generating" "$B" --target lb=$DEAD --trace x.bin --scale 0.5
usage_err "--seed: a trace was generated with its own seed" "$B" --target lb=$DEAD --trace x.bin --seed 3

zf 2 replay scenarios/validation/mm1.json --target lb=$DEAD -o "$T/never"
expect_err "zonefall replay: error: scenarios/validation/mm1.json: replay needs request kinds (\$.kinds) routed to load balancers"
expect_no_dir "$T/never"
zf 2 replay tests/data/replay/missing.json --target lb=$DEAD -o "$T/never"
expect_err "zonefall replay: error: tests/data/replay/missing.json: cannot open: No such file or directory"
expect_no_dir "$T/never"

# ---- the dry run --------------------------------------------------------------------

zf 0 replay "$B" --target lb=$DEAD --target lb=http://127.0.0.1:2/prefix --dry-run
expect_err_empty
expect_out "replay plan: scenario replay-basic (tests/data/replay/basic.json), seed 1
window: 07:00:00 to 07:00:20 of the simulated day (0s to 20s after the scenario's start), 20s of wall time at speed 1
fleet: scale 1: 200 devices, 0 locations, 0 agencies; shard 1/1
requests: 3026 (mean 151.300/s, peak 169 in one second), before retries
  kind                   requests     mean/s   peak/s  target
  report                     1995     99.750      103  lb
  page                       1031     51.550       66  lb
targets (nothing else is contacted):
  lb: http://127.0.0.1:1 http://127.0.0.1:2/prefix
verification: GET /v1/writes/{write_id} on lb, 64 at once, after a 5s settle
nothing was sent (--dry-run)"

zf 0 replay "$B" --target lb=$DEAD --dry-run --scale 0.5 --speed 2 --from 07:00:05 --to 07:00:15 --no-verify
expect_out_has "window: 07:00:05 to 07:00:15 of the simulated day (5s to 15s after the scenario's start), 5s of wall time at speed 2"
expect_out_has "fleet: scale 0.5: 100 devices, 0 locations, 0 agencies; shard 1/1"
expect_out_has "verification: skipped (--no-verify)"
zf 0 replay "$B" --target lb=$DEAD --dry-run --seed 7 --duration 5s
expect_out_line1 "replay plan: scenario replay-basic (tests/data/replay/basic.json), seed 7"
expect_out_has "window: 07:00:00 to 07:00:05 of the simulated day (0s to 5s after the scenario's start), 5s of wall time at speed 1"

# shards: disjoint, and together exactly the whole stream
total=0
for k in 1 2 3; do
    zf 0 replay "$B" --target lb=$DEAD --dry-run --shard $k/3
    n=$(sed -n 's/^requests: \([0-9]*\) .*/\1/p' "$out")
    other=$(sed -n 's/^  \([0-9]*\) more go to the other shards$/\1/p' "$out")
    [ $((n + other)) -eq 3026 ] || fail "shard $k/3: $n + $other requests, expected 3026 in all"
    total=$((total + n))
done
[ "$total" -eq 3026 ] || fail "the shards' plans add up to $total requests, expected 3026"
ok

# faults with actions: argv and instants, in wall and scenario time
scenario stall "$T/stall.json" PORT=9
zf 0 replay "$T/stall.json" --target lb=$DEAD --dry-run --speed 2
expect_out_has "faults (commands without a shell unless \"shell\": true):"
expect_out_has "  freeze (zone_degradation a): inject at 2s (00:00:04), heal at 2.5s (00:00:05)"
expect_out_has "    inject: curl -fsS -X POST 'http://127.0.0.1:9/control/stall?ms=1000' (timeout 30s)"
expect_out_has "    heal:   none (nothing to undo)"
expect_out_has "verification: none (\$.verify absent): acknowledged writes are counted, not read back"

# a trace replays the stream it holds
zf 0 trace "$B" -o "$T/basic.trace" -q
zf 0 replay "$B" --target lb=$DEAD --dry-run --trace "$T/basic.trace"
expect_out_line1 "replay plan: scenario replay-basic (tests/data/replay/basic.json), seed 1, trace $T/basic.trace"
expect_out_has "requests: 3026 (mean 151.300/s, peak 169 in one second)"
zf 2 replay "$T/stall.json" --target lb=$DEAD --dry-run --trace "$T/basic.trace"
expect_err "zonefall replay: error: $T/basic.trace: a trace of scenario \"replay-basic\" (2 kinds), not of \"replay-stall\" (1 kinds)"

# ---- short runs -----------------------------------------------------------------------

# plan N ARGS...: the number of requests the dry run plans with ARGS
plan() {
    zf 0 replay "$B" --target lb=$DEAD --dry-run "$@"
    sed -n 's/^requests: \([0-9]*\) .*/\1/p' "$out"
}
n3=$(plan --duration 3s)
n8=$(plan --duration 8s)

testserver P
zf 0 replay "$B" --target lb=http://127.0.0.1:$P --duration 3s --settle 0s -o "$T/pass" -q
expect_out "verdict: pass   results: $T/pass/results.json"
expect_err_empty
expect_files "$T/pass" results.json timeseries.csv history.jsonl
[ "$(jget "$T/pass" "d['mode'], d['status'], d['requests']['total'], d['requests']['ok']")" = "('replay', 'complete', $n3, $n3)" ] ||
    fail "a 3 s replay: $(jget "$T/pass" "d['mode'], d['status'], d['requests']['total'], d['requests']['ok']")"
ok
rows=$(($(wc -l <"$T/pass/timeseries.csv") - 1))
[ "$rows" -ge 3 ] && [ "$rows" -le 5 ] || fail "a 3 s replay wrote $rows rows"
ok
zf 0 check "$T/pass"
zf 0 report "$T/pass"
[ -s "$T/pass/report/report.html" ] && [ -s "$T/pass/report/junit.xml" ] || fail "report wrote no report.html for a replay"
ok

# an unreachable target: every request refused, results kept, exit 3
zf 3 replay "$B" --target lb=$DEAD --duration 2s -o "$T/dead" -q
refused=$(jget "$T/dead" "d['requests']['failed_by_cause']['connect_refused']")
expect_err "zonefall replay: error: no request got an HTTP answer ($refused connect_refused): is the target up? results in $T/dead"
[ "$(jget "$T/dead" "d['requests']['total'] == $refused > 0, d['data_loss']['acknowledged_writes'], d['status']")" = "(True, 0, 'complete')" ] ||
    fail "unreachable: $(jget "$T/dead" "d['requests']")"
ok

# half the connections refused (a second URL nobody listens on): the engine reuses the
# memory of closed connections, and a request that never connected must carry no status
# from an earlier answer (history "status": null) nor count in replay.responses
NOONE=$(free_port)
zf 1 replay "$B" --target lb=http://127.0.0.1:$P --target lb=http://127.0.0.1:$NOONE --duration 3s --settle 0s -o "$T/half" -q
python3 - "$T/half" <<'EOF2' || fail "requests that never connected: status or responses wrong"
import collections, json, sys
d = json.load(open(sys.argv[1] + "/results.json"))
writes = [json.loads(l) for l in open(sys.argv[1] + "/history.jsonl")]
got = collections.Counter((h["cause"], h["status"]) for h in writes if h["type"] == "write")
bad = {k: n for k, n in got.items() if k not in (("ok", 200), ("connect_refused", None))}
refused = d["requests"]["failed_by_cause"]["connect_refused"]
print("history (cause, status): %s; responses %d, ok %d, refused %d"
      % (dict(got), d["replay"]["responses"], d["requests"]["ok"], refused), file=sys.stderr)
sys.exit(0 if not bad and got[("connect_refused", None)] > 0 and refused > 0
         and d["replay"]["responses"] == d["requests"]["ok"] else 1)
EOF2
ok

# --speed 4: 8 s of scenario time in 2 s of wall time, the same requests
start=$(date +%s%N)
zf 0 replay "$B" --target lb=http://127.0.0.1:$P --duration 8s --speed 4 --settle 0s -o "$T/fast" -q
wall=$((($(date +%s%N) - start) / 1000000))
[ "$wall" -lt 6000 ] || fail "--speed 4 took $wall ms for 8 s of scenario time"
[ "$(jget "$T/fast" "d['duration_s'], d['requests']['total'], d['metrics']['replay.speed']")" = "(2.0, $n8, 4.0)" ] ||
    fail "--speed 4: $(jget "$T/fast" "d['duration_s'], d['requests']['total'], d['metrics']['replay.speed']")"
ok

# a trace sends exactly what it holds (no retries: the devices are not simulated)
zf 0 replay "$B" --target lb=http://127.0.0.1:$P --trace "$T/basic.trace" --duration 3s --settle 0s -o "$T/trace" -q
[ "$(jget "$T/trace" "d['requests']['total'], 'devices.retries' in d['metrics']")" = "($n3, False)" ] ||
    fail "trace replay: $(jget "$T/trace" "d['requests']['total']")"
ok

# --max-rps is a hard ceiling below the plan's 150/s: requests wait (lag, counted from
# their intended instants) until their 2 s timeout, so the availability SLO fails (exit 1)
zf 1 replay "$B" --target lb=http://127.0.0.1:$P --duration 3s --max-rps 100 --no-verify -o "$T/ceil" -q
[ "$(jget "$T/ceil" "d['metrics']['replay.throttled'] > 0, d['metrics']['replay.lag_p99_ms'] > 500, d['requests']['failed_by_cause']['timeout'] > 0, d['metrics']['replay.achieved_rps'] <= 101")" = "(True, True, True, True)" ] ||
    fail "--max-rps: $(jget "$T/ceil" "d['metrics']")"
ok

# SIGTERM: what was measured so far, marked incomplete, exit 3
"$ZF" replay "$B" --target lb=http://127.0.0.1:$P --duration 20s -o "$T/term" -q >"$out" 2>"$err" &
zp=$!
sleep 2
kill -TERM "$zp"
rc=0
wait "$zp" || rc=$?
[ "$rc" -eq 3 ] || fail "SIGTERM: exit $rc, expected 3"
expect_err "zonefall replay: interrupted by SIGTERM; every fault healed; what was measured so far is in $T/term (status \"incomplete\")"
[ "$(jget "$T/term" "d['status'], d['replay']['reason'], 100 < d['requests']['total'] < 1000, d['data_loss']['verified']")" = \
  "('incomplete', 'interrupted by SIGTERM', True, False)" ] || fail "SIGTERM: $(jget "$T/term" "d['status'], d['requests']")"
ok

stop_started
printf 'replay_cli: %d passed\n' "$passed"
