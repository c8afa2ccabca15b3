"""Helpers of the web tests: a real `rnnparams serve` subprocess on a free loopback port, and screenshots."""

from __future__ import annotations

import http.client
import json
import os
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).parent / "artifacts"
START_TIMEOUT = 20.0
REQUEST_TIMEOUT = 30.0
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    banner: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def post(self, verb: str, payload: Any) -> tuple[int, Any]:
        status, headers, data = self.request("POST", f"/api/{verb}", json.dumps(payload).encode(),
                                             {"content-type": "application/json"})
        assert headers["content-type"].startswith("application/json"), headers
        return status, json.loads(data)


def start_server(*args: str, timeout: float = START_TIMEOUT) -> Server:
    """`python -m rnnparams serve --port 0 ARGS`; waits for the line that names its address."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "rnnparams", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or process.poll() is not None:
            stop_server(process)
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"rnnparams serve did not start: {line!r} {err}")
        ready, _, _ = select.select([process.stdout], [], [], remaining)
        if ready:
            chunk = os.read(process.stdout.fileno(), 1)
            if not chunk:
                continue
            line += chunk
    banner = line.decode()
    match = re.search(r"http://(\[[^\]]+\]|[^:/]+):(\d+)/", banner)
    assert match, banner
    server = Server(process, match.group(1), int(match.group(2)), banner)
    for _ in range(100):  # the banner comes just before uvicorn takes the socket; wait until it answers
        try:
            if server.request("GET", "/api/info")[0] == 200:
                return server
        except OSError:
            time.sleep(0.05)
    stop_server(process)
    raise RuntimeError("rnnparams serve printed its address but does not answer")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
