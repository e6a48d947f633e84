#!/bin/bash
# testbed_verify.sh: the verify command of scenarios/testbed*.json (zonefall replay runs
# it after a replay against the local test bed). Reads the replay's write ids on stdin,
# one a line, and prints "WRITE_ID COUNT" for each (COUNT: the row's `applied`, 0 when
# the row is missing), read on the current primary through a load balancer's database
# route (10.250.1.1:5000, else 10.250.2.1:5000; ZF_VERIFY_DB overrides the list).
#
# Why a command and not HTTP read-backs (GET /v1/writes/{write_id}):
# - zonefall's write ids have bit 63 set (docs/trace-format.md) and zf_app takes ids of
#   1..2^63-1 only, so the scenarios send X-Write-Id "1{device}0000{seq}" instead: "1",
#   the device index, four zeros, the seq. That decimal string is unique per message for
#   fewer than 10,000 devices (the device part then has no run of four zeros, so the
#   first such run ends it) and fits in 63 bits. This script maps each replay id back:
#   device = bits 59-32, seq = bits 31-0.
# - zf_app answers only the first request of a keep-alive connection, and the HTTP
#   verifier reads over keep-alive connections.
set -u
hosts=${ZF_VERIFY_DB:-"10.250.1.1 10.250.2.1"}
psql=psql
[ -x /usr/lib/postgresql/15/bin/psql ] && psql=/usr/lib/postgresql/15/bin/psql
ids=$(mktemp "${TMPDIR:-/tmp}/zf-verify-ids.XXXXXX") || exit 1
trap 'rm -f "$ids"' EXIT
cat >"$ids"
[ -s "$ids" ] || exit 0
# numeric: the replay's ids do not fit in bigint; the mapping is done in SQL.
map="('1' || (floor(g.id / 4294967296) % 268435456)::text || '0000' || (g.id % 4294967296)::text)::bigint"
for attempt in 1 2 3 4 5; do
    for h in $hosts; do
        if "$psql" -X -q -At -F ' ' -v ON_ERROR_STOP=1 \
            "host=$h port=5000 user=postgres dbname=zonefall connect_timeout=3" \
            -c "CREATE TEMP TABLE g (id numeric PRIMARY KEY)" \
            -c "\\copy g FROM '$ids'" \
            -c "SELECT g.id, coalesce(w.applied, 0) FROM g LEFT JOIN writes w ON w.write_id = $map"; then
            exit 0
        fi
    done
    echo "testbed_verify: no database route answered (attempt $attempt); retrying in 2 s" >&2
    sleep 2
done
echo "testbed_verify: could not read the writes back" >&2
exit 1
