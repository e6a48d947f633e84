#!/usr/bin/env bash
# run.sh BUILD_DIR [NAME...]: runs every benchmark program built in BUILD_DIR/bench, in a
# fixed order (hold, mm1, fleet, replay; a missing one is skipped), or only the NAMEs
# given (e.g. "mm1 fleet"), each pinned to one core with taskset when it is available, and
# prints their JSON lines after a first line describing the machine. Exits non-zero when a
# benchmark fails.
set -u

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: bench/run.sh BUILD_DIR [hold|mm1|fleet|replay ...]" >&2
    exit 2
fi
build=$1
shift
names=(hold mm1 fleet replay)
[ $# -gt 0 ] && names=("$@")
here=$(cd "$(dirname "$0")" && pwd)

# JSON string: escape backslashes and quotes, drop control characters.
json_str() {
    printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n1)
[ -n "$cpu" ] || cpu=$(uname -m)
cores=$(nproc 2>/dev/null || echo 1)
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git -C "$here/.." rev-parse --short HEAD 2>/dev/null) || commit=unknown
[ -n "$commit" ] || commit=unknown
printf '{"name":"machine","cpu":%s,"cores":%s,"date":%s,"commit":%s}\n' \
    "$(json_str "$cpu")" "$cores" "$(json_str "$date")" "$(json_str "$commit")"

# Pin to core 1 (core 0 takes most interrupts) when taskset exists and core 1 is usable.
pin=()
if command -v taskset >/dev/null 2>&1; then
    if taskset -c 1 true 2>/dev/null; then
        pin=(taskset -c 1)
    elif taskset -c 0 true 2>/dev/null; then
        pin=(taskset -c 0)
    fi
fi

status=0
for name in "${names[@]}"; do
    exe="$build/bench/bench_$name"
    [ -x "$exe" ] || continue
    if ! "${pin[@]}" "$exe"; then
        echo "bench/run.sh: bench_$name failed" >&2
        status=1
    fi
done
exit $status
