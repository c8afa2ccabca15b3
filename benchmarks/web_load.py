"""A bounded load on loopback against POST /api/count of `rnnparams serve`: requests per second, latency
percentiles, errors.

    python benchmarks/web_load.py                       # starts a server on a free port, 10 s, 16 connections
    python benchmarks/web_load.py --url http://127.0.0.1:8000 --seconds 10 --connections 32
    python benchmarks/web_load.py --unique              # every body different: no answer comes from the cache

The client is asyncio with raw keep-alive HTTP/1.1 connections (uvloop when installed), in its own process,
so on a 2-core machine the server and the load each have a core. Every response is read in full and its
status checked; anything but 200 counts as an error. Target (issue #7, 2 cores): >= 1,500 requests/s,
p99 <= 25 ms, 0 errors.
"""

from __future__ import annotations

import os
import sys

# benchmarks/inspect.py would shadow the standard library's inspect (which dataclasses and asyncio import)
# when this script runs from this folder: take the folder off the path first.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

MODELS = [
    "nn.LSTM(100, 256)",
    "nn.GRU(128, 256, num_layers=2, bidirectional=True)",
    "nn.Embedding(10000, 128); nn.LSTM(128, 256, batch_first=True); nn.Linear(256, 10)",
    "Sequential([Input((35, 100)), LSTM(256)])",
    "SimpleRNN(4, input_shape=[50, 3]); Dense(1)",
    "Sequential([Input((None, 64)), Bidirectional(GRU(128, return_sequences=True)), GRU(64), Dense(3)])",
    "nn.LSTM(64, 128, num_layers=3, proj_size=32)",
    "nn.Conv1d(16, 32, 3); nn.BatchNorm1d(32); nn.Dropout(0.1)",
]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def bodies(unique: bool) -> list[bytes]:
    if not unique:
        return [json.dumps({"model": m}).encode() for m in MODELS]
    return [json.dumps({"model": f"nn.LSTM({i % 997 + 1}, {i // 997 + 1})"}).encode() for i in range(400_000)]


async def connection(host: str, port: int, path: str, payloads: list[bytes], start: int, stride: int,
                     deadline: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n".encode()
    i = start
    try:
        while time.perf_counter() < deadline:
            body = payloads[i % len(payloads)]
            i += stride
            t0 = time.perf_counter()
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            tally.latencies.append(time.perf_counter() - t0)
            status = int(status_line.split()[1]) if status_line else 0
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            if status != 200:
                tally.errors += 1
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        tally.errors += 1
    finally:
        writer.close()


async def load(url: str, seconds: float, connections: int, unique: bool, warmup: float) -> tuple[Tally, float]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    payloads = bodies(unique)
    if warmup > 0:
        await asyncio.gather(*(connection(host, port, "/api/count", payloads, k, connections,
                                          time.perf_counter() + warmup, Tally()) for k in range(connections)))
    tally = Tally()
    start = time.perf_counter()
    offset = 0 if not unique else 200_000  # measured bodies are new to the server after the warm-up
    await asyncio.gather(*(connection(host, port, "/api/count", payloads, offset + k, connections,
                                      start + seconds, tally) for k in range(connections)))
    return tally, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "rnnparams", "serve", "--port", "0"],
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"(http://[^/\s]+)/", line)
    if not match:
        process.terminate()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, match.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one on a free loopback port)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring")
    parser.add_argument("--unique", action="store_true", help="a different body every request (no cache hits)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not 0 < args.seconds <= 120 or not 0 < args.connections <= 512:
        parser.error("keep it bounded: 0 < --seconds <= 120, 0 < --connections <= 512")
    try:
        import uvloop

        uvloop.install()
        loop_name = "uvloop"
    except ImportError:
        loop_name = "asyncio"
    process, url = start_server() if args.url is None else (None, args.url)
    try:
        time.sleep(0.3)
        tally, elapsed = asyncio.run(load(url, args.seconds, args.connections, args.unique, args.warmup))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
    n = len(tally.latencies)
    figures = {
        "url": url, "client": loop_name, "seconds": round(elapsed, 2), "connections": args.connections,
        "bodies": "unique" if args.unique else f"{len(MODELS)} models, repeated", "requests": n,
        "requests_per_s": round(n / elapsed, 1), "errors": tally.errors, "statuses": tally.statuses,
        "latency_ms": {name: round(percentile(tally.latencies, q) * 1000, 2)
                       for name, q in (("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("max", 1.0))},
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        lat = figures["latency_ms"]
        print(f"{n:,} requests in {elapsed:.1f} s over {args.connections} connections ({figures['bodies']}, "
              f"{loop_name} client, {os.cpu_count()} CPUs)")
        print(f"  {figures['requests_per_s']:,.0f} requests/s   errors {tally.errors}   statuses {tally.statuses}")
        print(f"  latency p50 {lat['p50']} ms   p90 {lat['p90']} ms   p99 {lat['p99']} ms   max {lat['max']} ms")
    ok = figures["requests_per_s"] >= 1500 and lat_ok(figures) and tally.errors == 0
    return 0 if ok or args.unique else 1


def lat_ok(figures: dict[str, object]) -> bool:
    lat = figures["latency_ms"]
    assert isinstance(lat, dict)
    return bool(lat["p99"] <= 25)


if __name__ == "__main__":
    sys.exit(main())
