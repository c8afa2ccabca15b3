"""Killable work for the server: answers that may be heavy are computed in forked worker processes, each
request stopped at its CPU-time bound (`REQUEST_CPU_SECONDS`, enforced by the kernel with a profiling timer),
at a wall-clock bound (`WALL_PER_CPU_SECOND` times that, enforced here) and at a memory bound
(`REQUEST_MEMORY_BYTES`, the kernel's address-space limit). A worker over a bound is killed and a new
one forked in its place; the client gets a 422 that names the limit. Threads could not do this: a thread
cannot be stopped, and one user's heavy requests would take every answer slot from the rest.

This module imports nothing but the standard library: the CLI reads its defaults to build `rnnparams serve`'s
options. Workers are forked from the server's own process (which runs no threads of its own: the API answers on the
event loop), close every inherited descriptor but their socket, run at a lower priority than the server (so
cached and light answers, computed in the server, go first), and exit when the server goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import struct
from collections import deque
from collections.abc import Callable

REQUEST_CPU_SECONDS = 2.0
"""CPU time one uncached web answer may take in its worker; past it the worker is killed (422)."""
WALL_PER_CPU_SECOND = 5
"""Wall-clock seconds one answer may take once a worker has it, per CPU second it is allowed (10 s by default):
for a worker starved of CPU by the rest of the machine, or blocked."""
DEFAULT_WORKERS = 2
"""Worker processes of one server: one per core of a small machine; heavy requests beyond them wait."""
REQUEST_MEMORY_BYTES = 1 << 30
"""Address space a worker may take beyond what it had when forked; past it the answer is a 422 and the worker
is replaced (the web's size limits keep real models far below it)."""
WORKER_NICENESS = 10
"""Workers yield the CPU to the server process, where cached and light answers are computed."""

Answer = tuple[int, bytes]
Compute = Callable[[str, bytes], Answer]
HEADER = struct.Struct("!HI")  # request: verb length, body length; reply: status, body length
OUT_OF_MEMORY = 0
"""The status a worker replies with, before it exits, when an answer ran out of its memory bound."""


class OverLimit(Exception):
    """A request stopped at one of its bounds: the message names the limit."""


def over_cpu(seconds: float) -> str:
    return (f"this request took more than {seconds:g} s of CPU time, the web calculator's bound for one answer "
            "(REQUEST_CPU_SECONDS, `rnnparams serve --request-cpu-seconds`); ask for a smaller model or use the "
            "command line, which has no such bound")


def over_memory(size: int) -> str:
    return (f"this request needed more than {size:,} bytes of memory, the web calculator's bound for one answer "
            "(REQUEST_MEMORY_BYTES); ask for a smaller model or use the command line, which has no such bound")


def over_wall(seconds: float) -> str:
    return (f"this request took more than {seconds:g} s, the web calculator's wall-clock bound for one answer "
            "(WALL_PER_CPU_SECOND times its CPU-time bound, REQUEST_CPU_SECONDS); ask for a smaller model or use "
            "the command line, which has no such bound")


class Worker:
    """One forked process and the server's end of its socket."""

    def __init__(self, compute: Compute, cpu_seconds: float) -> None:
        parent, child = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns (coverage cannot see it)
            parent.close()
            _worker_main(child, compute, cpu_seconds)
        child.close()
        parent.setblocking(False)
        self.pid = pid
        self.sock = parent

    def kill(self) -> int:
        """Stop the process, reap it, and say what stopped it (the signal number, or 0)."""
        self.sock.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        return os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0


def _worker_main(sock: socket.socket, compute: Compute, cpu_seconds: float) -> None:  # pragma: no cover
    """Answer requests from the server until it closes the socket. SIGPROF, at its default action, ends the
    process when the timer set for one request runs out of CPU time: the kernel stops it mid-computation,
    in C code too."""
    status = 0
    try:
        keep = sock.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the server's handler, inherited by the fork
        signal.signal(signal.SIGPROF, signal.SIG_DFL)
        os.nice(WORKER_NICENESS)
        _bound_memory(REQUEST_MEMORY_BYTES)
        while True:
            head = _read(sock, HEADER.size)
            if head is None:
                break
            verb_len, body_len = HEADER.unpack(head)
            data = _read(sock, verb_len + body_len)
            if data is None:
                break
            signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
            try:
                code, reply = compute(data[:verb_len].decode(), data[verb_len:])
            except MemoryError:
                code, reply = OUT_OF_MEMORY, b""
            except Exception as exc:  # a bug in rnnparams: the server answers 500, as it does for its own
                from .service import error_body, internal_error

                code, reply = 500, error_body(internal_error(exc))
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
            sock.sendall(HEADER.pack(code, len(reply)) + reply)
            if code == OUT_OF_MEMORY:
                break  # its heap is spent: the server forks a fresh worker
    except BaseException:
        status = 1
    os._exit(status)


def _bound_memory(extra: int) -> None:  # pragma: no cover - runs in the worker
    """Limit the address space to what the fork has plus `extra` (a MemoryError past it, not the OOM killer)."""
    import resource

    pages = int(open("/proc/self/statm").read().split()[0])  # noqa: SIM115 (one read of a proc file)
    limit = pages * os.sysconf("SC_PAGE_SIZE") + extra
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _read(sock: socket.socket, size: int) -> bytes | None:  # pragma: no cover - runs in the worker
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


class WorkerPool:
    """`size` workers, each answering one request at a time; requests wait (in order) for a free one."""

    def __init__(self, compute: Compute, size: int = DEFAULT_WORKERS, cpu_seconds: float = REQUEST_CPU_SECONDS,
                 wall_seconds: float | None = None) -> None:
        self.compute = compute
        self.cpu_seconds = cpu_seconds
        self.wall_seconds = cpu_seconds * WALL_PER_CPU_SECOND if wall_seconds is None else wall_seconds
        self.replaced = 0
        self._idle: deque[Worker] = deque(Worker(compute, cpu_seconds) for _ in range(size))
        self._waiting: deque[asyncio.Future[Worker]] = deque()
        self._all = list(self._idle)

    async def answer(self, verb: str, body: bytes) -> Answer:
        """The worker's answer; raises OverLimit when the request was stopped at a bound."""
        worker = await self._acquire()
        try:
            reply = await asyncio.wait_for(self._ask(worker, verb, body), self.wall_seconds)
        except (asyncio.TimeoutError, ConnectionError, EOFError) as exc:
            killed = self._replace(worker)
            if killed == signal.SIGPROF:
                raise OverLimit(over_cpu(self.cpu_seconds)) from None
            if isinstance(exc, asyncio.TimeoutError):
                raise OverLimit(over_wall(self.wall_seconds)) from None
            raise  # the worker died of something else: a bug, answered as one
        except BaseException:  # the client went away mid-answer: the worker's state is unknown
            self._replace(worker)
            raise
        if reply[0] == OUT_OF_MEMORY:
            self._replace(worker)
            raise OverLimit(over_memory(REQUEST_MEMORY_BYTES))
        self._release(worker)
        return reply

    async def _ask(self, worker: Worker, verb: str, body: bytes) -> Answer:
        loop = asyncio.get_running_loop()
        name = verb.encode()
        await loop.sock_sendall(worker.sock, HEADER.pack(len(name), len(body)) + name + body)
        code, size = HEADER.unpack(await _receive(loop, worker.sock, HEADER.size))
        return code, await _receive(loop, worker.sock, size)

    async def _acquire(self) -> Worker:
        if self._idle:
            return self._idle.popleft()
        waiter: asyncio.Future[Worker] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())
            raise

    def _release(self, worker: Worker) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _replace(self, worker: Worker) -> int:
        killed = worker.kill()
        self._all.remove(worker)
        fresh = Worker(self.compute, self.cpu_seconds)
        self._all.append(fresh)
        self.replaced += 1
        self._release(fresh)
        return killed

    def pids(self) -> list[int]:
        return [w.pid for w in self._all]

    def close(self) -> None:
        for worker in self._all:
            worker.kill()
        self._all.clear()
        self._idle.clear()


async def _receive(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = await loop.sock_recv(sock, size - len(data))
        if not chunk:
            raise EOFError("the worker closed its socket")
        data += chunk
    return bytes(data)
