#!/usr/bin/env bash
# e2e: `zonefall report` on real runs: a passing M/M/1 run, a failing M/M/c/c run, their
# comparison, a run with deployment gauges and faults added; checks every PNG (size, not
# blank), junit.xml (parsed), summary.md, report.html in headless Chromium (images loaded,
# no console error, screenshot kept under the build tree), determinism, gnuplot missing,
# and the errors and exit codes. Usage: report.sh ZONEFALL
set -u
ZF=$(realpath "${1:?usage: report.sh ZONEFALL}")
SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${ZF_BUILD_ROOT:-$PWD}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0

ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: one test
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
# expect_exit CODE DESCRIPTION COMMAND...: runs it (stdout/stderr in $WORK/out, $WORK/err)
expect_exit() {
  local want=$1 d=$2; shift 2
  "$@" >"$WORK/out" 2>"$WORK/err"; local got=$?
  if [ "$got" -eq "$want" ]; then ok "$d (exit $got)"
  else bad "$d: exit $got, expected $want"; sed 's/^/  | /' "$WORK/err"; fi
}
has() { grep -qF -- "$2" "$1"; }

# PNG at PATH is W x H (IHDR; H "any": any height) and not blank (its decompressed rows
# use many byte values).
png_ok() {
  python3 - "$1" "$2" "$3" <<'PY'
import struct, sys, zlib
path, w, h = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(path, 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, size = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        size = struct.unpack('>II', body[:8])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
assert size and size[0] == w and (h == 'any' or size[1] == int(h)), \
    'size %r, expected %dx%s' % (size, w, h)
distinct = len(set(zlib.decompress(idat)))
assert distinct > 32, 'blank: %d distinct byte values' % distinct
PY
}

# junit.xml parses, with CASES test cases, FAILURES failures, SUITES suites.
junit_ok() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases, failures, suites = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
assert root.tag == 'testsuites'
got = (len(list(root.iter('testcase'))), len(list(root.iter('failure'))),
       len(root.findall('testsuite')))
assert got == (cases, failures, suites), 'cases, failures, suites = %r' % (got,)
assert int(root.get('tests')) == cases and int(root.get('failures')) == failures
for f in root.iter('failure'):
    assert 'measured' in f.get('message') and 'objective' in f.get('message'), f.get('message')
PY
}

charts_ok() { # DIR CHART...: NAME.png (1200x600, not blank), .svg, .dat and .gp of each
  local dir=$1 c; shift
  for c in "$@"; do
    png_ok "$dir/$c.png" 1200 600 || return 1
    [ -s "$dir/$c.svg" ] && [ -s "$dir/$c.dat" ] && [ -s "$dir/$c.gp" ] || return 1
  done
}

# ---------- runs ----------
expect_exit 0 "run mm1 (passes its SLOs)" \
  "$ZF" run "$SRC/scenarios/validation/mm1.json" -o "$WORK/mm1" --until 15m --replications 2 -q
expect_exit 1 "run mmcc (misses its availability SLO)" \
  "$ZF" run "$SRC/scenarios/validation/mmcc.json" -o "$WORK/mmcc" --until 5m --replications 2 -q

# ---------- one run ----------
expect_exit 0 "report mm1" "$ZF" report "$WORK/mm1"
R=$WORK/mm1/report
check "mm1 charts: PNG 1200x600 not blank, SVG, .dat, .gp" \
  charts_ok "$R" requests latency stations latency_dist
check "charts without data are skipped and said so" \
  bash -c "[ ! -e '$R/instances.dat' ] && grep -q 'not charted: instances: timeseries.csv has no instances.<group>.<zone> columns' '$WORK/out'"
check "mm1 junit.xml parses: 2 test cases, no failure" junit_ok "$R/junit.xml" 2 0 1
check "summary.md has the SLO table" \
  bash -c "grep -qF '| result | SLO | objective | measured | met in runs |' '$R/summary.md' &&
           grep -qF '| ✅ pass | p99-latency | p99 <= 3s |' '$R/summary.md'"
