"""The web server under load and faults (issue 21), loopback only, bounded in time: wrk (Debian's `wrk`) on
POST /api/count with one cached body and with a new body per request; slow clients; oversized and malformed
bodies; many concurrent distinct heavy requests while a light one is timed; a restart of the server mid-load; a
soak with the server's RSS at start and end. Prints one line per scenario with the machine's load beside it.

    PYTHONPATH=src nice -n 10 python benchmarks/load.py                    # 10 s a scenario, 60 s soak
    PYTHONPATH=src nice -n 10 python benchmarks/load.py --soak 600         # the issue's 10-minute soak
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent.resolve()
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # benchmarks/inspect.py is not the stdlib's
sys.path.insert(0, str(HERE.parent / "tests" / "web"))
from web_server import Server, start_server, stop_server  # noqa: E402

SCRIPT = """
local counter = 0
local unique = %(unique)s
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "nn.LSTM(100, 256, num_layers=2)"}'
function setup(thread) thread:set("offset", math.random(1, 1000000000)) end
function request()
  if unique then
    counter = counter + 1
    return wrk.format(nil, nil, nil, '{"model": "nn.LSTM(' .. (offset + counter) .. ', 64)"}')
  end
  return wrk.format()
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%.3f, "non2xx": %%d, "connect": %%d, ' ..
    '"read": %%d, "write": %%d, "timeout": %%d, "p50_ms": %%.2f, "p99_ms": %%.2f, "max_ms": %%.2f}\\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def wrk(server: Server, seconds: float, unique: bool, connections: int = 32, threads: int = 2) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(SCRIPT % {"unique": "true" if unique else "false"})
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "5s",
                          "-s", fh.name, f"{server.url}/api/count"], capture_output=True, text=True,
                         timeout=seconds + 60)
    os.unlink(fh.name)
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def show(name: str, r: dict[str, float]) -> None:
    errors = int(r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"])
    print(f"{name:26s} {r['rps']:8,.0f} req/s  p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:7.2f} ms  "
          f"max {r['max_ms']:7.1f} ms  errors {errors} (non-2xx {int(r['non2xx'])}, socket "
          f"{int(r['connect'] + r['read'] + r['write'])}, timeout {int(r['timeout'])})  [{load()}]", flush=True)


def post(server: Server, body: bytes, timeout: float = 30) -> tuple[int, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        conn.request("POST", "/api/count", body=body, headers={"content-type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    finally:
        conn.close()


def bodies(server: Server) -> None:
    cases = {"oversized (1 MiB)": b'{"model": "' + b"x" * (1 << 20) + b'"}', "not JSON": b"{nope",
             "not an object": b"[1, 2]", "wrong field": b'{"modle": "nn.LSTM(1, 1)"}', "empty": b"",
             "not UTF-8": b'{"model": "\xff\xfe"}', "deep JSON": b"[" * 100_000 + b"]" * 100_000}
    answers = []
    for name, body in cases.items():
        status, seconds = post(server, body)
        answers.append(f"{name} {status} ({seconds * 1000:.0f} ms)")
    print("bodies: " + "; ".join(answers) + f"  [{load()}]", flush=True)


def slow_clients(server: Server, clients: int = 20, seconds: float = 5.0) -> None:
    """Clients that send their body a byte at a time while a normal client is timed."""
    body = b'{"model": "nn.LSTM(1, 1)"}'
    stop = time.monotonic() + seconds
    outcome: list[str] = []

    def slow() -> None:
        s = socket.create_connection((server.host, server.port), timeout=seconds + 10)
        try:
            s.sendall(b"POST /api/count HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      + f"Content-Length: {len(body)}\r\n\r\n".encode())
            for byte in body:
                if time.monotonic() > stop:
                    break
                s.sendall(bytes([byte]))
                time.sleep(seconds / len(body))
            s.settimeout(10)
            outcome.append(s.recv(64).split(b"\r\n", 1)[0].decode("latin-1") or "closed")
        except OSError as exc:
            outcome.append(type(exc).__name__)
        finally:
            s.close()

    threads = [threading.Thread(target=slow) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    timed = [post(server, b'{"model": "nn.GRU(7, 9)"}') for _ in range(20)]
    for t in threads:
        t.join()
    worst = max(s for _, s in timed) * 1000
    print(f"slow clients: {clients} sending a byte every {seconds / len(body) * 1000:.0f} ms; meanwhile 20 normal "
          f"requests: statuses {sorted({c for c, _ in timed})}, worst {worst:.0f} ms; slow ones answered "
          f"{sorted(set(outcome))}  [{load()}]", flush=True)


def heavy(server: Server, clients: int = 16) -> None:
    """Distinct heavy requests (200-layer checks, uncached) at once, while a light request is timed."""
    def one(k: int) -> None:
        model = "nn.Sequential(" + ", ".join([f"nn.LSTM({k + 2}, {k + 2})"] * 200) + ")"
        post(server, json.dumps({"model": model}).encode(), timeout=120)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    light = [post(server, b'{"model": "nn.LSTM(3, 5)"}')[1] for _ in range(10)]
    for t in threads:
        t.join()
    print(f"heavy: {clients} distinct 200-layer counts at once took {time.perf_counter() - start:.1f} s; a light "
          f"request meanwhile: worst {max(light) * 1000:.0f} ms  [{load()}]", flush=True)


def restart(seconds: float) -> None:
    """wrk against a port whose server is stopped and started again halfway."""
    server = start_server()
    port = server.port
    result: dict[str, dict[str, float]] = {}
    runner = threading.Thread(target=lambda: result.setdefault("r", wrk(server, seconds, unique=False, connections=8)))
    runner.start()
    time.sleep(seconds / 2)
    stop_server(server.process)
    again = _start_on(port)
    runner.join()
    show("restart mid-load", result["r"])
    stop_server(again.process)


def _start_on(port: int) -> Server:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "rnnparams", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None
    banner = process.stdout.readline().decode()
    return Server(process, "127.0.0.1", port, banner)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per wrk scenario")
    parser.add_argument("--soak", type=float, default=60.0, help="seconds of the soak (the issue asks 600)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)")
        return 2
    server = start_server()
    try:
        print(f"server pid {server.process.pid}, RSS {rss(server.process.pid) / 2**20:.1f} MiB at start  [{load()}]")
        show("cached body", wrk(server, args.seconds, unique=False))
        show("uncached (new body each)", wrk(server, args.seconds, unique=True))
        bodies(server)
        slow_clients(server)
        heavy(server)
        start_rss = rss(server.process.pid)
        soak = wrk(server, args.soak, unique=True, connections=8, threads=1)
        show(f"soak {args.soak:g} s (uncached)", soak)
        print(f"soak RSS: {start_rss / 2**20:.1f} MiB at start, {rss(server.process.pid) / 2**20:.1f} MiB at end")
    finally:
        stop_server(server.process)
    restart(args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
