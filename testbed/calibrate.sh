#!/bin/bash
# calibrate.sh: the calibration run of the test bed. Replays scenarios/testbed-calibrate.json
# (a low constant load, no fault) against a running bed and derives the simulator's
# service-time and database-latency figures from the replay's per-kind latencies:
#   health (no database)      -> the instance's service time (minus the simulator's own
#                                0.5 ms each way between zones, paid by 2 of 3 requests)
#   config (one read)  - health -> database.read
#   report (one write) - health -> database.commit (synchronous replication included)
# Prints them and writes DIR/calibration.json (figures, and a merge patch for
# scenarios/testbed.json). The other calibrated keys (health checks, failover phases,
# standby loss) come from the bed's configuration and measured timings: docs/fidelity.md.
#
# Usage: testbed/calibrate.sh [--up] [-o DIR] [--dir STATE] [--zonefall BIN]
#   --up       bring a bed up first (and down at the end); otherwise one must be up
#   -o DIR     results (default: results/testbed-calibrate)
#   --dir      the bed's state directory (default: $ZF_TESTBED_STATE or /tmp/zonefall-testbed)
#   --zonefall the zonefall binary (default: $ZONEFALL, else build/cli/zonefall)
# Needs root (the bed's addresses live in network namespaces) and python3. Sends traffic
# only to the bed's two load balancers (10.250.1.1:8080, 10.250.2.1:8080).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
zonefall=${ZONEFALL:-$root/build/cli/zonefall}
out=results/testbed-calibrate
state=${ZF_TESTBED_STATE:-/tmp/zonefall-testbed}
up=0
while [ $# -gt 0 ]; do
    case $1 in
    --up) up=1 ;;
    -o) out=${2:?-o needs a directory}; shift ;;
    --dir) state=${2:?--dir needs a directory}; shift ;;
    --zonefall) zonefall=${2:?--zonefall needs a path}; shift ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "calibrate.sh: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || { echo "calibrate.sh: needs root (the test bed)" >&2; exit 2; }
[ -x "$zonefall" ] || { echo "calibrate.sh: no zonefall at $zonefall (make build, or --zonefall)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "calibrate.sh: needs python3" >&2; exit 2; }
case $out in /*) ;; *) out=$PWD/$out ;; esac
export ZF_TESTBED_STATE=$state
cd "$root" # the scenario's paths (fault actions, verify command) are relative to the repository

if [ "$up" = 1 ]; then
    trap '"$zonefall" testbed down --dir "$state" >/dev/null 2>&1 || true' EXIT
    "$zonefall" testbed up --dir "$state"
fi
"$zonefall" testbed status --dir "$state" >/dev/null ||
    { echo "calibrate.sh: the test bed is not up and healthy ($zonefall testbed status --dir $state)" >&2; exit 1; }

mkdir -p "$out"
rc=0
"$zonefall" replay scenarios/testbed-calibrate.json --target edge=http://10.250.1.1:8080 \
    --target edge=http://10.250.2.1:8080 --max-conns 2048 --no-verify --no-progress -q \
    -o "$out/replay" || rc=$?
[ "$rc" -le 1 ] || { echo "calibrate.sh: the replay failed (exit $rc)" >&2; exit 1; }

python3 - "$out/replay/results.json" "$out/calibration.json" <<'EOF'
import datetime, json, math, sys

SUB = 128  # sim/engine/hist.c: 2^7 sub-buckets per power of two
CROSS_ZONE_MS = 2 / 3 * 1.0  # the model's 0.5 ms each way, node to an instance in another zone


def moments(h):
    """Mean and standard deviation (ms) of a results.json latency histogram."""
    n = sum(c for _, c in h["counts"])
    if n == 0:
        return 0.0, 0.0, 0
    mean = h["sum"] / n
    var = 0.0
    for i, c in h["counts"]:
        if i < SUB:
            mid = i + 0.5
        else:
            k = i - SUB
            width = 1 << (k // SUB)
            mid = (SUB + k % SUB) * width + width / 2
        var += c * (mid - mean) ** 2
    return mean / 1e6, math.sqrt(var / n) / 1e6, n


r = json.load(open(sys.argv[1]))
kinds = r["requests"]["by_kind"]
m = {}
for k in ("health", "config", "report"):
    mean, sd, n = moments(kinds[k]["latency_histogram"])
    if n < 100:
        sys.exit("calibrate.sh: only %d successful %s requests; cannot calibrate" % (n, k))
    m[k] = {"n": n, "mean_ms": round(mean, 3), "sd_ms": round(sd, 3),
            "p50_ms": round(kinds[k]["latency_ms"]["p50"], 3),
            "p99_ms": round(kinds[k]["latency_ms"]["p99"], 3)}


def diff(a, b, floor):
    mean = max(m[a]["mean_ms"] - m[b]["mean_ms"], floor)
    sd = math.sqrt(max(m[a]["sd_ms"] ** 2 - m[b]["sd_ms"] ** 2, (0.1 * mean) ** 2))
    return round(mean, 1), round(sd, 1)


svc = (round(max(m["health"]["mean_ms"] - CROSS_ZONE_MS, 0.1), 1), round(m["health"]["sd_ms"], 1))
read, commit = diff("config", "health", 0.1), diff("report", "health", 0.1)


def ln(mean_sd):
    return {"dist": "lognormal", "mean": "%gms" % mean_sd[0], "stddev": "%gms" % max(mean_sd[1], 0.1)}


patch = {"kinds": "give each of report, config and health \"service\": %s" % json.dumps(ln(svc)),
         "database": {"read": ln(read), "commit": ln(commit), "replication_rtt": "0s"}}
doc = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
       "replay": sys.argv[1], "availability": r["availability"],
       "lag_p99_ms": r["metrics"].get("replay.lag_p99_ms"),
       "measured": m, "service_ms": svc, "read_ms": read, "commit_ms": commit, "patch": patch}
with open(sys.argv[2] + ".tmp", "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
import os
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
print("calibration run: %s (availability %.4f, scheduling lag p99 %.2f ms)"
      % (doc["date"], r["availability"], doc["lag_p99_ms"] or 0))
print("%-8s %7s %9s %9s %9s %9s" % ("kind", "n", "mean ms", "sd ms", "p50 ms", "p99 ms"))
for k, v in m.items():
    print("%-8s %7d %9.3f %9.3f %9.3f %9.3f" % (k, v["n"], v["mean_ms"], v["sd_ms"], v["p50_ms"], v["p99_ms"]))
print("derived (lognormal, mean / stddev):")
print("  service (every kind)   %.1f / %.1f ms  (health - %.2f ms between zones)" % (svc + (CROSS_ZONE_MS,)))
print("  database.read          %.1f / %.1f ms  (config - health)" % read)
print("  database.commit        %.1f / %.1f ms  (report - health; sync replication included,"
      " so replication_rtt 0)" % commit)
print("written: %s" % sys.argv[2])
EOF
