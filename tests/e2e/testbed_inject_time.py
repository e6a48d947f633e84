#!/usr/bin/env python3
"""testbed_inject_time: how long a fault action takes from its start (the instant the
replayer schedules it) to the fault itself, on a running test bed (root).

  testbed_inject_time.py KIND [TARGET] [--dir DIR] [--runs N] [--busy N]
  KIND: db-primary-kill (the fault is the primary's postmaster dying; Patroni's death is
  reported too) or zone-down (the zone's bridge port going down, seen by `ip monitor`).

Each run waits for a healthy bed (`testbed.sh status` exit 0, and a synchronous standby
when the bed replicates synchronously), injects, heals. --busy N runs N busy loops (CPU
hogs of this script's own, stopped at the end) to mimic a loaded machine. Prints one line
per run and min/median/max in ms."""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTBED = os.environ.get("ZF_TESTBED_DIR", os.path.join(HERE, "..", "..", "testbed"))


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.readline().strip())
    except (FileNotFoundError, ValueError):
        return None


def wait_healthy(state, limit_s=120):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        st = subprocess.run([os.path.join(TESTBED, "testbed.sh"), "status", "--dir", state],
                            capture_output=True, text=True)
        out = st.stdout + st.stderr
        if st.returncode == 0 and ("sync replication" not in out or "synchronous standby" in out
                                   or "mode patroni" not in out):
            return True
        time.sleep(1)
    return False


def run_fault(kind, target, state, action):
    return subprocess.Popen([os.path.join(TESTBED, "faults", kind + ".sh"), action] +
                            ([target] if target else []) + ["--dir", state],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def measure_kill(state, target):
    pms = {z: read_pid(os.path.join(state, "pg", z, "data", "postmaster.pid")) for z in "ab"}
    pts = {z: read_pid(os.path.join(state, "pids", z + "-patroni.pid")) for z in "ab"}
    t0 = time.monotonic()
    p = run_fault("db-primary-kill", target, state, "inject")
    t_pm = t_pt = None
    while t_pm is None or t_pt is None:
        now = time.monotonic()
        if now - t0 > 10:
            break
        for z in "ab":
            if t_pm is None and pms[z] and not alive(pms[z]):
                t_pm, zone = now, z
            if t_pt is None and pts[z] and not alive(pts[z]):
                t_pt = now
        time.sleep(0.0005)
    rc = p.wait()
    t_end = time.monotonic()
    ms = lambda t: None if t is None else round((t - t0) * 1000, 1)
    return {"rc": rc, "fault_ms": ms(t_pm), "patroni_ms": ms(t_pt), "end_ms": ms(t_end),
            "err": p.stderr.read().strip().splitlines()[-1:] }


def measure_zone_down(state, target):
    mon = subprocess.Popen(["ip", "-n", "zf-core", "monitor", "link"], stdout=subprocess.PIPE,
                           text=True)
    seen = {}

    def reader():
        for line in mon.stdout:  # "5: port-a@if2: <BROADCAST,MULTICAST> ... state DOWN"
            flags = line.split("<", 1)[1].split(">", 1)[0].split(",") if "<" in line else []
            if ("port-%s@" % target in line or "port-%s:" % target in line) and "UP" not in flags:
                seen.setdefault("t", time.monotonic())

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    time.sleep(0.3)  # the monitor is listening
    t0 = time.monotonic()
    p = run_fault("zone-down", target, state, "inject")
    rc = p.wait()
    t_end = time.monotonic()
    time.sleep(0.2)
    mon.terminate()
    mon.wait()
    ms = lambda t: None if t is None else round((t - t0) * 1000, 1)
    return {"rc": rc, "fault_ms": ms(seen.get("t")), "end_ms": ms(t_end),
            "err": p.stderr.read().strip().splitlines()[-1:]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["db-primary-kill", "zone-down"])
    ap.add_argument("target", nargs="?", default="")
    ap.add_argument("--dir", default=os.environ.get("ZF_TESTBED_STATE", "/tmp/zonefall-testbed"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--busy", type=int, default=0)
    a = ap.parse_args()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(a.busy)]
    results = []
    try:
        for i in range(a.runs):
            if not wait_healthy(a.dir):
                print("bed not healthy within 120 s", file=sys.stderr)
                return 1
            if a.kind == "db-primary-kill":
                r = measure_kill(a.dir, a.target)
            else:
                r = measure_zone_down(a.dir, a.target or "c")
            print("run %d: %s" % (i + 1, r), flush=True)
            results.append(r["fault_ms"])
            h = run_fault(a.kind, a.target or ("c" if a.kind == "zone-down" else ""), a.dir, "heal")
            h.wait()
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    got = [x for x in results if x is not None]
    if got:
        print("%s inject to fault: min %.1f ms, median %.1f ms, max %.1f ms (%d runs, busy %d)"
              % (a.kind, min(got), statistics.median(got), max(got), len(got), a.busy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
