#!/usr/bin/env bash
# e2e/replay_backend.sh: a backend of the replay fault test, started and killed by the
# scenario's fault actions. `start NAME` runs zf_testserver on 127.0.0.1 in the background
# (on the port it had before, else a free one; pid in $STATE/NAME.pid, port in
# $STATE/NAME.port) and returns once it listens; `kill NAME` stops that pid. STATE (a
# directory) and TESTSERVER (the binary) come from the actions' env.
set -eu
dir=${STATE:?STATE: the state directory of the test}
name=${2:?usage: replay_backend.sh start|kill NAME}
case $1 in
start)
    port=0
    [ -s "$dir/$name.port" ] && port=$(cat "$dir/$name.port")
    rm -f "$dir/$name.out"
    "${TESTSERVER:?}" --port "$port" --max-runtime 120s >"$dir/$name.out" 2>"$dir/$name.log" </dev/null &
    echo $! >"$dir/$name.pid"
    for _ in $(seq 250); do
        if [ -s "$dir/$name.out" ]; then
            head -n 1 "$dir/$name.out" >"$dir/$name.port"
            exit 0
        fi
        kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || break
        sleep 0.02
    done
    echo "backend $name did not start (port $port)" >&2
    exit 1
    ;;
kill)
    kill "$(cat "$dir/$name.pid")"
    ;;
*)
    echo "usage: replay_backend.sh start|kill NAME" >&2
    exit 2
    ;;
esac
