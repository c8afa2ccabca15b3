"""The calculator page in a real browser (Debian's chromium through Playwright) against a real server.
Screenshots go to tests/web/artifacts/ (desktop and 375 px wide) for a person to look at."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'rnnparams[web]'")
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from web_server import screenshot  # noqa: E402

expect = playwright_api.expect
SEED_001 = "SimpleRNN({h}, input_shape=[50, 3]); Dense(1)"


def total(page: Any, value: str) -> None:
    expect(page.locator("#total")).to_have_text(value)


def test_build_an_lstm_by_clicking(page_factory: Any) -> None:
    page = page_factory("/")
    total(page, "1,677,834")  # the example stack: Embedding → LSTM → Linear
    while page.locator("[data-act=remove]").count():
        page.locator("[data-act=remove]").first.click()
    expect(page.locator("#stack-empty")).to_be_visible()
    page.select_option("#add-kind", "lstm")
    page.click("#add")
    expect(page.locator("#l0-in")).to_be_focused()  # focus goes to the new layer's first field
    page.fill("#l0-in", "100")
    page.fill("#l0-units", "256")
    total(page, "366,592")
    expect(page.locator("#expr")).to_have_text("nn.LSTM(100, 256, batch_first=True)")
    expect(page.locator("#trainable")).to_have_text("366,592")
    rows = page.locator("#layers tbody tr")
    expect(rows).to_have_count(5)  # the layer and its four tensors
    expect(page.locator("#layers tbody")).to_contain_text("weight_ih_l0")
    expect(page.locator("#layers tbody")).to_contain_text("(1024, 100)")
    expect(page.locator("#explain")).to_contain_text("4 × 256 × (100 + 256 + 2)")
    expect(page.locator("#compare tfoot")).to_contain_text("365,568")
    page.check("#l0-bidir")
    total(page, "733,184")
    expect(page.locator("#expr")).to_have_text("nn.LSTM(100, 256, batch_first=True, bidirectional=True)")
    page.uncheck("#l0-bidir")
    total(page, "366,592")
    screenshot(page, "desktop_lstm")


def test_switch_to_chinese(page_factory: Any) -> None:
    page = page_factory("/#m=code&code=nn.LSTM(100,%20256)")
    total(page, "366,592")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#explain")).to_contain_text("模型总参数量：366,592")
    expect(page.locator("#results-h")).to_have_text("参数量")
    expect(page.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "true")
    assert "lang=zh" in page.url
    page.locator("#check-box > summary").click()
    page.fill("#claimed", "365568")
    expect(page.locator("#check-out .verdict")).to_contain_text("✗ 365,568")
    expect(page.locator("#check-out pre")).to_contain_text("Keras")
    screenshot(page, "desktop_zh")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "mobile_zh")


@pytest.mark.parametrize("h, count", [(1, "7"), (2, "15"), (3, "25"), (4, "37")])
def test_paste_the_seed_001_code(page_factory: Any, h: int, count: str) -> None:
    page = page_factory("/")
    page.get_by_role("button", name="Paste code").click()
    page.fill("#code", SEED_001.format(h=h))
    total(page, count)
    expect(page.locator("#fw-name")).to_have_text("Keras 3 / tf.keras 2.x")
    expect(page.locator("#layers tbody")).to_contain_text("simple_rnn (SimpleRNN)")


def test_paste_model_code_with_comments(page_factory: Any) -> None:
    page = page_factory("/")
    page.get_by_role("button", name="Paste code").click()
    page.fill("#code", "model = Sequential([\n"
                       "SimpleRNN(1, return_sequences = False, input_shape = [50, 3]), # 3 features\n"
                       "Dense(1) # last do not need the return sequences\n"
                       "])\n")
    total(page, "7")
    page.reload()  # the code lives in the URL
    expect(page.locator("#code")).to_have_value(re.compile(r"^model = Sequential\(\[\nSimpleRNN\(1,"))
    total(page, "7")


def test_paste_a_file_of_several_models_and_name_one(page_factory: Any) -> None:
    seed = Path(__file__).parent.parent / "fixtures" / "seeds" / "seed001_keras_simple_rnn.py"
    page = page_factory("/")
    page.get_by_role("button", name="Paste code").click()
    page.fill("#code", seed.read_text())
    expect(page.locator("#error")).to_contain_text('defines 4 models (model, model2, model3, model4); choose one '
                                                   'with "select"')
    page.fill("#pick", "model3")
    total(page, "25")  # seed 001: SimpleRNN(3) on 3 features is 3*3 + 3*3 + 3 = 21, Dense(1) 3 + 1
    page.reload()  # the name lives in the URL with the code
    expect(page.locator("#pick")).to_have_value("model3")
    total(page, "25")
    screenshot(page, "desktop_code_file")


def test_the_module_example_counts_with_attribute_paths(page_factory: Any) -> None:
    page = page_factory("/")
    page.get_by_role("button", name="Paste code").click()
    page.get_by_role("button", name="nn.Module").click()
    # Embedding 10000*128; bidirectional 2-layer GRU: layer 0 2*3*256*(128+256+2), layer 1 2*3*256*(512+256+2);
    # Linear 512*2 + 2
    gru = 2 * 3 * 256 * (128 + 256 + 2) + 2 * 3 * 256 * (512 + 256 + 2)
    total(page, f"{10000 * 128 + gru + 512 * 2 + 2:,}")
    expect(page.locator("#layers tbody")).to_contain_text("rnn.weight_ih_l0_reverse")


def test_bad_input_shows_a_clear_message(page_factory: Any) -> None:
    page = page_factory("/#m=code&code=nn.LSTM(100)")
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("This model cannot be counted")
    expect(error).to_contain_text("missing the required argument 'hidden_size'")
    expect(page.locator("#out")).to_be_hidden()
    screenshot(page, "desktop_error")
    page.fill("#code", "nn.LSTM(100, 256)")
    total(page, "366,592")
    expect(error).to_be_hidden()
    page.fill("#code", "nn.LSTM(100, 10**12)")
    expect(error).to_contain_text("at most 1,000,000,000")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "mobile_error", full_page=False)


def test_a_shared_link_opens_the_same_state(page_factory: Any) -> None:
    page = page_factory("/")
    page.select_option("#fw", "keras")
    expect(page.locator("#expr")).to_have_text("Sequential([Input((None,)), Embedding(10000, 128), LSTM(256), "
                                               "Dense(10)])")
    total(page, "1,676,810")
    page.select_option("#l1-kind", "gru")
    page.check("#l1-bidir")
    page.select_option("#l1-merge", "sum")
    page.fill("#in-t", "35")
    page.get_by_role("button", name="中文").click()
    page.locator("#check-box > summary").click()
    page.fill("#claimed", "1,000")
    expected = 'Sequential([Input((35,)), Embedding(10000, 128), Bidirectional(GRU(256), merge_mode="sum"), Dense(10)])'
    expect(page.locator("#expr")).to_have_text(expected)
    value = page.locator("#total").text_content()
    expect(page.locator("#check-out .verdict")).to_be_visible()
    screenshot(page, "desktop_keras_shared")
    url = page.url
    assert re.search(r"#.*L=embedding.*\+gru\(.*bi=1.*m=sum", url), url

    again = page_factory(url.split(page.url.split("#")[0], 1)[1])
    total(again, value or "")
    expect(again.locator("#expr")).to_have_text(expected)
    expect(again.locator("#fw")).to_have_value("keras")
    expect(again.locator("#in-t")).to_have_value("35")
    expect(again.locator("#l1-merge")).to_have_value("sum")
    expect(again.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(again.locator("#claimed")).to_have_value("1,000")
    expect(again.locator("#check-out .verdict")).to_contain_text("✗ 1,000")


def test_reorder_with_the_keyboard(page_factory: Any) -> None:
    page = page_factory("/")
    total(page, "1,677,834")
    page.focus("[data-i='2'] [data-act=up]")
    page.keyboard.press("Enter")
    expect(page.locator("#expr")).to_have_text(
        "nn.Embedding(10000, 128); nn.Linear(128, 10); nn.LSTM(10, 256, batch_first=True)")
    expect(page.locator("[data-i='1'] [data-act=up]")).to_be_focused()  # focus follows the layer
    page.keyboard.press("Enter")
    expect(page.locator("#error")).to_be_visible()  # a Linear first needs its input size: said, not sent
    expect(page.locator("#error")).to_contain_text("Layer 1 (Dense / Linear): input size is required")
    page.focus("#l0-in")
    page.keyboard.type("100")
    expect(page.locator("#expr")).to_have_text(
        "nn.Linear(100, 10); nn.Embedding(10000, 128); nn.LSTM(128, 256, batch_first=True)")
    total(page, "1,676,274")
    page.focus("[data-i='0'] [data-act=remove]")
    page.keyboard.press("Enter")
    total(page, "1,675,264")


def test_copy_json_and_markdown(page_factory: Any) -> None:
    page = page_factory("/#m=code&code=nn.GRU(10,%2020)")
    total(page, "1,920")
    page.click("#copy-json")
    expect(page.locator("#toast")).to_have_text("Copied the count as JSON.")
    copied = json.loads(page.evaluate("window.__lastCopied"))
    assert copied["total_params"] == 1920 and copied["layers"][0]["type"] == "GRU"
    page.click("#copy-md")
    expect(page.locator("#toast")).to_have_text("Copied a Markdown summary.")
    markdown = page.evaluate("window.__lastCopied")
    assert "| gru (GRU) | (None, None, 20) | 1,920 |" in markdown and "**Model total**" in markdown
    page.click("#copy-link")
    expect(page.locator("#toast")).to_have_text("Copied a link to this model.")
    assert page.evaluate("window.__lastCopied") == page.url


def test_estimate_panel(page_factory: Any) -> None:
    page = page_factory("/#m=code&code=nn.LSTM(100,%20256)")
    total(page, "366,592")
    page.locator("#estimate-box > summary").click()
    out = page.locator("#estimate-out")
    if page.locator("#estimate-box").is_hidden():
        pytest.skip("this version has no resource estimates (501)")
    expect(out).to_contain_text("Weights")
    expect(out).to_contain_text("1.40 MiB")
    page.fill("#est-batch", "0")
    expect(page.locator("#estimate-error")).to_contain_text("batch")
    page.fill("#est-batch", "64")
    expect(page.locator("#estimate-error")).to_be_hidden()
    screenshot(page, "desktop_estimate")


def test_readable_at_375_px(page_factory: Any) -> None:
    page = page_factory("/", width=375, height=812)
    total(page, "1,677,834")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "mobile_build", full_page=False)
    before = page.url
    page.click("#mini-total")  # the phone's total bar jumps to the results and keeps the state in the URL
    expect(page.locator("#results")).to_be_focused()
    assert page.url == before
    page.locator("#results").scroll_into_view_if_needed()
    screenshot(page, "mobile_full")
    page.get_by_role("button", name="Paste code").click()
    page.fill("#code", "Sequential([Input((35, 100)), LSTM(256, return_sequences=True), LSTM(128), Dense(10)])")
    total(page, "563,978")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "mobile_paste", full_page=False)


def test_paste_a_hugging_face_config(page_factory: Any) -> None:
    """state-spaces/mamba-130m-hf's config.json pasted as it is: the published 129,135,360, and the estimate panel
    shows the batch's prefill and decoding FLOPs of a sequence model."""
    config = (Path(__file__).parent.parent / "fixtures" / "configs" / "mamba-130m-hf.json").read_text()
    page = page_factory("/")
    page.get_by_role("button", name="Paste code").click()
    page.fill("#code", config)
    total(page, "129,135,360")
    expect(page.locator("#fw-name")).to_have_text("Hugging Face transformers")
    page.locator("#estimate-box > summary").click()
    if page.locator("#estimate-box").is_hidden():
        pytest.skip("this version has no resource estimates (501)")
    out = page.locator("#estimate-out")
    expect(out).to_contain_text("Weights")
    expect(out).to_contain_text("prefill")
    expect(out).to_contain_text("one decoding step")
    expect(page.locator("#estimate-error")).to_be_hidden()
    screenshot(page, "desktop_config")
