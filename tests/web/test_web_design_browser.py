"""Pictures and sizing on the page, in Debian's chromium: the per-layer share chart, the cell diagram, the
sweep chart redrawn as its field changes, the solve form, en and zh, 375 px, and a shared URL that restores the
charts. Screenshots go to tests/web/artifacts/ (design_*.png) for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'rnnparams[web]'")
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from web_server import screenshot  # noqa: E402

expect = playwright_api.expect
MODEL = "/#m=code&code=nn.LSTM(100,%20256,%20num_layers=2)"
# two PyTorch LSTM layers: 4H(I + H + 2) + 4H(2H + 2) with I = 100, H = 256
TOTAL = 4 * 256 * (100 + 256 + 2) + 4 * 256 * (2 * 256 + 2)


def test_charts_update_and_the_link_restores_them(page_factory: Any) -> None:
    page = page_factory(MODEL)
    expect(page.locator("#total")).to_have_text(f"{TOTAL:,}")
    bars = page.locator("#share-chart svg rect[data-value]")
    expect(bars).to_have_count(1)
    assert bars.first.get_attribute("data-value") == str(TOTAL)
    expect(page.locator("#cell-diagram svg")).to_contain_text("weight_hh_l1")
    expect(page.locator("#cell-diagram svg")).to_contain_text("(1024, 256)")
    points = page.locator("#sweep-chart svg circle")
    expect(points).to_have_count(16)  # the default range around hidden_size = 256: 32..512:32
    page.get_by_label("Values (start..stop:step or a list)").fill("64..256:64")
    expect(points).to_have_count(4)
    assert points.nth(3).get_attribute("data-y") == str(TOTAL)  # hidden_size = 256 is the model itself
    page.get_by_label("Budget (10M, 8GiB, 1T)").fill("10M")
    expect(page.locator("#solve-out")).to_contain_text("hidden_size = 895")  # hand-derived in tests/analysis
    expect(page.locator("#solve-out")).to_contain_text("hidden_size=896: 10,006,528")
    page.get_by_label("Multiple of").fill("8")
    expect(page.locator("#solve-out")).to_contain_text("hidden_size = 888")
    screenshot(page, "design_desktop")
    link = page.url
    assert "sr=64..256:64" in link and "qb=10M" in link and "qm=8" in link

    again = page_factory(link.split("#", 1)[1] and "/#" + link.split("#", 1)[1])
    expect(again.locator("#sweep-chart svg circle")).to_have_count(4)
    expect(again.locator("#solve-out")).to_contain_text("hidden_size = 888")
    again.get_by_role("button", name="中文").click()
    expect(again.locator("#solve-out")).to_contain_text("参数量不超过 10,000,000 的最大取值")
    expect(again.locator("#design-box summary h3")).to_have_text("图示与规模设计")
    expect(again.locator("#cell-diagram svg")).to_contain_text("输入 x_t")
    screenshot(again, "design_zh")


def test_design_at_375_px_and_by_keyboard(page_factory: Any) -> None:
    page = page_factory(MODEL + "&qb=1M", width=375, height=812)
    expect(page.locator("#solve-out")).to_contain_text("hidden_size =")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("#sweep-metric").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#solve-vary")).to_be_focused()
    page.select_option("#sweep-metric", "memory")
    expect(page.locator("#sweep-chart svg")).to_contain_text("memory of a step")
    screenshot(page, "design_mobile")


def test_a_model_without_a_recurrent_layer(page_factory: Any) -> None:
    page = page_factory("/#m=code&code=nn.Linear(3,%204)")
    expect(page.locator("#total")).to_have_text("16")
    expect(page.locator("#cell-diagram")).to_contain_text("No recurrent layer")
    expect(page.locator("#sweep-chart svg circle")).to_have_count(16)  # in_features = 3: 1..16
