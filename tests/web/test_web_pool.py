"""The server's killable work (web/pool.py): a request over its CPU-time bound gets a 422 that names the limit
and its worker is killed and replaced; light requests answer while heavy ones hold every worker; cached
answers never reach the pool; and the API's fast path (Guard) answers the bytes and headers the FastAPI route
would. The bounds here are small (0.3 s of CPU) so the module takes a few seconds."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'rnnparams[web]'")

from web_server import Server, start_server, stop_server

from rnnparams.web import service
from rnnparams.web.app import Guard, create_app
from rnnparams.web.pool import REQUEST_MEMORY_BYTES, WALL_PER_CPU_SECOND, OverLimit, WorkerPool

CPU = 0.3
# 1,000 layers (the web's most), each distinct: an estimate of it takes seconds of CPU (docs/reliability.md,
# "Cost that grows linearly"), far past CPU.
HEAVY = {"model": "nn.Sequential(" + ", ".join(f"nn.LSTM({k + 2}, {k + 3}, num_layers=5)" for k in range(200))
         + ")", "batch": 2, "seq_len": 3}


def _run(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: playwright's sync API (the browser tests) leaves an event loop
    running in the main thread for the rest of the session, where asyncio.run refuses to start."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()



@pytest.fixture(scope="module")
def bounded() -> Iterator[Server]:
    srv = start_server("--workers", "1", "--request-cpu-seconds", str(CPU))
    try:
        yield srv
    finally:
        stop_server(srv.process)


def children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return {int(p) for p in out.split()}


def test_a_request_over_its_cpu_bound_is_a_422_naming_the_limit_and_its_worker_is_replaced(bounded: Server) -> None:
    before = children(bounded.process.pid)
    assert len(before) == 1  # --workers 1
    start = time.perf_counter()
    status, body = bounded.post("estimate", HEAVY)
    took = time.perf_counter() - start
    assert status == 422, body
    # The CPU bound, or on a machine too busy to give the worker 0.3 s of CPU in 1.5 s, the wall clock's
    assert ((f"more than {CPU:g} s of CPU time" in body["error"] and "--request-cpu-seconds" in body["error"])
            or f"more than {CPU * WALL_PER_CPU_SECOND:g} s, the web calculator's wall-clock" in body["error"])
    assert "REQUEST_CPU_SECONDS" in body["error"]
    assert took < CPU * WALL_PER_CPU_SECOND + 5  # stopped at its bound, not run to the end
    after = children(bounded.process.pid)
    assert len(after) == 1 and after != before  # killed and replaced
    # The new worker answers: a model past the inline size goes to it, and the same heavy request again is
    # refused again (a refusal at a bound depends on the machine's load: it is not cached).
    status, body = bounded.post("count", {"model": "nn.LSTM(3, 4, num_layers=20)"})
    assert status == 200 and body["total_params"] == 4 * 4 * (3 + 4 + 2) + 19 * 4 * 4 * (4 + 4 + 2), body
    assert bounded.post("estimate", HEAVY)[0] == 422


def test_a_light_request_answers_while_heavy_ones_hold_every_worker(bounded: Server) -> None:
    finished: list[float] = []
    start = time.perf_counter()

    def heavy(k: int) -> None:
        payload = {**HEAVY, "batch": 3 + k}  # distinct bodies: none answered from the cache
        assert bounded.post("estimate", payload)[0] == 422
        finished.append(time.perf_counter() - start)

    threads = [threading.Thread(target=heavy, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    light = []
    for k in range(5):
        t0 = time.perf_counter()
        status, body = bounded.post("count", {"model": f"nn.GRU({k + 5}, 9)"})
        light.append(time.perf_counter() - t0)
        assert status == 200 and body["total_params"] == 3 * 9 * (k + 5 + 9 + 2)
    for t in threads:
        t.join()
    # One worker takes the four heavy requests in turn, each at least CPU seconds: the light ones, answered in
    # the server itself, did not wait behind them.
    assert max(finished) >= 4 * CPU
    assert max(light) < max(finished) / 2, (light, finished)
    assert len(children(bounded.process.pid)) == 1


# --- the pool on its own -----------------------------------------------------------------------------------

def _spin(verb: str, body: bytes) -> tuple[int, bytes]:
    if verb == "spin":
        while True:
            pass
    if verb == "sleep":
        time.sleep(60)
    if verb == "fail":
        raise RuntimeError("a bug")
    if verb == "hoard":
        hoard = bytearray(2 * REQUEST_MEMORY_BYTES)  # refused by the address-space limit before it is touched
        return 200, bytes(len(hoard))
    return 200, verb.encode() + body


def test_the_pool_stops_cpu_and_wall_clock_overruns_and_answers_after() -> None:
    async def scenario() -> list[Any]:
        # A wall clock far past the CPU bound, then one far below it: each bound seen on its own, whatever the
        # machine's load.
        cpu_bound = WorkerPool(_spin, size=1, cpu_seconds=0.2, wall_seconds=60)
        wall_bound = WorkerPool(_spin, size=1, cpu_seconds=30, wall_seconds=0.5)
        results: list[Any] = []
        try:
            results.append(await cpu_bound.answer("echo", b"1"))
            for pool, verb in ((cpu_bound, "spin"), (wall_bound, "sleep"), (cpu_bound, "hoard")):
                try:
                    await pool.answer(verb, b"")
                except OverLimit as exc:
                    results.append(str(exc))
            results.append(await cpu_bound.answer("fail", b""))
            results.append(await cpu_bound.answer("echo", b"2"))
            results.append((cpu_bound.replaced, wall_bound.replaced))
            return results
        finally:
            cpu_bound.close()
            wall_bound.close()

    echo, cpu, wall, memory, failed, again, replaced = _run(scenario())
    assert echo == (200, b"echo1") and again == (200, b"echo2")
    assert "more than 0.2 s of CPU time" in cpu and "REQUEST_CPU_SECONDS" in cpu
    assert "more than 0.5 s, the web calculator's wall-clock bound" in wall  # sleeping takes no CPU
    assert f"more than {REQUEST_MEMORY_BYTES:,} bytes of memory" in memory and "REQUEST_MEMORY_BYTES" in memory
    assert failed[0] == 500 and b"RuntimeError" in failed[1]
    assert replaced == (2, 1)


# --- the app: cache, routing, fast path ------------------------------------------------------------------

class CountingPool:
    """Stands in for WorkerPool: counts what reaches it."""

    def __init__(self, refuse: bool = False) -> None:
        self.asked: list[tuple[str, bytes]] = []
        self.refuse = refuse

    async def answer(self, verb: str, body: bytes) -> tuple[int, bytes]:
        self.asked.append((verb, body))
        if self.refuse:
            raise OverLimit("over")
        return service.answer(verb, body)


async def _asgi(app: Any, path: str, body: bytes, method: str = "POST") -> tuple[int, list[Any], bytes]:
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())],
             "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
             "root_path": "", "app": app}
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], sent[0]["headers"], b"".join(m.get("body", b"") for m in sent[1:])


def test_cached_answers_never_reach_the_pool_and_light_ones_are_answered_on_the_spot() -> None:
    pool = CountingPool()
    app = create_app(pool=pool)  # type: ignore[arg-type]
    big = json.dumps({"model": "nn.LSTM(3, 4, num_layers=9)"}).encode()  # past service.INLINE_LAYERS
    small = json.dumps({"model": "nn.LSTM(3, 4)"}).encode()

    async def scenario() -> list[int]:
        return [(await _asgi(app, path, body))[0] for path, body in
                [("/api/count", big), ("/api/count", big), ("/api/count", small), ("/api/explain", small)]]

    assert _run(scenario()) == [200] * 4
    assert pool.asked == [("count", big)]


def test_a_refusal_at_a_bound_is_not_cached() -> None:
    pool = CountingPool(refuse=True)
    app = create_app(pool=pool)  # type: ignore[arg-type]
    big = json.dumps({"model": "nn.LSTM(3, 4, num_layers=9)"}).encode()

    async def scenario() -> list[tuple[int, bytes]]:
        return [(s, b) for s, _, b in [await _asgi(app, "/api/count", big) for _ in range(2)]]

    assert _run(scenario()) == [(422, service.error_body("over"))] * 2
    assert len(pool.asked) == 2


@pytest.mark.parametrize(("verb", "payload"), [
    ("count", {"model": "nn.LSTM(100, 256)"}),
    ("count", {"model": "nn.LSTM(3, 4, num_layers=12)"}),
    ("explain", {"model": "LSTM(8, input_shape=(5, 3))", "lang": "zh"}),
    ("check", {"model": "nn.GRU(5, 7)", "claimed": 100}),
    ("sweep", {"model": "nn.GRU(5, 7)", "vary": "hidden_size=1..4"}),
    ("count", {"model": "nn.LSTM(0, 1)"}),
    ("count", {"modle": 1}),
    ("build", {"framework": "pytorch", "layers": [{"family": "lstm", "values": {"in": 3, "units": 4}}]}),
])
def test_the_fast_path_answers_what_the_fastapi_route_answers(verb: str, payload: object) -> None:
    body = json.dumps(payload).encode()
    fast = create_app(pool=CountingPool())  # type: ignore[arg-type]
    routed = create_app()
    guard = next(m for m in routed.user_middleware if m.cls is Guard)
    guard.kwargs["answers"] = None  # Guard only guards: FastAPI's route answers

    async def both() -> tuple[Any, Any]:
        return await _asgi(fast, f"/api/{verb}", body), await _asgi(routed, f"/api/{verb}", body)

    (s1, h1, b1), (s2, h2, b2) = _run(both())
    assert (s1, b1) == (s2, b2)
    assert h1 == h2



@pytest.mark.parametrize(("verb", "payload", "inline"), [
    ("count", {"model": "nn.LSTM(3, 4, num_layers=8)"}, True),
    ("count", {"model": "nn.LSTM(3, 4, num_layers=9)"}, False),  # past INLINE_LAYERS
    ("count", {"model": "import torch.nn as nn\nm = nn.LSTM(3, 4)\n"}, False),  # model code: its reader's 5 s
    ("count", {"model": "nn.LSTM(3, 4)" + " " * service.INLINE_BODY_BYTES}, False),
    ("solve", {"model": "nn.LSTM(3, 4)", "vary": "hidden_size", "params": 1000}, False),
    ("count", {"model": "nn.LSTM(0, 4)"}, True),  # a refusal is answered on the spot
    ("count", {"model": 5}, True),
])
def test_what_is_answered_on_the_spot(verb: str, payload: object, inline: bool) -> None:
    body = json.dumps(payload).encode()
    got = service.answer_inline(verb, body)
    assert (got is not None) == inline
    assert got is None or got == service.answer(verb, body)


def test_several_server_processes_share_the_port_and_one_killed_is_replaced() -> None:
    srv = start_server("--processes", "2", "--workers", "1")
    try:
        servers = children(srv.process.pid)
        assert len(servers) == 2 and all(len(children(pid)) == 1 for pid in servers)
        os.kill(next(iter(servers)), signal.SIGKILL)
        deadline = time.monotonic() + 20
        while len(children(srv.process.pid)) != 2 or children(srv.process.pid) == servers:
            assert time.monotonic() < deadline, children(srv.process.pid)
            time.sleep(0.1)
        assert all(srv.post("count", {"model": f"nn.LSTM({k + 1}, 2)"})[0] == 200 for k in range(20))
        now = children(srv.process.pid)
        family = now | {w for pid in now for w in children(pid)}
        assert len(family) == 4
    finally:
        stop_server(srv.process)
    assert srv.process.returncode == 0
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in family):  # every server and worker stopped with it
        assert time.monotonic() < deadline, [pid for pid in family if os.path.exists(f"/proc/{pid}")]
        time.sleep(0.1)
