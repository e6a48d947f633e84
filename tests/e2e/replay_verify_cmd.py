#!/usr/bin/env python3
"""e2e/replay_verify_cmd.py PORT: a verify command for the replay tests. Reads write ids
(one a line) on stdin, asks zf_testserver on 127.0.0.1:PORT for each, and prints
"WRITE_ID COUNT" (0 when the store does not have it), as docs/replay.md specifies."""
import http.client
import json
import sys

conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
for line in sys.stdin:
    wid = line.strip()
    if not wid:
        continue
    conn.request("GET", "/v1/writes/" + wid)
    r = conn.getresponse()
    body = r.read()
    print(wid, json.loads(body)["count"] if r.status == 200 else 0)
