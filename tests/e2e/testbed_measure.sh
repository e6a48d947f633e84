#!/bin/bash
# testbed_measure.sh: measures on a running test bed what docs/testbed.md records:
# for one fault, the write gap seen by a client (a write every 50 ms or so, alternating
# the two load balancers and trying the other one when a connection fails: connect
# timeout 0.5 s, whole request 2 s) and, for app faults, how long HAProxy takes
# to mark the zone's servers down. Bounded: at most 60 s of writes, then heal.
#   testbed_measure.sh KIND TARGET [--dir DIR]     e.g. db-primary-kill primary
# It first waits (up to 90 s) for a healthy bed.
set -eu
kind=$1
target=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
faults="${ZF_TESTBED_DIR:-$here/../../testbed}/faults"
lbs="10.250.1.1 10.250.2.1"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
base=$(( $(date +%s) % 100000 * 100000 ))   # write ids unique per run

writes() { # writes until $1 ms; prints "t_ms code id" per write. Like a client given
    # both load balancers' addresses, a write whose connection fails (curl code 000)
    # is sent at once to the other one; the first LB alternates.
    local n=0 lb code end=$1 order
    while [ "$(now_ms)" -lt "$end" ] && [ $n -lt 1200 ]; do
        n=$((n + 1))
        order=$lbs
        [ $((n % 2)) -eq 0 ] && order=$(echo "$lbs" | awk '{ print $2, $1 }')
        for lb in $order; do
            code=$(curl -s -o /dev/null -m 2 --connect-timeout 0.5 -w '%{http_code}' -X POST \
                -H "X-Write-Id: $((base + n))" "http://$lb:8080/v1/devices/1/reports" || true)
            [ "$code" = 000 ] || break
        done
        echo "$(now_ms) $code $((base + n))"
        sleep 0.05
    done
}

detect() { # prints ms until HAProxy b (or a) shows every app of zone $1 DOWN
    local z=$1 t0=$2 sock
    # Ask a load balancer outside the failed zone (inside it, the zone looks fine).
    sock="${ZF_DIR:-/tmp/zonefall-testbed}/haproxy-b.sock"
    [ "$z" = b ] && sock="${ZF_DIR:-/tmp/zonefall-testbed}/haproxy-a.sock"
    for _ in $(seq 1 300); do
        if ! echo "show stat" | socat -t 1 - "UNIX-CONNECT:$sock" 2>/dev/null |
            awk -F, -v z="$z" '$1 == "apps" && substr($2, 1, 1) == z { print $18 }' | grep -qv DOWN; then
            echo "haproxy marked zone $z apps DOWN after $(( $(now_ms) - t0 )) ms"
            return 0
        fi
        sleep 0.05
    done
    echo "haproxy did not mark zone $z down within 15 s"
}

# Start from a healthy bed: every component up and, with synchronous replication, a
# synchronous standby in place (a standby still re-syncing would block the failover).
tb="${ZF_TESTBED_DIR:-$here/../../testbed}/testbed.sh"
for _ in $(seq 1 90); do
    st=$("$tb" status "$@" 2>/dev/null) && { ! echo "$st" | grep -q ', sync replication' ||
        echo "$st" | grep -q 'synchronous standby' || ! echo "$st" | grep -q 'mode patroni'; } && break
    sleep 1
done
echo "primary before: $(echo "$st" | sed -n 's/^database primary: //p')"

log=$(mktemp)
t_end=$(( $(now_ms) + 40000 ))
writes "$t_end" >"$log" &
wpid=$!
sleep 2
t_inject=$(now_ms)
"$faults/$kind.sh" inject "$target" "$@"
echo "inject returned after $(( $(now_ms) - t_inject )) ms"
case $kind in zone-down | zone-crash) detect "$target" "$t_inject" ;; esac
# Wait until the last 20 writes all succeeded, after at least one failure (or 15 s
# without any failure); the write loop itself stops after 40 s.
while kill -0 "$wpid" 2>/dev/null; do
    state=$(tail -n 20 "$log" | awk '$2 !~ /^20[01]$/ { bad++ } END { print NR, bad + 0 }')
    any_bad=$(awk '$2 !~ /^20[01]$/ { n++ } END { print n + 0 }' "$log")
    if [ "$any_bad" -gt 0 ] && [ "$state" = "20 0" ]; then break; fi
    if [ "$any_bad" -eq 0 ] && [ $(( $(now_ms) - t_inject )) -gt 15000 ]; then break; fi
    sleep 0.2
done
kill "$wpid" 2>/dev/null || true
wait "$wpid" 2>/dev/null || true
awk -v t0="$t_inject" '
    $2 ~ /^20[01]$/ { ok++; if (first_bad && !back && $1 > last_bad) back = $1; next }
    { bad++; if (!first_bad) first_bad = $1; last_bad = $1; back = 0 }
    END {
        printf "writes: %d ok, %d failed\n", ok, bad
        if (bad) printf "first failed write %+d ms after inject; last failed %+d ms; write gap %.2f s\n",
            first_bad - t0, last_bad - t0, (last_bad - first_bad) / 1000
    }' "$log"
t_heal=$(now_ms)
"$faults/$kind.sh" heal "$target" "$@"
echo "heal returned after $(( $(now_ms) - t_heal )) ms"
# Every acknowledged write must read back.
lost=0
while read -r id; do
    for _ in $(seq 1 50); do # a 503 during a failover is no answer: ask again
        code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://10.250.2.1:8080/v1/writes/$id" || true)
        case $code in 200 | 404) break ;; esac
        sleep 0.2
    done
    [ "$code" = 200 ] || lost=$((lost + 1))
done < <(awk '$2 ~ /^20[01]$/ { print $3 }' "$log")
echo "acknowledged writes not found on read-back: $lost"
rm -f "$log"
