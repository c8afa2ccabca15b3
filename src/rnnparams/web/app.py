"""The FastAPI skin over `service`: the calculator page, its assets, the JSON API and its OpenAPI schema.

Routes: `GET /` (the page), `GET /static/<file>` (its CSS, JS modules and icon, shipped in the package: no CDN),
`GET /api/info`, `GET /api/catalog` (what the page builds its controls and words from),
`POST /api/{count,explain,formula,check,compare,estimate}`, `POST /api/build` (the page's stack as an
expression), `GET /openapi.json`.
Every error is JSON `{"error": "<message>"}` with a 4xx status.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import ipaddress
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..render.catalog import catalog as render_catalog
from . import service
from .pool import DEFAULT_WORKERS, REQUEST_CPU_SECONDS, OverLimit, WorkerPool
from .schemas import MAX_DIM, REQUESTS, BuildAnswer, BuildRequest, CatalogAnswer, ErrorBody

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("rnnparams.web")

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
                 "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml", "json": "application/json"}
GET_PATHS = frozenset({"/", "/api/info", "/api/catalog", "/openapi.json"})
PAGE_HEADERS = {
    # The page loads nothing from anywhere else, and nothing else may frame it.
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
MAX_PARALLEL_ANSWERS = 4
"""Without a worker pool (an app built by `create_app` alone), answers not in the cache are computed in
threads, a few at a time, so that cached answers stay fast."""
API_PATHS = {f"/api/{verb}": verb for verb in service.BODIES}

SUMMARIES = {
    "count": ("Count parameters", "Totals, trainable / non-trainable, PyTorch buffers, and every layer's shapes and "
                                  "tensors: the JSON of `rnnparams count --json`."),
    "explain": ("Explain every number", "The JSON of `rnnparams explain --json`, plus the explanation rendered as "
                                        "`text` and `markdown` in `lang` (en or zh)."),
    "formula": ("Closed-form formula", "The JSON of `rnnparams formula --json`: the model's count as one formula "
                                       "in the conventions' symbols."),
    "check": ("Check a claimed count", "The JSON of `rnnparams check --json`: whether `claimed` is right and, if "
                                       "not, the mistakes that produce it; `text` renders it in `lang`."),
    "compare": ("Compare across frameworks", "The JSON of `rnnparams compare --json`: the same architecture "
                                             "counted tensor by tensor in each framework; `text` renders it."),
    "estimate": ("Estimate memory and FLOPs", "The JSON of `rnnparams estimate --json`: memory and compute of one "
                                              "training or inference step; `text` renders it. 501 when this "
                                              "version has no estimates."),
    "solve": ("Solve a size for a budget", "The JSON of `rnnparams solve --json`: the largest (or smallest) value "
                                           "of one size within a parameter, memory or FLOPs budget, counted "
                                           "exactly, with the value beyond it; `text` renders it in `lang`."),
    "sweep": ("Sweep a size", "One record per value (the fields of `rnnparams count --json`, with `estimate` when "
                              "one was asked), `series` (the chart's points) and `svg` (the chart). At most 1,000 "
                              "values a request (4xx beyond)."),
}


def error_response(status: int, message: str) -> Response:
    return Response(service.error_body(message), status_code=status, media_type="application/json")


class Guard:
    """ASGI middleware: refuses bodies over `max_body` bytes (413) before anything parses them, refuses Host
    names outside `allowed_hosts` (a page on another site cannot reach a loopback server by DNS rebinding),
    and marks every answer `nosniff`. It also answers POST /api/<verb> itself, through `answers`, with the
    bytes and headers the FastAPI route would send: that path is the server's hot one, and FastAPI's routing
    and request objects were most of its cost."""

    def __init__(self, app: ASGIApp, max_body: int, allowed_hosts: frozenset[str] | None,
                 answers: Callable[[str, bytes], Awaitable[tuple[int, bytes]]] | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.allowed_hosts = allowed_hosts
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.allowed_hosts is not None and _host_name(headers.get(b"host", b"")) not in self.allowed_hosts:
            await _send(send, 421, "this server answers only to its loopback address (127.0.0.1 or localhost)")
            return

        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-content-type-options", b"nosniff")]
            await send(message)

        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send_nosniff)
            return
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _send(send, 400, "Content-Length is not a number")
                return
            if int(declared) > self.max_body:
                await _send(send, 413, self._too_large(int(declared)))
                return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await _send(send, 413, self._too_large(None))
                return
            if not message.get("more_body", False):
                break
        verb = API_PATHS.get(scope["path"]) if self.answers is not None and scope["method"] == "POST" else None
        if verb is not None:
            assert self.answers is not None
            try:
                status, data = await self.answers(verb, bytes(body))
            except Exception as exc:
                log.error("internal error answering %s", scope["path"], exc_info=exc)
                status, data = 500, service.error_body(service.internal_error(exc))
            await send({"type": "http.response.start", "status": status, "headers": [
                (b"content-length", str(len(data)).encode()), (b"content-type", b"application/json"),
                (b"x-content-type-options", b"nosniff")]})
            await send({"type": "http.response.body", "body": data})
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_nosniff)

    def _too_large(self, size: int | None) -> str:
        got = f" ({size:,} bytes)" if size is not None else ""
        return f"the request is too large{got}; the web calculator takes at most {self.max_body:,} bytes"


def _host_name(host: bytes) -> str:
    text = host.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[: text.find("]") + 1]
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


async def _send(send: Send, status: int, message: str) -> None:
    body = service.error_body(message)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def load_static() -> dict[str, tuple[bytes, str, str]]:
    """name -> (content, content type, ETag) of every file shipped in web/static."""
    out = {}
    for entry in resources.files("rnnparams.web").joinpath("static").iterdir():
        suffix = entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in CONTENT_TYPES:
            data = entry.read_bytes()
            out[entry.name] = (data, CONTENT_TYPES[suffix], '"' + hashlib.sha256(data).hexdigest()[:16] + '"')
    return out


def create_app(*, allowed_hosts: frozenset[str] | None = None, cache: service.AnswerCache | None = None,
               pool: WorkerPool | None = None) -> FastAPI:
    """The web application. `allowed_hosts` None answers to any Host header (for a deliberate public bind).
    With a `pool`, answers not in the cache are computed on the spot when predicted cheap and in the pool's
    worker processes otherwise, each bounded in CPU time; without one, in threads (a test's or an embedder's
    app)."""
    app = FastAPI(
        title="rnnparams", version=__version__, docs_url=None, redoc_url=None,  # their pages load from a CDN
        description="Count, explain, check and compare the parameters of recurrent networks exactly as PyTorch "
                    "and Keras count them. Every endpoint answers with the same JSON as the command line's "
                    "`--json`; errors are 4xx with `{\"error\": \"<message>\"}`.")
    static = load_static()
    answers = cache if cache is not None else service.AnswerCache()
    parallel = asyncio.Semaphore(MAX_PARALLEL_ANSWERS)

    async def compute(verb: str, body: bytes) -> tuple[int, bytes]:
        """The answer from the cache, or computed and kept there (a refusal at a bound is not kept: it depends
        on the machine's load)."""
        key = (verb, body)
        hit = answers.get(key)
        if hit is not None:
            return hit
        if pool is None:
            async with parallel:
                hit = await run_in_threadpool(service.answer, verb, body)
        else:
            hit = service.answer_inline(verb, body)
            if hit is None:
                try:
                    hit = await pool.answer(verb, body)
                except OverLimit as exc:
                    return 422, service.error_body(str(exc))
        answers.put(key, hit)
        return hit

    app.add_middleware(Guard, max_body=service.MAX_BODY_BYTES, allowed_hosts=allowed_hosts, answers=compute)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if exc.status_code == 404:
            return error_response(404, f"no such page: {path} (the API is POST /api/<verb>; see /openapi.json)")
        if exc.status_code == 405:
            allowed = "GET" if path in GET_PATHS or path.startswith("/static/") else "POST"
            refused = error_response(405, f"{path} takes {allowed}, not {request.method}")
            refused.headers["allow"] = allowed  # RFC 9110: a 405 names the methods the path takes
            return refused
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(422, "invalid request: " + "; ".join(str(e.get("msg", e)) for e in exc.errors()[:3]))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        log.error("internal error answering %s", request.url.path, exc_info=exc)
        return error_response(500, service.internal_error(exc))

    def page(name: str, request: Request) -> Response:
        data, content_type, etag = static[name]
        headers = {"cache-control": "no-cache", "etag": etag, **(PAGE_HEADERS if name.endswith(".html") else {})}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(data, media_type=content_type, headers=headers)

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        return page("index.html", request)

    @app.get("/static/{name}", include_in_schema=False)
    async def asset(name: str, request: Request) -> Response:
        if name not in static or name == "index.html":
            return error_response(404, f"no such file /static/{name}")
        return page(name, request)

    @app.get("/api/info", summary="Version, frameworks and limits",
             responses={200: {"description": "What this server offers."}})
    async def info() -> dict[str, Any]:
        from ..conventions import FRAMEWORKS

        verbs = [v for v in service.VERBS if v != "estimate" or service.estimate_available()]
        return {"version": __version__, "verbs": verbs,
                "frameworks": [{"id": f, "name": FRAMEWORKS[f].display} for f in FRAMEWORKS],
                "limits": {"body_bytes": service.MAX_BODY_BYTES, "layers": service.MAX_LAYERS,
                           "check_layers": service.MAX_CHECK_LAYERS, "dimension": MAX_DIM}}

    catalog = service.encode(render_catalog(service.LIMITS))
    catalog_etag = '"' + hashlib.sha256(catalog).hexdigest()[:16] + '"'

    @app.get("/api/catalog", summary="The page's catalogue", response_class=Response, operation_id="catalog",
             description="Every framework with the layer families its writers offer and the fields each takes, "
                         "every family with its fields, the web's limits, every sentence of the page (en, zh) and "
                         "its examples: render/catalog.py, from the conventions and render/i18n.py. Revalidate "
                         "with If-None-Match (ETag); it changes only with the installed version.",
             responses={200: {"description": "The catalogue.",
                              "content": {"application/json": {"schema": inline_refs(CatalogAnswer)}}},
                        304: {"description": "Not modified since the ETag given in If-None-Match."}})
    async def api_catalog(request: Request) -> Response:
        headers = {"cache-control": "no-cache", "etag": catalog_etag}
        if request.headers.get("if-none-match") == catalog_etag:
            return Response(status_code=304, headers=headers)
        return Response(catalog, media_type="application/json", headers=headers)

    def endpoint(verb: str) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:  # Guard answers first; this route is the schema's
            status, data = await compute(verb, await request.body())
            return Response(data, status_code=status, media_type="application/json")

        answer.__name__ = f"api_{verb}"
        return answer

    error = {"model": ErrorBody}
    for verb, request_model in REQUESTS.items():
        responses: dict[int | str, dict[str, Any]] = {
            200: {"description": "The same JSON as `rnnparams " + verb + " --json`.",
                  "content": {"application/json": {"schema": {"type": "object"}}}},
            400: {**error, "description": "Not valid JSON, or a wrong option (unknown framework...)."},
            413: {**error, "description": f"The body is larger than {service.MAX_BODY_BYTES:,} bytes."},
            422: {**error, "description": "A field is wrong, the model cannot be read or its framework rejects "
                                          "it, or it is over the web's limits (layers, sizes)."},
        }
        if verb == "estimate":
            responses[501] = {**error, "description": "This version has no resource estimates."}
        summary, description = SUMMARIES[verb]
        app.add_api_route(
            f"/api/{verb}", endpoint(verb), methods=["POST"], summary=summary, description=description,
            responses=responses, response_class=Response, operation_id=verb,
            openapi_extra={"requestBody": {"required": True, "content": {
                "application/json": {"schema": request_model.model_json_schema()}}}})
    app.add_api_route(
        "/api/build", endpoint("build"), methods=["POST"], summary="Write a stack of layers as an expression",
        description="The calculator page's builder: a stack of framework-neutral layers (families and their "
                    "fields' values, as GET /api/catalog lists them) written in one framework's own syntax. The "
                    "answer's `model`, `framework` and `input_shape` are the body of the other endpoints. A layer "
                    "that cannot be written is a 422 whose message, in `lang`, names the layer and the field.",
        responses={
            200: {"description": "The expression, and how each layer of the stack was written.",
                  "content": {"application/json": {"schema": inline_refs(BuildAnswer)}}},
            400: {**error, "description": "Not valid JSON, or an unknown framework."},
            413: {**error, "description": f"The body is larger than {service.MAX_BODY_BYTES:,} bytes."},
            422: {**error, "description": "A field is wrong, a layer cannot be written in the framework (said in "
                                          "`lang`), or the stack is over the web's limits."},
        },
        response_class=Response, operation_id="build",
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": inline_refs(BuildRequest)}}}})
    return app


def inline_refs(model: type[Any]) -> dict[str, Any]:
    """A pydantic model's JSON schema with its nested models written in place: the OpenAPI document has no
    `$defs` of its own for a `#/$defs/...` reference to point into."""
    schema: dict[str, Any] = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, so that a port in use is a clear error before the server starts."""
    from ..errors import UsageError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another with --port "
                         "(0 picks a free one)") from None
    sock.set_inheritable(True)
    return sock


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = DEFAULT_WORKERS,
          request_cpu_seconds: float = REQUEST_CPU_SECONDS, processes: int = 1) -> int:
    """Run the server until Ctrl+C. Binds loopback unless told otherwise, and then answers only to it.
    `processes` servers share the one listening socket (the kernel hands each connection to one of them), each
    with its own cache and `workers` worker processes."""
    loopback = is_loopback(host)
    allowed = LOOPBACK_NAMES | {host.lower()} if loopback else None
    sock = listen(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    print(f"rnnparams {__version__}: serving the calculator on http://{shown}:{bound}/ "
          "(JSON API under /api, schema at /openapi.json; Ctrl+C stops)", flush=True)
    if not loopback:
        print(f"warning: listening on {host}, so other machines can reach this server", file=sys.stderr,
              flush=True)
    if processes == 1:
        return _serve_one(sock, allowed, workers, request_cpu_seconds)
    return _supervise(processes, lambda: _serve_one(sock, allowed, workers, request_cpu_seconds))


def _serve_one(sock: socket.socket, allowed: frozenset[str] | None, workers: int, cpu_seconds: float) -> int:
    import uvicorn

    gc.collect()
    gc.freeze()  # what start-up built lives as long as the server: the collector need not walk it again
    pool = WorkerPool(service.answer, workers, cpu_seconds)  # forked before the server starts a thread
    app = create_app(allowed_hosts=allowed, pool=pool)
    gc.freeze()
    config = uvicorn.Config(app, access_log=False, log_level="warning", server_header=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        pool.close()
    return 0


def _supervise(processes: int, run: Callable[[], int]) -> int:
    """Fork `processes` servers and wait; a server killed by a signal is started again; Ctrl+C or SIGTERM
    stops them all (each finishes the answers it has begun)."""
    import os
    import signal

    import uvicorn  # noqa: F401 - imported once here, shared by the forked servers

    def spawn() -> int:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the server's own process
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            code = 1
            try:
                code = run()
            finally:
                os._exit(code)
        return pid

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    children = {spawn() for _ in range(processes)}
    try:
        while children:
            pid, status = os.wait()
            children.discard(pid)
            if os.WIFSIGNALED(status):
                log.error("server process %d was killed by signal %d; starting another", pid, os.WTERMSIG(status))
                children.add(spawn())
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return 0
