#!/usr/bin/env bash
# e2e/trace.sh: end-to-end test of `zonefall trace` ($1 is the binary): --help, exit codes
# and exact messages for bad usage, a CSV and a binary trace of the fleet-small fixture
# with the exact request count, determinism per seed, --until, and no file left behind
# when the output cannot be written.
set -eu

ZF=${1:?usage: trace.sh PATH/TO/zonefall}
case $ZF in /*) ;; *) ZF=$PWD/$ZF ;; esac
SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${ZF_BUILD_ROOT:-${TMPDIR:-/tmp}}/e2e-trace.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
. "$SRC/tests/e2e/lib.sh"
cd "$SRC"

SMALL=tests/data/good/fleet-small.json
mkdir "$T/o"

# ---- help and usage ----------------------------------------------------------------

zf 0 trace --help
expect_out_line1 "Usage: zonefall trace SCENARIO -o FILE [options]"
expect_err_empty
zf 2 trace
expect_err "zonefall trace: missing SCENARIO file
Try 'zonefall trace --help'."
zf 2 trace "$SMALL"
expect_err "zonefall trace: missing -o FILE
Try 'zonefall trace --help'."
zf 2 trace "$SMALL" -o "$T/o/x" --format xml
expect_err "zonefall trace: --format: expected bin or csv, got \"xml\"
Try 'zonefall trace --help'."
zf 2 trace "$SMALL" -o "$T/o/x" --until 0
expect_err "zonefall trace: --until: expected a duration > 0 such as 90s, 30m or 2h, got \"0\"
Try 'zonefall trace --help'."
zf 2 trace "$SMALL" -o "$T/o/x" --seed -1
expect_err "zonefall trace: --seed: expected a non-negative integer, got \"-1\"
Try 'zonefall trace --help'."
zf 2 trace "$SMALL" -o "$T/o/x" --colour
expect_err "zonefall trace: unknown option --colour
Try 'zonefall trace --help'."
zf 2 trace tests/data/missing.json -o "$T/o/x"
expect_err "zonefall trace: error: tests/data/missing.json: cannot open: No such file or directory"
expect_files "$T/o"
zf 3 trace "$SMALL" -o "$T/none/x.csv"
expect_err "zonefall trace: error: $T/none/x.csv: cannot write: No such file or directory"

# ---- CSV and binary ------------------------------------------------------------------

zf 0 trace "$SMALL" -o "$T/o/a.csv" --format csv
expect_out "$T/o/a.csv: 620 requests over 1h (scenario \"fleet-small\", seed 7)"
expect_err_empty
expect_files "$T/o" a.csv
[ "$(head -n 1 "$T/o/a.csv")" = "t_ns,kind,source,entity,seq,write_id,attempt" ] ||
    fail "CSV header line"
ok
[ "$(grep -c ',report,device,' "$T/o/a.csv")" = 600 ] || fail "600 device reports"
ok
[ "$(grep -c ',agency-query,agency,' "$T/o/a.csv")" = 20 ] || fail "20 agency queries"
ok
pycheck "CSV rows are in time order, reports write, queries do not" "$T/o/a.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
n = 0
assert len(rows) == 620; n += 1
t = [int(r["t_ns"]) for r in rows]
assert t == sorted(t) and t[-1] < 3600 * 10**9; n += 1
for r in rows:
    wid = int(r["write_id"])
    if r["kind"] == "report":
        assert wid == (1 << 63) | (1 << 60) | (int(r["entity"]) << 32) | int(r["seq"]), r
    else:
        assert wid == 0 and 600e9 <= int(r["t_ns"]) < 900e9, r
    assert r["attempt"] == "0"
n += 1
print(n)
PY

zf 0 trace "$SMALL" -o "$T/o/a.zft" -q
expect_out_empty
size=$(stat -c %s "$T/o/a.zft")
[ "$size" = $((128 + 32 * 620)) ] || fail "binary trace of $size bytes, expected $((128 + 32 * 620))"
ok
[ "$(head -c 8 "$T/o/a.zft")" = ZFTRACE1 ] || fail "magic"
ok
zf 0 trace "$SMALL" -o "$T/o/b.zft" -q
expect_same "$T/o/a.zft" "$T/o/b.zft"
zf 0 trace "$SMALL" -o "$T/o/c.zft" -q --seed 8
expect_differ "$T/o/a.zft" "$T/o/c.zft"
zf 0 trace "$SMALL" -o "$T/o/d.csv" --format csv --until 30m
expect_out "$T/o/d.csv: 320 requests over 30m (scenario \"fleet-small\", seed 7)"
expect_files "$T/o" a.csv a.zft b.zft c.zft d.csv

printf '%d passed\n' "$passed"
