#!/usr/bin/env bash
# e2e/replay_verify.sh: verification of guarantees through the whole replay path, against
# zf_testserver's write store on loopback. (1) The store acknowledges every 7th write
# without keeping it: exactly those writes are reported lost, with the RPO they span, and
# the lost-writes SLO fails (exit 1). (2) A fault action freezes the store past the client
# timeout: the writes that timed out are indeterminate and all turn out stored; the
# devices' retries of writes the store had applied are reported as duplicates, exactly
# the ids the store counts more than once. history.jsonl agrees with both. (3) Writes left
# unverified (a verify command that prints nothing or answers for some ids, --no-verify):
# verified false, no RPO, and a lost-writes SLO not met (unmeasured), in check too.
set -eu

SRC=${ZF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/e2e/replay_lib.sh"
replay_init "$@"

# check DIR PORT: compares DIR's results and history with what the store at PORT holds.
# Prints the number of assertions; exits non-zero with a message on the first failure.
check() {
    pycheck "verification figures of $1 against the store" "$1" "$2" <<'EOF'
import http.client, json, sys
d, port = sys.argv[1], int(sys.argv[2])
res = json.load(open(d + "/results.json"))
hist = [json.loads(l) for l in open(d + "/history.jsonl")]
n = 0
def want(cond, msg):
    global n
    if not cond:
        sys.exit("FAIL: " + msg)
    n += 1
conn = http.client.HTTPConnection("127.0.0.1", port)
def get(path):
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, r.read()
status, body = get("/v1/writes")
stored = set(json.loads(body)["write_ids"])
counts = {}
for i in stored:
    s, b = get("/v1/writes/" + i)
    counts[i] = json.loads(b)["count"]
writes = [h for h in hist if h["type"] == "write"]
verify = {h["write_id"]: h for h in hist if h["type"] == "verify"}
acked, first_ack, info, attempts = set(), {}, set(), {}
for w in writes:
    attempts[w["write_id"]] = attempts.get(w["write_id"], 0) + 1
    if w["outcome"] == "ok":
        acked.add(w["write_id"])
        t = int(w["end_ms"])  # the ledger keeps whole milliseconds
        first_ack[w["write_id"]] = min(first_ack.get(w["write_id"], t), t)
    elif w["outcome"] == "info":
        info.add(w["write_id"])
indeterminate = info - acked
lost = acked - stored
dl = res["data_loss"]
want(dl["verified"] is True, "verification did not complete")
want(dl["acknowledged_writes"] == len(acked), "acknowledged %d, history says %d" % (dl["acknowledged_writes"], len(acked)))
want({i for i, v in verify.items() if v["result"] == "missing"} == lost, "the writes reported missing are not exactly the acknowledged ones the store lacks")
want(all(verify[i]["acknowledged"] for i in lost), "a lost write was not acknowledged")
want(dl["lost_writes"] == len(lost), "lost_writes %d, expected %d" % (dl["lost_writes"], len(lost)))
rpo = (max(first_ack[i] for i in lost) - min(first_ack[i] for i in lost)) / 1000 if lost else 0
want(abs(dl["rpo_s"] - rpo) < 1e-9, "rpo_s %r, expected %r" % (dl["rpo_s"], rpo))
want(dl["indeterminate_writes"] == len(indeterminate), "indeterminate %d, expected %d" % (dl["indeterminate_writes"], len(indeterminate)))
want(dl["indeterminate_stored"] == len(indeterminate & stored), "indeterminate_stored %d, expected %d" % (dl["indeterminate_stored"], len(indeterminate & stored)))
dups = {i for i, c in counts.items() if c > 1}
want(dl["duplicated_writes"] == len(dups), "duplicated_writes %d, the store counts %d" % (dl["duplicated_writes"], len(dups)))
want({i for i, v in verify.items() if v["applied"] > 1} == dups, "the duplicates reported are not the store's")
want(all(verify[i]["result"] == "found" for i in stored if i in verify), "a stored write was not found")
want(len(verify) == len(acked | indeterminate), "read back %d writes, expected %d" % (len(verify), len(acked | indeterminate)))
print(n, len(lost), len(indeterminate), len(dups), sep="\n", file=open(d + "/figures", "w"))
print(n)
EOF
}

# (1) every 7th write acknowledged and lost
testserver P --drop-every 7
zf 1 replay tests/data/replay/basic.json --target lb=http://127.0.0.1:$P --duration 6s --settle 0s -o "$T/drop" -q
expect_out "verdict: fail   results: $T/drop/results.json"
check "$T/drop" "$P"
read -r _ lost indet dups <<<"$(tr '\n' ' ' <"$T/drop/figures")"
[ "$lost" -gt 50 ] && [ "$indet" -eq 0 ] || fail "drop-every 7: $lost lost, $indet indeterminate"
ok
[ "$(jget "$T/drop" "[s['met'] for s in d['slos'] if s['name'] == 'lost']")" = "[False]" ] ||
    fail "the lost-writes SLO did not fail"
ok

# the same through a verify command (ids on stdin, "ID COUNT" lines back), with a store of
# its own (write ids repeat from run to run: class, entity and sequence)
testserver C --drop-every 7
P=$C
python3 - "$T/cmd.json" "$SRC/tests/e2e/replay_verify_cmd.py" "$P" <<'EOF'
import json, sys
s = json.load(open("tests/data/replay/basic.json"))
s["verify"] = {"command": [sys.argv[2], sys.argv[3]], "timeout": "60s"}
json.dump(s, open(sys.argv[1], "w"))
EOF
zf 1 replay "$T/cmd.json" --target lb=http://127.0.0.1:$P --duration 4s --settle 0s -o "$T/cmd" -q
check "$T/cmd" "$P"
[ "$(jget "$T/cmd" "d['data_loss']['verification']['method'], d['data_loss']['lost_writes'] > 0")" = "('command', True)" ] ||
    fail "verify command: $(jget "$T/cmd" "d['data_loss']")"
ok
expect_files "$T/cmd" results.json timeseries.csv history.jsonl verify.ids verify.out verify.err figures

# (2) a freeze past the client timeout: indeterminate writes, stored; duplicates from retries
testserver Q
scenario verify "$T/verify.json" PORT="$Q"
zf 0 replay "$T/verify.json" --target lb=http://127.0.0.1:$Q --settle 0s -o "$T/freeze" -q
check "$T/freeze" "$Q"
read -r _ lost indet dups <<<"$(tr '\n' ' ' <"$T/freeze/figures")"
[ "$lost" -eq 0 ] && [ "$indet" -gt 0 ] && [ "$dups" -gt 0 ] ||
    fail "freeze: $lost lost, $indet indeterminate, $dups duplicated"
ok
[ "$(jget "$T/freeze" "d['data_loss']['indeterminate_stored'] == d['data_loss']['indeterminate_writes'], d['faults'][0]['actions'][0]['exit_status']")" = "(True, 0)" ] ||
    fail "freeze: not every indeterminate write was stored"
ok

# unverified DIR ACKED_UNANSWERED LOST: loss is unknown in DIR (not verified, no RPO), with
# exactly that many acknowledged writes unanswered and that many found missing, and the
# lost-writes SLO is not met, neither in the replay's results nor when `check` judges them
# again (exit 1)
unverified() {
    [ "$(jget "$1" "d['data_loss']['verified'], d['data_loss']['rpo_s'], d['data_loss']['verification']['no_answer_acknowledged'], d['data_loss']['lost_writes'], d['verdict']")" = \
      "(False, None, $2, $3, 'fail')" ] || fail "$1: $(jget "$1" "d['data_loss']")"
    ok
    [ "$(jget "$1" "[(s['met'], s['measured'], s['met_fraction'], 'loss unknown' in s['not_measured'], d['runs'][0]['slos']['lost']) for s in d['slos'] if s['name'] == 'lost']")" = \
      "[(False, None, None, True, {'measured': None, 'met': False})]" ] ||
        fail "$1: the lost-writes SLO: $(jget "$1" "d['slos']")"
    ok
    zf 1 check "$1"
    expect_out_has "  FAIL  lost                     <= 0 writes            measured nothing ($(jget "$1" "[s['not_measured'] for s in d['slos'] if s['name'] == 'lost'][0]"))"
}

# a verify command that prints nothing: every write unverified, loss unknown
python3 - "$T/silent.json" <<'EOF'
import json, sys
s = json.load(open("tests/data/replay/basic.json"))
s["verify"] = {"command": ["true"], "timeout": "10s"}
json.dump(s, open(sys.argv[1], "w"))
EOF
zf 1 replay "$T/silent.json" --target lb=http://127.0.0.1:$P --duration 2s --settle 0s -o "$T/silent"
acked=$(jget "$T/silent" "d['data_loss']['acknowledged_writes']")
expect_out_has "writes        acknowledged $acked  lost 0  RPO not measured (not verified)"
expect_out_has "read back     incomplete: $acked acknowledged writes got no answer, so loss is unknown (lost_writes counts only those found missing, rpo_s is null)"
[ "$acked" -gt 0 ] && [ "$(jget "$T/silent" "d['data_loss']['unverified_writes']")" -eq "$(wc -l <"$T/silent/verify.ids")" ] ||
    fail "silent verify command: $(jget "$T/silent" "d['data_loss']")"
ok
unverified "$T/silent" "$acked" 0
expect_out_has "  FAIL  lost                     <= 0 writes            measured nothing ($acked acknowledged writes got no answer when read back: loss unknown)"

# a verify command that answers for the first 10 ids only, all missing: 10 lost at least,
# the rest unverified
python3 - "$T/part.json" <<'EOF'
import json, sys
s = json.load(open("tests/data/replay/basic.json"))
s["verify"] = {"command": ["sed", "-n", "1,10s/$/ 0/p"], "timeout": "10s"}
json.dump(s, open(sys.argv[1], "w"))
EOF
zf 1 replay "$T/part.json" --target lb=http://127.0.0.1:$P --duration 2s --settle 0s -o "$T/part" -q
acked=$(jget "$T/part" "d['data_loss']['acknowledged_writes']")
unverified "$T/part" $((acked - 10)) 10

# --no-verify: acknowledged writes counted, nothing read back, loss unknown
zf 1 replay tests/data/replay/basic.json --target lb=http://127.0.0.1:$P --duration 2s --no-verify -o "$T/nover" -q
[ "$(jget "$T/nover" "d['data_loss']['verified'], d['data_loss']['rpo_s'], d['data_loss']['acknowledged_writes'] > 0")" = "(False, None, True)" ] ||
    fail "--no-verify: $(jget "$T/nover" "d['data_loss']")"
ok
[ "$(jget "$T/nover" "[(s['met'], s['not_measured']) for s in d['slos'] if s['name'] == 'lost']")" = \
  "[(False, 'acknowledged writes were not read back: loss unknown')]" ] ||
    fail "--no-verify: the lost-writes SLO: $(jget "$T/nover" "d['slos']")"
ok
zf 1 check "$T/nover"

stop_started
printf 'replay_verify: %d passed\n' "$passed"
