#!/usr/bin/env bash
# e2e/replay_stall.sh: the stall test through the whole replay path. A scenario sends
# 1,000 requests a second for 10 s over at most 16 keep-alive connections; its fault's
# inject action freezes zf_testserver for 1 s at 4 s. About a tenth of the requests are due
# during the freeze: measured from their intended instants (wrk2's definition, no
# coordinated omission) the p99 shows the second, while the service time from the actual
# send (what a closed-loop client reports) hides it; the lag says where the time went.
set -eu

SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/e2e/replay_lib.sh"
replay_init "$@"

testserver P
scenario stall "$T/stall.json" PORT="$P"
zf 0 replay "$T/stall.json" --target lb=http://127.0.0.1:$P --max-conns 16 -o "$T/out" -q
pycheck "the stall as a constant-rate client suffers it" "$T/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1] + "/results.json"))
m, lat = d["metrics"], d["latency_ms"]
n = 0
def want(cond, msg):
    global n
    if not cond:
        sys.exit("FAIL: %s\nlatency_ms %s\nmetrics %s" % (msg, lat, m))
    n += 1
want(d["requests"]["ok"] == d["requests"]["total"] > 9000, "every request answered")
want(d["faults"][0]["actions"][0]["exit_status"] == 0, "the freeze action ran")
want(500 <= lat["p99"] <= 1100, "p99 from the intended instant shows the 1 s freeze")
want(lat["p50"] < 50, "the median is unaffected")
want(900 <= lat["max"] <= 1300, "the worst request waited about the freeze")
want(m["replay.service_p99_ms"] < 100, "the service time from the actual send hides the freeze")
want(m["replay.lag_p99_ms"] > 300, "the lag (waiting for a connection) is reported")
want(m["replay.dispatch_lag_p99_ms"] < 50, "the generator itself kept up")
rows = [l.split(",") for l in open(sys.argv[1] + "/timeseries.csv")][1:]
slow = [int(r[0]) for r in rows if float(r[6]) > 500]
want(slow and min(slow) >= 3 and max(slow) <= 6, "the slow seconds are those of the freeze: %s" % slow)
print(n)
EOF

stop_started
printf 'replay_stall: %d passed\n' "$passed"