check "report.html lists the SLOs and embeds 4 charts" \
  bash -c "grep -qF '<td class=\"pass\">PASS</td><td>p99-latency</td>' '$R/report.html' &&
           [ \$(grep -o 'data:image/svg+xml;base64,' '$R/report.html' | wc -l) -eq 4 ]"

expect_exit 0 "report mmcc" "$ZF" report "$WORK/mmcc" -o "$WORK/mmcc-report" -q
check "mmcc junit.xml: the missed SLO is a failure" junit_ok "$WORK/mmcc-report/junit.xml" 1 1 1
check "mmcc summary.md marks the missed SLO" \
  grep -qF '| ❌ **fail** | availability | >= 90% |' "$WORK/mmcc-report/summary.md"

# ---------- comparison ----------
expect_exit 0 "report mmcc --compare mm1" \
  "$ZF" report "$WORK/mmcc" --compare "$WORK/mm1" -o "$WORK/cmp" -q
check "compare charts overlaid: two blocks per .dat" \
  bash -c "[ \$(grep -c '^# t_s' '$WORK/cmp/latency.dat') -eq 2 ]"
check "compare PNGs" charts_ok "$WORK/cmp" requests latency stations latency_dist
check "compare junit.xml: one suite per run" junit_ok "$WORK/cmp/junit.xml" 3 1 2
check "compare summary and page have the delta table with CIs" \
  bash -c "grep -qF '### mm1-rho0.8 vs mmcc-erlang-b' '$WORK/cmp/summary.md' &&
           grep -qF '| availability |' '$WORK/cmp/summary.md' &&
           grep -qF '95% CI of the difference' '$WORK/cmp/report.html'"

# ---------- deployment gauges and faults (columns the deployment model writes) ----------
mkdir -p "$WORK/dep"
python3 - "$WORK/mmcc" "$WORK/dep" <<'PY'
import csv, json, sys
src, dst = sys.argv[1:3]
rows = list(csv.reader(open(src + '/timeseries.csv')))
extra = ['instances.web.zone-a', 'instances.web.zone-b', 'cpu.web', 'db.state',
         'db.primary_zone', 'devices.backlog', 'devices.offline']
with open(dst + '/timeseries.csv', 'w') as f:
    f.write(','.join(rows[0] + extra) + '\n')
    for r in rows[1:]:
        t = int(r[0]); down = 100 <= t < 160
        f.write(','.join(r + ['3', '0' if down else '3', '0.8' if down else '0.5',
                              '1' if 100 <= t < 120 else '0', '1' if t < 120 else '0',
                              str(max(0, 40 * (t - 100))) if 100 <= t < 170 else '0',
                              '500' if down else '0']) + '\n')
res = json.load(open(src + '/results.json'))
res['scenario'] = 'zone-outage <&>'
res['faults'] = [{'name': 'zone-b', 'kind': 'zone_outage', 'target': 'zone-b', 'start_s': 100.0,
                  'end_s': 160.0, 'detected_s': 102.0, 'recovered_s': 150.0, 'rto_s': 50.0,
                  'rto_phases': {'detection_s': 2.0, 'dns_s': 0.0, 'promotion_s': 20.0,
                                 'launch_s': 28.0}}]
res['metrics']['cost.instance_hours'] = 0.5
res['backlog_drain_s'] = 10.0
json.dump(res, open(dst + '/results.json', 'w'))
PY
expect_exit 0 "report with deployment gauges" "$ZF" report "$WORK/dep" -q
check "instances, cpu and backlog charts drawn" \
  charts_ok "$WORK/dep/report" instances cpu backlog requests latency
check "fault window shaded and database role change marked" \
  bash -c "grep -qF \"set object rect from first 100, graph 0 to first 160, graph 1\" '$WORK/dep/report/requests.gp' &&
           grep -qF \"set label 'db primary -> zone 0'\" '$WORK/dep/report/instances.gp'"

