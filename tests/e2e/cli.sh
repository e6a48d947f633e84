#!/usr/bin/env bash
# e2e/cli.sh: end-to-end test of the zonefall command. Runs the real binary ($1) on the
# shipped scenarios and on tests/data fixtures and checks the contracts of DESIGN.md:
# exit codes (0 pass, 1 SLO missed, 2 bad input/usage, 3 run failed), exact stderr lines,
# results.json keys, one timeseries row per simulated second, determinism per seed,
# `check` re-evaluation, and no results files at all after bad input or an interrupt.
set -eu

ZF=${1:?usage: cli.sh PATH/TO/zonefall}
case $ZF in /*) ;; *) ZF=$PWD/$ZF ;; esac
SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${ZF_BUILD_ROOT:-${TMPDIR:-/tmp}}/e2e-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
. "$SRC/tests/e2e/lib.sh"
cd "$SRC" # fixture paths in messages are relative: tests/data/bad/NAME.json

MM1=scenarios/validation/mm1.json

# runs that write results (kept as a name: they used to need leak checks off)
zfr() { zf "$@"; }
ERLANG=tests/data/good/erlang_b_fails.json

# ---- help and usage ----------------------------------------------------------------

zf 0 --help
expect_out_line1 "Usage: zonefall COMMAND [options]"
expect_err_empty
zf 0 --version
expect_out "zonefall 0.1.0"
zf 2
expect_out_empty
grep -qxF "Usage: zonefall COMMAND [options]" "$err" || fail "zonefall: no usage on stderr"
ok
zf 0 run --help
expect_out_line1 "Usage: zonefall run SCENARIO [options]"
expect_err_empty
zf 0 validate --help
expect_out_line1 "Usage: zonefall validate SCENARIO..."
expect_err_empty
zf 0 check --help
expect_out_line1 "Usage: zonefall check DIR [--slo FILE]"
expect_err_empty
for cmd in run validate check; do
    zf 0 "$cmd" -h
    grep -q -- "--help" "$out" || fail "zonefall $cmd -h: the usage does not list --help"
    ok
done

zf 2 frobnicate
expect_err "zonefall: unknown command \"frobnicate\"
Try 'zonefall --help'."
zf 2 run --bogus "$MM1"
expect_err "zonefall run: unknown option --bogus
Try 'zonefall run --help'."
expect_out_empty
zf 2 run -x "$MM1"
expect_err "zonefall run: unknown option -x
Try 'zonefall run --help'."
zf 2 validate --bogus "$MM1"
expect_err "zonefall validate: unknown option --bogus
Try 'zonefall validate --help'."
zf 2 check --bogus "$T"
expect_err "zonefall check: unknown option --bogus
Try 'zonefall check --help'."

short_flag_in_a_cluster_is_named() {
    zf 2 run -qx "$MM1"
    expect_err "zonefall run: unknown option -x
Try 'zonefall run --help'."
    zf 2 run -xq "$MM1"
    expect_err "zonefall run: unknown option -x
Try 'zonefall run --help'."
}
short_flag_in_a_cluster_is_named

zf 2 run
expect_err "zonefall run: missing SCENARIO file
Try 'zonefall run --help'."
zf 2 validate
expect_err "zonefall validate: missing SCENARIO file
Try 'zonefall validate --help'."
zf 2 check
expect_err "zonefall check: missing results DIR
Try 'zonefall check --help'."
zf 2 run "$MM1" extra.json
expect_err "zonefall run: unexpected argument \"extra.json\"
Try 'zonefall run --help'."
zf 2 run "$MM1" --seed
expect_err "zonefall run: option --seed needs a value
Try 'zonefall run --help'."

# Bad option values: exit 2, exact message, and no results directory.
zf 2 run "$MM1" --seed abc -o "$T/seed-abc"
expect_err "zonefall run: --seed: expected a non-negative integer, got \"abc\"
Try 'zonefall run --help'."
expect_no_dir "$T/seed-abc"
zf 2 run "$MM1" --seed -1 -o "$T/seed-neg"
expect_err "zonefall run: --seed: expected a non-negative integer, got \"-1\"
Try 'zonefall run --help'."
zf 2 run "$MM1" --replications 0 -o "$T/reps-0"
expect_err "zonefall run: --replications: expected an integer from 1 to 100000, got \"0\"
Try 'zonefall run --help'."
expect_no_dir "$T/reps-0"
zf 2 run "$MM1" --until -5s -o "$T/until-neg"
expect_err "zonefall run: --until: expected a duration > 0 such as 90s, 30m or 2h, got \"-5s\"
Try 'zonefall run --help'."
expect_no_dir "$T/until-neg"
zf 2 run "$MM1" --until 0s -o "$T/until-0"
expect_err "zonefall run: --until: expected a duration > 0 such as 90s, 30m or 2h, got \"0s\"
Try 'zonefall run --help'."
# mm1.json has a 10 min warm-up: a 10 min run would measure nothing.
zf 2 run "$MM1" --replications 2 --until 10m -o "$T/until-warmup"
expect_err "zonefall run: --until must be longer than the scenario's warm-up
Try 'zonefall run --help'."
expect_no_dir "$T/until-warmup"

# ---- bad scenarios: exit 2, one exact line, no files --------------------------------

DUR='expected a non-negative duration like "250ms", "30s", "1h30m" (units ns, us, ms, s, m or min, h, d) or a number of seconds'
# The top-level key list grows with the language (kinds, workload, zones, ...): messages
# that list it are matched up to "slos" and the rest must be more ", key" items.
TOP='name, description, seed, duration, warmup, replications, confidence, sources, stations, slos'

# The message (after "FILE: ") each bad fixture must give. Every fixture needs one.
bad_msg() {
    case $1 in
    availability_percent) echo '$.slos[0].objective: expected a number in [0, 1], got 99.9' ;;
    bad_duration) echo "\$.duration: $DUR, got the string \"5 parsecs\"" ;;
    duplicate_key) echo ":3:8: JSON syntax error: duplicate object key near '\"name\"'" ;;
    duplicate_slo) echo '$.slos[1]: duplicate SLO name "a" (also at $.slos[0])' ;;
    duplicate_station) echo '$.stations[1]: duplicate station name "server"' ;;
    empirical_weights_length) echo '$.stations[0].service.weights: expected 2 weights (one per value), got 3' ;;
    empty) echo ":1:0: JSON syntax error: '[' or '{' expected near end of file" ;;
    latency_without_quantile) echo '$.slos[0].quantile: missing required key' ;;
    missing_duration) echo '$.duration: missing required key' ;;
    negative_mean) echo "\$.stations[0].service.mean: $DUR, got the number -0.1" ;;
    negative_rate) echo '$.sources[0].rate_per_s: expected a rate > 0, got -8' ;;
    rate_is_a_string) echo '$.sources[0].rate_per_s: expected a number, got the string "x"' ;;
    routes_to_itself) echo '$.stations[0].next: a station cannot route to itself' ;;
    slo_file_unknown_key) echo "\$.slo: unknown key; expected one of: $TOP" ;;
    stddev_on_exponential) echo '$.stations[0].service.stddev: not a parameter of the exponential distribution (it takes mean)' ;;
    syntax_missing_comma) echo ":3:12: JSON syntax error: '}' expected near '\"duration\"'" ;;
    unknown_dist) echo '$.stations[0].service.dist: unknown distribution "poisson"; expected one of: deterministic, exponential, uniform, normal, lognormal, gamma, weibull, pareto, empirical' ;;
    unknown_station_key) echo '$.stations[0].servrs: unknown key; expected one of: name, servers, queue_limit, service, next' ;;
    unknown_target) echo '$.sources[0].target: no station named "db" in $.stations' ;;
    unknown_top_key) echo "\$.durration: unknown key; expected one of: $TOP" ;;
    warmup_not_shorter) echo '$.warmup: expected less than $.duration (1h), got 1h' ;;
    zero_mean) echo '$.stations[0].service: mean must be a finite number > 0, got 0' ;;
    zero_rate) echo '$.sources[0].rate_per_s: expected a rate > 0, got 0' ;;
    *) return 1 ;;
    esac
}

nbad=0
for f in tests/data/bad/*.json; do
    name=$(basename "$f" .json)
    msg=$(bad_msg "$name") || fail "$f: no expected message in bad_msg() of tests/e2e/cli.sh"
    case $msg in :*) line="$f$msg" ;; *) line="$f: $msg" ;; esac
    mkdir "$T/bad-$name" # an existing, empty results directory must stay empty
    zf 2 run "$f" -o "$T/bad-$name"
    case $msg in
    *"$TOP") expect_err_list "zonefall run: error: $line" ;;
    *) expect_err "zonefall run: error: $line" ;;
    esac
    expect_out_empty
    expect_files "$T/bad-$name"
    zf 2 run "$f" -o "$T/bad-new-$name"
    expect_no_dir "$T/bad-new-$name"
    zf 2 validate "$f"
    case $msg in
    *"$TOP") expect_err_list "zonefall validate: error: $line" ;;
    *) expect_err "zonefall validate: error: $line" ;;
    esac
    nbad=$((nbad + 1))
done
[ "$nbad" -ge 20 ] || fail "expected at least 20 bad fixtures in tests/data/bad, found $nbad"
ok

zf 2 run tests/data/bad/missing-file.json -o "$T/bad-missing"
expect_err "zonefall run: error: tests/data/bad/missing-file.json: cannot open: No such file or directory"
expect_no_dir "$T/bad-missing"
zf 2 validate tests/data/good/minimal.json tests/data/bad/zero_rate.json
expect_err "zonefall validate: error: tests/data/bad/zero_rate.json: \$.sources[0].rate_per_s: expected a rate > 0, got 0"

# ---- validate ----------------------------------------------------------------------

for f in scenarios/validation/*.json; do
    zf 0 validate "$f"
    expect_err_empty
    grep -q "^$f: valid: scenario \"" "$out" || fail "$last: no \"$f: valid: scenario\" line"
    ok
done
zf 0 validate "$MM1"
expect_out "$MM1: valid: scenario \"mm1-rho0.8\", 1 source, 1 station, 2 SLOs, 10 replications of 7200 s"
zf 0 validate -q scenarios/validation/*.json
expect_out_empty
zf 0 validate tests/data/good/minimal.json "$ERLANG"
expect_out "tests/data/good/minimal.json: valid: scenario \"minimal\", 1 source, 1 station, 0 SLOs, 1 replication of 3600 s
$ERLANG: valid: scenario \"erlang-b-fails\", 1 source, 1 station, 1 SLO, 2 replications of 600 s"

# ---- run: results files --------------------------------------------------------------

A=$T/mm1-a
zfr 0 run "$MM1" --replications 2 --until 15m -o "$A"
expect_err_empty # progress only on a terminal
expect_out_has "verdict: pass   results: $A/results.json"
expect_files "$A" results.json timeseries.csv

pycheck "results.json of $A breaks the contract of DESIGN.md" "$A" 900 2 600 <<'EOF'
import json, sys
d, until, reps, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = json.load(open(d + "/results.json"))
n = 0
def check(cond, what):
    global n
    if not cond:
        sys.exit("results.json: " + what)
    n += 1
def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)
for k in ["mode", "scenario", "seed", "duration_s", "requests", "availability", "latency_ms",
          "faults", "data_loss", "slos", "verdict"]:
    check(k in r, "missing key " + k)
check(r["mode"] == "sim", "mode is %r, expected \"sim\"" % r["mode"])
check(r["scenario"] == "mm1-rho0.8", "scenario is %r" % r["scenario"])
check(r["seed"] == 1 and isinstance(r["seed"], int), "seed is %r, expected 1" % r["seed"])
check(r["duration_s"] == until, "duration_s is %r, expected %d" % (r["duration_s"], until))
check(r.get("replications") == reps, "replications is %r" % r.get("replications"))
check(r.get("warmup_s") == warmup, "warmup_s is %r" % r.get("warmup_s"))
q = r["requests"]
for k in ["total", "ok", "failed", "by_kind", "generated", "in_flight"]:
    check(k in q, "missing key requests." + k)
for k in ["total", "ok", "failed", "generated", "in_flight"]:
    check(isinstance(q[k], int) and q[k] >= 0, "requests.%s is %r" % (k, q[k]))
check(q["total"] == q["ok"] + q["failed"], "requests.total != ok + failed")
check(q["generated"] == q["ok"] + q["failed"] + q["in_flight"],
      "conservation: generated %d != ok %d + failed %d + in_flight %d"
      % (q["generated"], q["ok"], q["failed"], q["in_flight"]))
# 8 arrivals/s over 2 x 300 measured seconds: 4800 expected, Poisson sd ~ 69
check(4400 < q["generated"] < 5200, "requests.generated %d far from 4800" % q["generated"])
check(isinstance(q["by_kind"], dict) and "arrivals" in q["by_kind"], "requests.by_kind lacks the source")
bk = q["by_kind"]["arrivals"]
check(bk["total"] == q["total"] and bk["ok"] == q["ok"] and bk["failed"] == q["failed"],
      "requests.by_kind.arrivals does not add up to requests")
check(q["failed"] == 0, "an unlimited M/M/1 queue failed %d requests" % q["failed"])
check(r["availability"] == 1.0, "availability %r, expected 1 (nothing failed)" % r["availability"])
lat = r["latency_ms"]
for k in ["p50", "p90", "p99", "p999", "max"]:
    check(num(lat.get(k)) and lat[k] > 0, "latency_ms.%s is %r" % (k, lat.get(k)))
check(lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["max"],
      "latency_ms percentiles are not ordered: %r" % lat)
check(isinstance(r["faults"], list) and r["faults"] == [], "faults is %r, expected []" % r["faults"])
dl = r["data_loss"]
for k in ["acknowledged_writes", "lost_writes", "rpo_s"]:
    check(k in dl, "missing key data_loss." + k)
check(dl["lost_writes"] == 0 and dl["acknowledged_writes"] == 0, "data_loss %r" % dl)
check(isinstance(r["slos"], list) and len(r["slos"]) == 2, "slos is %r" % r["slos"])
for s in r["slos"]:
    for k in ["name", "objective", "measured", "met"]:
        check(k in s, "missing key slos[].%s in %r" % (k, s))
    check(isinstance(s["met"], bool), "slos[].met is not a boolean")
check([s["name"] for s in r["slos"]] == ["availability", "p99-latency"], "slo names %r" % r["slos"])
check(r["slos"][0]["objective"] == 0.999 and r["slos"][1]["objective"] == 3, "slo objectives")
check(abs(r["slos"][1]["measured"] - lat["p99"] / 1000) < 1e-9, "p99-latency measured %r != latency_ms.p99 / 1000 %r"
      % (r["slos"][1]["measured"], lat["p99"] / 1000))
check(all(s["met"] for s in r["slos"]), "an SLO of mm1 was missed: %r" % r["slos"])
check(r["verdict"] == "pass", "verdict %r, expected pass" % r["verdict"])
print(n)
EOF

# one row per simulated second: t_s = 0 .. until-1, every row as wide as the header
pycheck "timeseries.csv of $A has not one row per simulated second" "$A/timeseries.csv" 900 <<'EOF'
import csv, sys
f, secs = sys.argv[1], int(sys.argv[2])
rows = list(csv.reader(open(f, newline="")))
n = 0
def check(cond, what):
    global n
    if not cond:
        sys.exit("timeseries.csv: " + what)
    n += 1
h = rows[0]
for k in ["t_s", "arrivals", "ok", "failed", "in_flight"]:
    check(k in h, "header lacks column " + k)
check(h[0] == "t_s", "first column is %r, expected t_s" % h[0])
check(len(rows) == secs + 1, "%d data rows, expected %d" % (len(rows) - 1, secs))
check([r[0] for r in rows[1:]] == [str(i) for i in range(secs)], "t_s is not 0, 1, ..., %d" % (secs - 1))
check(all(len(r) == len(h) for r in rows), "a row is not as wide as the header")
print(n)
EOF

# Same seed: byte-identical files; another seed: other results.
B=$T/mm1-b
zfr 0 run "$MM1" --replications 2 --until 15m -o "$B"
expect_same "$A/results.json" "$B/results.json"
expect_same "$A/timeseries.csv" "$B/timeseries.csv"
C=$T/mm1-seed2
zfr 0 run "$MM1" --replications 2 --until 15m --seed 2 -o "$C"
expect_differ "$A/results.json" "$C/results.json"
expect_differ "$A/timeseries.csv" "$C/timeseries.csv"
pycheck "--seed 2 is not recorded in results.json" "$C/results.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
if r["seed"] != 2:
    sys.exit("seed is %r, expected 2" % r["seed"])
print(1)
EOF

# A run into a directory that already holds results replaces them whole.
zfr 0 run "$MM1" --replications 2 --until 15m -o "$C" -q
expect_out "verdict: pass   results: $C/results.json"
expect_same "$A/results.json" "$C/results.json"
expect_files "$C" results.json timeseries.csv

# Without -o the results go to results/<scenario name> under the working directory.
mkdir "$T/cwd"
last="zonefall run $SRC/$MM1 --until 11m (in $T/cwd)"
rc=0
(cd "$T/cwd" &&
    "$ZF" run "$SRC/$MM1" --until 11m -q >"$out" 2>"$err") || rc=$?
[ "$rc" -eq 0 ] || fail "$last: exit status $rc, expected 0"
ok
expect_out "verdict: pass   results: results/mm1-rho0.8/results.json"
expect_files "$T/cwd/results/mm1-rho0.8" results.json timeseries.csv

# ---- SLO missed: exit 1; check re-evaluates ---------------------------------------------

E=$T/erlang
zfr 1 run "$ERLANG" -o "$E"
expect_err_empty
expect_out_has "verdict: fail   results: $E/results.json"
expect_files "$E" results.json timeseries.csv
pycheck "the Erlang B run does not miss its availability SLO as it must" "$E" <<'EOF'
import csv, json, sys
d = sys.argv[1]
r = json.load(open(d + "/results.json"))
n = 0
def check(cond, what):
    global n
    if not cond:
        sys.exit(what)
    n += 1
a = r["availability"]
# Erlang B: B(10, 8) = 0.12166, availability 0.878; 2 x 9 min at 80/s
check(0.86 < a < 0.895, "availability %r, expected about 0.878 (Erlang B)" % a)
s = r["slos"][0]
check(s["name"] == "availability" and s["objective"] == 0.9, "slo %r" % s)
check(s["measured"] == a and s["met"] is False, "slo %r: must be missed with measured = %r" % (s, a))
check(r["verdict"] == "fail", "verdict %r, expected fail" % r["verdict"])
q = r["requests"]
check(q["generated"] == q["ok"] + q["failed"] + q["in_flight"], "conservation broken: %r" % q)
check(q.get("failed_by_cause", {}).get("queue_full") == q["failed"],
      "blocked calls are not all failed_by_cause.queue_full: %r" % q.get("failed_by_cause"))
rows = list(csv.DictReader(open(d + "/timeseries.csv", newline="")))
check(len(rows) == 600, "%d rows for a 10 min run, expected 600" % len(rows))
print(n)
EOF

cp "$E/results.json" "$T/erlang-results.json"
zf 1 check "$E"
expect_err_empty
expect_out_has "verdict: fail"
expect_same "$E/results.json" "$T/erlang-results.json" # check never rewrites results
zf 1 check -q "$E"
expect_out "verdict: fail"
zf 0 check "$E" --slo tests/data/good/slo_loose.json
expect_out_has "verdict: pass"
expect_err_empty
zf 1 check "$E" --slo tests/data/good/slo_tight.json
expect_out_has "verdict: fail"
zf 0 check -q "$A"
expect_out "verdict: pass"
expect_same "$E/results.json" "$T/erlang-results.json"

# A backlog that never drains: the run misses its backlog_drain SLO, and check, reading
# results.json back (JSON has no infinity: null plus backlog_never_drained), misses it too.
zf 1 run tests/data/good/backlog_never_drained.json -q -o "$T/never-drained"
python3 - "$T/never-drained/results.json" <<'EOF2' || fail "backlog_never_drained in results.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["backlog_drain_s"] is None and r["backlog_never_drained"] is True, r
EOF2
ok
zf 1 check "$T/never-drained"
expect_out_has "verdict: fail"

zf 2 check "$T/nope"
expect_err "zonefall check: error: $T/nope/results.json: cannot open: No such file or directory"
expect_out_empty
zf 2 check "$E" --slo tests/data/bad/slo_file_unknown_key.json
expect_err "zonefall check: error: tests/data/bad/slo_file_unknown_key.json: \$.slo: unknown key; expected one of: slos"
zf 2 check "$E" --slo "$T/no-slo.json"
expect_err "zonefall check: error: $T/no-slo.json: cannot open: No such file or directory"
zf 2 check "$E" --slo
expect_err "zonefall check: option --slo needs a value
Try 'zonefall check --help'."

# ---- the run itself fails: exit 3 ------------------------------------------------------

: >"$T/plain"
zf 3 run "$MM1" --until 11m -o "$T/plain/out"
expect_err "zonefall run: error: $T/plain/out: cannot create directory: Not a directory"
expect_out_empty
zf 3 run "$MM1" --until 11m -o "$T/plain"
expect_err "zonefall run: error: $T/plain: not a directory"

# Interrupted: exit 3 and neither results.json nor timeseries.csv nor temp files.
I=$T/interrupted
last="zonefall run $MM1 --until 2000h -o $I, then SIGINT"
"$ZF" run "$MM1" --until 2000h -o "$I" >"$out" 2>"$err" &
pid=$!
for _ in $(seq 400); do
    [ -e "$I/.timeseries.csv.tmp" ] && break
    sleep 0.05
done
[ -e "$I/.timeseries.csv.tmp" ] || { kill -KILL "$pid" 2>/dev/null || true; fail "$last: the run never started"; }
kill -INT "$pid"
for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    fail "$last: still running 30 s after SIGINT"
fi
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 3 ] || fail "$last: exit status $rc, expected 3"
ok
expect_err "zonefall run: error: interrupted; no results written"
expect_files "$I"

printf '%d passed, 0 failed\n' "$passed"
