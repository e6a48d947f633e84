#!/usr/bin/env bash
# e2e/app_keepalive.sh ZF_APP: the test bed's app service on 127.0.0.1 without a database
# (its --db points at a loopback port nobody listens on; /health answers anyway): several
# GET /health on one keep-alive connection are all answered, two pipelined in one write
# too, "Connection: close" ends the connection; then 200 connections that each get an
# answer and are closed by the client leave the process's descriptor count where it was
# (none kept per connection). Stops only the zf_app it started, by pid.
set -eu

APP=${1:?usage: $(basename "$0") PATH/TO/zf_app}
T=$(mktemp -d "${ZF_BUILD_ROOT:-${TMPDIR:-/tmp}}/e2e-app-keepalive.XXXXXX")
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
    echo "FAIL: $*" >&2
    [ -s "$T/app.err" ] && { echo "--- zf_app stderr:" >&2; tail -n 20 "$T/app.err" >&2; }
    exit 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
NODB=$(free_port)
"$APP" --listen "127.0.0.1:$PORT" --db "host=127.0.0.1 port=$NODB dbname=zf user=zf connect_timeout=1" \
    --name k1 --zone a --workers 1 >"$T/app.out" 2>"$T/app.err" &
pid=$!
for _ in $(seq 100); do
    python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', $PORT), 0.2).close()" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || fail "zf_app exited at start"
    sleep 0.05
done

python3 - "$PORT" "$pid" <<'EOF' || fail "keep-alive checks"
import os, socket, sys, time

port, pid = int(sys.argv[1]), int(sys.argv[2])
n = 0

def want(cond, msg):
    global n
    if not cond:
        sys.exit("FAIL: " + msg)
    n += 1

def request(extra=""):
    return ("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % extra).encode()

class Reader:
    """Reads whole responses (Content-Length bodies) from one socket."""
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def response(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            rest += chunk
        self.buf = rest[length:]
        return int(lines[0].split()[1]), headers, rest[:length].decode()

def fds():
    return len(os.listdir("/proc/%d/fd" % pid))

# several requests, one after the other, on one connection
s = socket.create_connection(("127.0.0.1", port), 5)
s.settimeout(5)
r = Reader(s)
for i in range(5):
    s.sendall(request())
    try:
        got = r.response()
    except socket.timeout:
        sys.exit("FAIL: request %d on the keep-alive connection was not answered in 5 s" % (i + 1))
    want(got is not None, "request %d: the connection closed instead of answering" % (i + 1))
    status, headers, body = got
    want(status == 200 and '"status":"ok"' in body and '"instance":"k1"' in body,
         "request %d: %s %s" % (i + 1, status, body))
    want(headers.get("connection") == "keep-alive", "request %d: Connection: %s" % (i + 1, headers.get("connection")))
# two pipelined in one write: answered in order
s.sendall(request() + request())
for i in range(2):
    got = r.response()
    want(got is not None and got[0] == 200, "pipelined request %d: %r" % (i + 1, got))
# Connection: close: answered, then the server closes
s.sendall(request("Connection: close\r\n"))
got = r.response()
want(got is not None and got[0] == 200 and got[1].get("connection") == "close",
     "the Connection: close request: %r" % (got,))
want(s.recv(1) == b"", "the server did not close after Connection: close")
s.close()

# N connections, each answered once and closed by the client: no descriptor kept
time.sleep(0.2)
before = fds()
N = 200
for i in range(N):
    c = socket.create_connection(("127.0.0.1", port), 5)
    c.settimeout(5)
    c.sendall(request())
    got = Reader(c).response()
    want(got is not None and got[0] == 200, "connection %d: %r" % (i + 1, got))
    c.close()
deadline = time.time() + 5
while fds() > before and time.time() < deadline:
    time.sleep(0.05)
after = fds()
want(after <= before, "zf_app's descriptors grew from %d to %d over %d closed connections" % (before, after, N))
print("app_keepalive: %d passed (descriptors %d before, %d after %d connections)" % (n, before, after, N))
EOF
kill -0 "$pid" 2>/dev/null || fail "zf_app died during the test"
kill "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" -eq 0 ] || fail "zf_app exited $rc on SIGTERM"
