#!/bin/sh
# demo: the zone-failure question of a capacity planner, answered twice with one seed:
# the legacy single-instance design and the multi-zone design lose zone a for 30 minutes
# at the morning peak. Prints both side by side and writes a comparison report.
# Usage: scripts/demo.sh ZONEFALL_BINARY OUTDIR
set -eu
ZF=${1:?usage: demo.sh ZONEFALL OUTDIR}
OUT=${2:?usage: demo.sh ZONEFALL OUTDIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)
SEED=${ZF_DEMO_SEED:-1}

run() { # name scenario
    printf 'simulating %-10s %s ...\n' "$1" "$2"
    rc=0
    "$ZF" run "$SRC/scenarios/$2" --seed "$SEED" -o "$OUT/$1" -q >/dev/null || rc=$?
    # 0 and 1 are verdicts (a design may well miss its SLOs); anything else is an error
    [ "$rc" -le 1 ] || { echo "demo: zonefall run failed (exit $rc)" >&2; exit "$rc"; }
}

run legacy az-outage-at-peak-legacy.json
run multi-az az-outage-at-peak.json

python3 - "$OUT/legacy/results.json" "$OUT/multi-az/results.json" <<'PY'
import json, math, sys
legacy, multi = (json.load(open(p)) for p in sys.argv[1:3])

def rto(r):
    v = [f["rto_s"] for f in r["faults"]]
    if not v:
        return "-"
    return "not recovered" if any(x is None for x in v) else "%.0f s" % max(v)

def slo_line(r):
    met = sum(1 for s in r["slos"] if s["met"])
    return "%s (%d of %d SLOs met)" % (r["verdict"].upper(), met, len(r["slos"]))

rows = [
    ("availability", lambda r: "%.3f %%" % (100 * r["availability"])),
    ("failed requests", lambda r: "{:,}".format(r["requests"]["failed"])),
    ("p99 latency", lambda r: "%.0f ms" % r["latency_ms"]["p99"]),
    ("p99 latency, reports", lambda r: "%.0f ms" % r["requests"]["by_kind"]["report"]["latency_ms"]["p99"]),
    ("RTO (zone a lost)", rto),
    ("lost acknowledged writes", lambda r: "%d of %s" % (r["data_loss"]["lost_writes"], "{:,}".format(r["data_loss"]["acknowledged_writes"]))),
    ("device backlog drained in", lambda r: "-" if r["backlog_drain_s"] is None else "%.0f s" % r["backlog_drain_s"]),
    ("instance-hours", lambda r: "%.1f" % r["metrics"].get("cost.instance_hours", 0)),
    ("verdict", slo_line),
]
print()
print("Zone a lost for 30 minutes at 07:40, seed %d, %s of simulated time" % (multi["seed"], "%.0f h" % (multi["duration_s"] / 3600)))
print("%-28s %-28s %-28s" % ("", "legacy (1 instance, 1 zone)", "multi-zone (3 zones, ASGs)"))
for name, f in rows:
    print("%-28s %-28s %-28s" % (name, f(legacy), f(multi)))
PY

"$ZF" report "$OUT/multi-az" --compare "$OUT/legacy" -o "$OUT/report" -q
echo
echo "results: $OUT/legacy/results.json and $OUT/multi-az/results.json"
echo "report:  $OUT/report/report.html"