# ---------- determinism ----------
expect_exit 0 "report again into another directory" "$ZF" report "$WORK/mmcc" --compare "$WORK/mm1" -o "$WORK/cmp2" -q
same() { local f; for f in report.html summary.md junit.xml requests.dat requests.gp latency_dist.dat stations.gp; do
  cmp -s "$WORK/cmp/$f" "$WORK/cmp2/$f" || { echo "  $f differs"; return 1; }; done; }
check "same results give byte-identical files" same

# ---------- gnuplot missing ----------
expect_exit 0 "report without gnuplot on PATH" env PATH=/nonexistent "$ZF" report "$WORK/mm1" -o "$WORK/nognu"
check "a clear warning, .dat/.gp kept, no PNG, note in the page" \
  bash -c "grep -qF 'warning: gnuplot not found on PATH' '$WORK/err' &&
           [ -s '$WORK/nognu/requests.dat' ] && [ -s '$WORK/nognu/requests.gp' ] &&
           [ ! -e '$WORK/nognu/requests.png' ] && grep -qF 'gnuplot was not found on PATH' '$WORK/nognu/report.html'"
expect_exit 3 "--format png without gnuplot is an error" \
  env PATH=/nonexistent "$ZF" report "$WORK/mm1" -o "$WORK/nognu" --format png

# ---------- bad input ----------
expect_exit 2 "missing results directory" "$ZF" report "$WORK/nope"
check "message names results.json" \
  has "$WORK/err" "zonefall report: error: $WORK/nope/results.json: cannot open: No such file or directory"
check "nothing created for a missing directory" test ! -e "$WORK/nope"
printf '{"mode": "sim", ' >"$WORK/mm1/broken.json"
mkdir -p "$WORK/broken" && cp "$WORK/mm1/broken.json" "$WORK/broken/results.json"
expect_exit 2 "malformed results.json" "$ZF" report "$WORK/broken"
check "message names the file and line" has "$WORK/err" "$WORK/broken/results.json:1:"
mkdir -p "$WORK/badts" && cp "$WORK/mm1/results.json" "$WORK/badts/" && printf 't_s,ok\n' >"$WORK/badts/timeseries.csv"
expect_exit 2 "timeseries.csv without its columns" "$ZF" report "$WORK/badts"
check "message names the missing column" has "$WORK/err" "timeseries.csv:1: missing column \"arrivals\""
expect_exit 2 "unknown --format value" "$ZF" report "$WORK/mm1" --format html,pdf
check "message names the value" \
  has "$WORK/err" 'zonefall report: unknown --format value "pdf" (expected a comma-separated list of html, md, junit, png, svg)'
expect_exit 2 "unknown flag" "$ZF" report "$WORK/mm1" --colour
check "message names the flag" has "$WORK/err" "zonefall report: unknown option --colour"
expect_exit 2 "second DIR without --compare" "$ZF" report "$WORK/mm1" "$WORK/mmcc"
expect_exit 0 "--help" "$ZF" report --help
check "--help shows the usage" has "$WORK/out" "Usage: zonefall report DIR [--compare DIR2 ...]"
expect_exit 3 "unwritable output directory" "$ZF" report "$WORK/mm1" -o /proc/zonefall-report

# ---------- browser ----------
if ! command -v chromium >/dev/null 2>&1; then
  echo "SKIP: chromium not installed (make deps-browser)"
elif ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node not installed (needed to drive chromium)"
else
  mkdir -p "$BUILD/tests"
  for c in "mm1 $R 4" "cmp $WORK/cmp 4" "dep $WORK/dep/report 7"; do
    set -- $c
    check "report.html ($1) in headless Chromium: $3 images loaded, no console error" \
      node "$HERE/browser_check.js" "$(command -v chromium)" "$2/report.html" \
      "$BUILD/tests/report-$1-screenshot.png" "$3"
    check "screenshot kept: $BUILD/tests/report-$1-screenshot.png" \
      png_ok "$BUILD/tests/report-$1-screenshot.png" 1280 any
  done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
