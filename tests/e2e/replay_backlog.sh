#!/usr/bin/env bash
# e2e/replay_backlog.sh: the backlog drain of a replay, by the simulator's definition.
# tests/data/replay/storm.json takes half of its 200 simulated devices offline from 2 s to
# 5 s; they buffer and drain after reconnecting. Against zf_testserver: the replay's
# backlog_drain_s is what the definition gives on its own per-second devices.backlog series
# and the backlog at the fault's start, within a second of the simulator's figure, and its
# backlog_drain SLO is judged on it (met at 10 s, missed at 1 s through check --slo). Two
# shards merge into the drain of their summed series. A trace replay simulates no devices:
# its backlog_drain SLO is not met, as not measured.
set -eu

SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/e2e/replay_lib.sh"
replay_init "$@"
S=tests/data/replay/storm.json

# drain_check DIR: DIR's backlog_drain_s is the definition's on DIR's own figures; prints
# the drain (s)
drain_check() {
    python3 - "$1" <<'EOF' || fail "backlog drain of $1"
import csv, json, math, sys
d = json.load(open(sys.argv[1] + "/results.json"))
rows = list(csv.DictReader(open(sys.argv[1] + "/timeseries.csv")))
b = [round(float(r["devices.backlog"])) for r in rows]
f = d["faults"][0]
at = d["replay"]["backlog_at_fault_start"]["carrier"]
base = at + at // 10 + 10
e = int(max(f["recovered_s"], f["rto_from_s"]))
want = None
if max(b[int(f["start_s"]):], default=0) > base and e < len(b):
    want = next((i - e for i in range(e, len(b)) if b[i] <= base), math.inf)
got = d["backlog_drain_s"]
if d["replay"]["backlog_measured"] is not True or got != want or not 0 < got <= 5:
    sys.exit("FAIL: backlog_drain_s %r, the definition gives %r on backlog %s (at the start %d)"
             % (got, want, b, at))
slo = [s for s in d["slos"] if s["name"] == "drain"][0]
if (slo["measured"], slo["met"]) != (got, True):
    sys.exit("FAIL: the drain SLO: %r" % slo)
print(got)
EOF
}

testserver P
zf 0 replay "$S" --target lb=http://127.0.0.1:$P --settle 0s -o "$T/storm" -q
drain=$(drain_check "$T/storm")
ok
zf 0 run "$S" -o "$T/sim" -q
sim=$(jget "$T/sim" "d['backlog_drain_s']")
python3 -c "import sys; sys.exit(abs($drain - $sim) > 1)" ||
    fail "backlog drain: replay $drain s, simulator $sim s"
ok
zf 0 check "$T/storm"
expect_out_has "  PASS  drain                    <= 10s                 measured $(python3 -c "print('%.2f s' % $drain if $drain >= 1 else '%.1f ms' % ($drain * 1000))")"
echo '{"slos": [{"name": "drain", "type": "backlog_drain", "objective": "1s"}]}' >"$T/tight.json"
zf 1 check "$T/storm" --slo "$T/tight.json"

# two shards: each measures its own devices; the merge measures the sum again
for k in 1 2; do
    zf 0 replay "$S" --target lb=http://127.0.0.1:$P --settle 0s --shard $k/2 -o "$T/s$k" -q
done
zf 0 merge "$T/s1" "$T/s2" -o "$T/merged" -q
drain_check "$T/merged" >/dev/null
ok
[ "$(jget "$T/merged" "d['replay']['backlog_at_fault_start']['carrier']")" -eq \
  $(($(jget "$T/s1" "d['replay']['backlog_at_fault_start']['carrier']") + $(jget "$T/s2" "d['replay']['backlog_at_fault_start']['carrier']"))) ] ||
    fail "merged backlog at the fault's start: $(jget "$T/merged" "d['replay']")"
ok

# a trace: no simulated devices, so no backlog; the drain SLO cannot be met
zf 0 trace "$S" -o "$T/storm.trace" -q
zf 1 replay "$S" --target lb=http://127.0.0.1:$P --settle 0s --trace "$T/storm.trace" -o "$T/trace" -q
[ "$(jget "$T/trace" "d['replay']['backlog_measured'], d['backlog_drain_s'], [(s['met'], s['measured'], s['not_measured']) for s in d['slos']]")" = \
  "(False, None, [(False, None, 'the device backlog was not measured (a trace replay simulates no devices)')])" ] ||
    fail "trace: $(jget "$T/trace" "d['replay']['backlog_measured'], d['slos']")"
ok
zf 1 check "$T/trace"

stop_started
printf 'replay_backlog: %d passed\n' "$passed"
