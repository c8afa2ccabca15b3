"""Web tests run against a real `rnnparams serve` subprocess on a free loopback port (datasette-style), and
the browser tests drive it with Playwright and Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from web_server import CHROMIUM_ARGS, Server, start_server, stop_server


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    srv = start_server()
    try:
        yield srv
    finally:
        stop_server(srv.process)


# --- the browser ----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH: the browser tests use Debian's (apt-get install -y chromium); "
                    "they never download one")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page_factory(browser: Any, server: Server) -> Iterator[Any]:
    """New pages on the server, each failing the test on a JavaScript error or a console error."""
    contexts: list[Any] = []
    problems: list[str] = []

    def new_page(path: str = "/", width: int = 1280, height: int = 900) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" and "the server responded with a status of 4" not in msg.text else None)
        page.goto(server.url + path)
        return page

    yield new_page
    for context in contexts:
        context.close()
    assert not problems, problems
