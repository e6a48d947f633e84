#!/bin/bash
# testbed.sh (meson test, suite 'testbed'): the test bed end to end, as root only.
# Brings it up in fast mode with `zonefall testbed up`, checks status, writes and reads
# back through both load balancers, injects and heals a zone crash, a primary kill, a
# process kill, partial loss and added latency, checks writes after each failover and
# every acknowledged write on read-back, brings it down and checks nothing is left.
# Exit 77 (skipped) when not root, without network namespaces, or when a bed is up.
set -eu
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "the test bed needs root"
for t in ip iptables haproxy socat curl setpriv; do
    command -v "$t" >/dev/null || skip "'$t' is not installed (make deps-test)"
done
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip "PostgreSQL 15 is not installed"
ip netns list 2>/dev/null | grep -q '^zf-' && skip "a test bed is already up (zf-* namespaces exist)"
probe="zf-probe-test-$$"
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "$probe"

build=${ZF_BUILD_ROOT:?ZF_BUILD_ROOT is set by meson}
src=${ZF_SOURCE_ROOT:?ZF_SOURCE_ROOT is set by meson}
zonefall="$build/cli/zonefall"
faults="$src/testbed/faults"
dir="/tmp/zf-e2e-testbed-$$"
lbs="10.250.1.1 10.250.2.1"
export ZF_TESTBED_DIR="$src/testbed" ZF_APP_BIN="$build/testbed/zf_app"
export ZF_FAULTPROXY_BIN="$build/testbed/zf_faultproxy"
acked=()
wcode=
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
cleanup() { "$zonefall" testbed down --dir "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT

write() { # id lb: sets wcode to the HTTP status; remembers acknowledged ids
    wcode=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -X POST -H "X-Write-Id: $1" \
        -H 'Content-Type: application/json' -d "{\"seq\": $1}" \
        "http://$2:8080/v1/devices/$(($1 % 50 + 1))/reports" || true)
    case $wcode in 200 | 201) acked+=("$1") ;; esac
}

# writes_ok FIRST_ID COUNT [LB...]: COUNT writes alternating the load balancers (both by
# default), each acknowledged within 20 s (a failed write is retried with the same id).
writes_ok() {
    local id=$1 n=$2 lb deadline
    shift 2
    local via=${*:-$lbs}
    deadline=$(($(date +%s) + 20))
    while [ "$n" -gt 0 ]; do
        for lb in $via; do
            [ "$n" -gt 0 ] || break
            while write "$id" "$lb"; [ "$wcode" != 201 ] && [ "$wcode" != 200 ]; do
                if [ "$(date +%s)" -ge "$deadline" ]; then
                    fail "write $id via $lb not acknowledged in 20 s (last status $wcode)"
                    return 0
                fi
                sleep 0.2
            done
            id=$((id + 1))
            n=$((n - 1))
        done
    done
}

fault() { "$faults/$1.sh" "$2" "${@:3}" --dir "$dir" || fail "$1 $2 ${*:3} exited $?"; }

echo "# up (fast mode)"
t0=$(date +%s%N)
"$zonefall" testbed up --fast --dir "$dir" || { echo "FAIL: testbed up"; exit 1; }
echo "up took $((($(date +%s%N) - t0) / 1000000)) ms"
"$zonefall" testbed up --fast --dir "$dir" >/dev/null 2>&1 && fail "a second up did not refuse"
"$zonefall" testbed status --dir "$dir" >"$dir.status" || fail "status is not healthy"
grep -q 'pg-a .* alive .*role=primary' "$dir.status" || fail "status does not show pg-a primary"
grep -q 'haproxy-b .* alive .*c2 UP' "$dir.status" || fail "status does not show haproxy-b with c2 UP"
rm -f "$dir.status"

echo "# writes and read-back through both load balancers"
writes_ok 1000 10
code=$(curl -s -m 5 "http://10.250.2.1:8080/v1/writes/1000")
echo "$code" | grep -q '"write_id":1000,"device":1,"seq":1000,"kind":"report","applied":1' ||
    fail "read-back of 1000 via LB b: $code"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://10.250.1.1:8080/v1/writes/999999")" = 404 ] ||
    fail "an unknown write id is not 404"
dup=$(curl -s -m 5 -X POST -H 'X-Write-Id: 1000' "http://10.250.1.1:8080/v1/devices/1/reports")
echo "$dup" | grep -q '"applied":2,"duplicate":true' || fail "a repeated write id is not counted: $dup"

echo "# zone crash of zone a (LB a, apps a1 a2 and the primary die; scripted failover)"
fault zone-crash inject a
fault zone-crash inject a   # idempotent
[ -z "$(ip netns pids zf-a)" ] || fail "processes left in zf-a after the crash"
writes_ok 2000 6 10.250.2.1
fault zone-crash heal a
writes_ok 2100 6

echo "# primary kill (now pg-b) and heal"
fault db-primary-kill inject
writes_ok 3000 6
fault db-primary-kill heal
fault db-primary-kill heal  # idempotent
writes_ok 3100 6

echo "# process kill, partial loss, latency"
fault process-kill inject b1
writes_ok 4000 4
fault process-kill heal b1
fault partial-loss inject c 0.5
[ "$(ip netns exec zf-c iptables -S | grep -c zf-partial-loss)" = 2 ] || fail "loss rules not in place"
fault partial-loss heal c
[ "$(ip netns exec zf-c iptables -S | grep -c zf-partial-loss)" = 0 ] || fail "loss rules left after heal"
fault latency inject c 400
slow=0
for _ in 1 2 3 4 5 6; do
    t=$(curl -s -o /dev/null -m 5 -w '%{time_total}' "http://10.250.1.1:8080/v1/devices/1/config")
    case $t in 0.[0-3]*) ;; *) slow=$((slow + 1)) ;; esac
done
[ "$slow" -ge 1 ] || fail "no response slowed by the latency fault (6 tries, zone c serves 1 in 3)"
fault latency heal c
writes_ok 4100 4

echo "# every acknowledged write reads back (${#acked[@]} writes)"
lost=0
for id in "${acked[@]}"; do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://10.250.1.1:8080/v1/writes/$id" || true)
    [ "$code" = 200 ] || lost=$((lost + 1))
done
[ "$lost" -eq 0 ] || fail "$lost acknowledged writes not found"

echo "# down leaves nothing behind"
pids=$(cat "$dir"/pids/*.pid 2>/dev/null || true)
"$zonefall" testbed down --dir "$dir" || fail "testbed down"
trap - EXIT
ip netns list | grep -q '^zf-' && fail "zf-* namespaces left: $(ip netns list | tr '\n' ' ')"
ip link show zf-host >/dev/null 2>&1 && fail "zf-host link left"
for p in $pids; do
    [ -d "/proc/$p" ] && grep -qv '^[0-9]* ([^)]*) Z' "/proc/$p/stat" 2>/dev/null && fail "process $p left"
done
[ -e "$dir" ] && fail "state directory $dir left"
rc=0
"$zonefall" testbed status --dir "$dir" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "status of a down bed exits $rc, not 2"
if [ "$failures" -gt 0 ]; then
    echo "$failures failed"
    exit 1
fi
echo "testbed: all checks passed"
