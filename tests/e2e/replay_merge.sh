#!/usr/bin/env bash
# e2e/replay_merge.sh: `zonefall replay --shard K/N` and `zonefall merge`. Three shards of
# a replay against zf_testserver (no failures, so no retries) merge into exactly the
# unsharded run's counts: requests per kind, acknowledged and verified writes, arrivals
# per second; histograms merge bucket by bucket; check and report read the merged
# directory. Merging shards of different runs, a shard twice or a missing shard is exit 2
# with the message naming the directories.
set -eu

SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/e2e/replay_lib.sh"
replay_init "$@"

B=tests/data/replay/basic.json
testserver P
run=(replay "$B" --target lb=http://127.0.0.1:$P --duration 6s --settle 0s --threads 1 -q)
zf 0 "${run[@]}" -o "$T/all"
pids=""
for k in 1 2 3; do
    "$ZF" "${run[@]}" --shard $k/3 -o "$T/s$k" >"$T/s$k.out" 2>"$T/s$k.err" &
    pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "a shard failed: $(cat "$T"/s*.err)"; done
ok

zf 0 merge "$T/s1" "$T/s2" "$T/s3" -o "$T/merged"
expect_out_line1 "replay replay-basic: seed 1, 1 replication of 6 s (warm-up 0 s)"
expect_files "$T/merged" results.json timeseries.csv
pycheck "three merged shards equal the unsharded replay" "$T" <<'EOF'
import json, sys
t = sys.argv[1]
load = lambda d: json.load(open("%s/%s/results.json" % (t, d)))
a, m, s = load("all"), load("merged"), [load("s%d" % k) for k in (1, 2, 3)]
n = 0
def want(cond, msg):
    global n
    if not cond:
        sys.exit("FAIL: " + msg)
    n += 1
r = lambda d: d["requests"]
for k in ("generated", "total", "ok", "failed"):
    want(r(m)[k] == r(a)[k] == sum(r(x)[k] for x in s), "requests.%s: merged %d, unsharded %d" % (k, r(m)[k], r(a)[k]))
for kind, v in r(a)["by_kind"].items():
    want(r(m)["by_kind"][kind]["total"] == v["total"], "by_kind.%s" % kind)
    want(all(x["requests"]["by_kind"][kind]["total"] < v["total"] for x in s), "every shard has part of %s" % kind)
dl = lambda d: d["data_loss"]
for k in ("acknowledged_writes", "lost_writes", "writes"):
    want(dl(m)[k] == dl(a)[k], "data_loss.%s: merged %d, unsharded %d" % (k, dl(m)[k], dl(a)[k]))
want(dl(m)["verification"]["found"] == dl(a)["verification"]["found"] == dl(a)["writes"], "every write read back and found")
want(dl(m)["by_kind"]["report"]["acknowledged"] == dl(a)["by_kind"]["report"]["acknowledged"], "writes by kind")
want(dl(m)["verified"] is True, "every shard verified")
def counts(h):
    return {i: c for i, c in h["counts"]}
def added(hs):
    out = {}
    for h in hs:
        for i, c in counts(h).items():
            out[i] = out.get(i, 0) + c
    return out
want(counts(m["latency_histogram"]) == added([x["latency_histogram"] for x in s]), "latency histogram merged bucket by bucket")
want(m["latency_histogram"]["max"] == max(x["latency_histogram"]["max"] for x in s), "exact maximum")
eng = lambda d: d["replay"]["engine"]
want(counts(eng(m)["lag_histogram"]) == added([eng(x)["lag_histogram"] for x in s]), "lag histogram merged")
want(eng(m)["sent"] == sum(eng(x)["sent"] for x in s), "engine counters summed")
want(m["replay"]["shard"] == {"merged": 3, "n": 3}, "merged shard marker")
def arrivals(d):
    rows = [l.split(",") for l in open("%s/%s/timeseries.csv" % (t, d))][1:]
    return sum(int(float(x[1])) for x in rows), len(rows)
want(arrivals("merged")[0] == r(a)["generated"], "arrivals per second sum to the requests")
want(arrivals("merged")[1] == max(arrivals("s%d" % k)[1] for k in (1, 2, 3)), "one row per second")
print(n)
EOF
zf 0 check "$T/merged"
zf 0 report "$T/merged"

# ---- a shard whose fault command failed: the merged verdict does not hold (exit 3) -----

python3 - "$T" <<'EOF' || fail "could not write the shards with fault records"
import json, shutil, sys
t = sys.argv[1]
def fault(status):
    return {"name": "cut", "kind": "zone_outage", "target": "a", "start_s": 1.0, "end_s": 2.0,
            "detected_s": None, "recovered_s": 1.0, "rto_s": 0.0, "rto_from_s": 1.0,
            "actions": [{"phase": "inject", "argv": ["true"], "shell": False,
                         "stdout": "actions/cut.inject.out", "stderr": "actions/cut.inject.err",
                         "timed_out": False, "started_s": 1.0, "ended_s": 1.1,
                         "exit_status": status, "signal": None, "outcome": "exit %d" % status}]}
for k in (1, 2, 3):
    shutil.copytree("%s/s%d" % (t, k), "%s/f%d" % (t, k))
    p = "%s/f%d/results.json" % (t, k)
    r = json.load(open(p))
    r["faults"] = [fault(1 if k == 2 else 0)]
    json.dump(r, open(p, "w"))
EOF
ok
zf 3 merge "$T/f1" "$T/f2" "$T/f3" -o "$T/fmerged" -q
expect_err "zonefall merge: error: fault cut: the inject command failed (exit 1; see $T/f2/actions/cut.inject.err): the fault may not have been injected, so the run did not test it
zonefall merge: 1 fault command failed in the shards, so the verdict (pass) does not hold; results in $T/fmerged"
expect_files "$T/fmerged" results.json timeseries.csv

# ---- shards that do not belong together ----------------------------------------------

zf 2 merge "$T/s1" "$T/s2" -o "$T/bad"
expect_err "zonefall merge: error: missing shard 3/3 (give every shard's directory)"
zf 2 merge "$T/s1" "$T/s2" "$T/s2" -o "$T/bad"
expect_err "zonefall merge: error: shard 2/3 given twice ($T/s2 and $T/s2)"
zf 2 merge "$T/s1" "$T/all" -o "$T/bad"
expect_err "zonefall merge: error: $T/all/results.json: shard 1/1, but $T/s1 is shard 1/3"
"$ZF" "${run[@]}" --duration 2s --shard 2/3 --seed 9 -o "$T/other" >/dev/null 2>&1 || true
zf 2 merge "$T/s1" "$T/other" "$T/s3" -o "$T/bad"
expect_err "zonefall merge: error: $T/other/results.json: another run: its seed differs from $T/s1's"
zf 0 run tests/data/good/minimal.json -o "$T/sim" -q
zf 2 merge "$T/sim" -o "$T/bad"
expect_err "zonefall merge: error: $T/sim/results.json: results of mode \"sim\"; merge combines the shards of a replay"
zf 2 merge "$T/s1"
expect_err "zonefall merge: missing -o OUT
Try 'zonefall merge --help'."
expect_no_dir "$T/bad"

stop_started
printf 'replay_merge: %d passed\n' "$passed"
