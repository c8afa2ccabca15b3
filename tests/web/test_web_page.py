"""The page as small ES modules that keep no catalogue of their own (everything comes from /api/catalog), and in a
real browser: building in frameworks other than PyTorch and Keras, the catalogue's words in 中文, the framework
switch that keeps the neutral stack, and shared links. Screenshots go to tests/web/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'rnnparams[web]'")

from web_server import Server, screenshot

from rnnparams.render import i18n
from rnnparams.web import service

STATIC = Path(service.__file__).parent / "static"
MODULES = sorted(STATIC.glob("*.js"))
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


# --- the files ------------------------------------------------------------------------------------------

def test_the_page_is_small_modules_served_as_javascript(server: Server) -> None:
    status, _, page = server.request("GET", "/")
    assert b'<script type="module" src="/static/main.js"></script>' in page
    for path in MODULES:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
        status, headers, _ = server.request("GET", f"/static/{path.name}")
        assert status == 200 and headers["content-type"] == "text/javascript; charset=utf-8", path.name
    imported = {m for path in MODULES for m in re.findall(r'from "\./([a-z0-9_]+\.js)"', path.read_text())}
    assert imported <= {p.name for p in MODULES}


def test_no_module_keeps_words_or_layers_of_its_own() -> None:
    words = [en for table in (i18n.PAGE, i18n.FAMILY_LABELS, i18n.FIELD_LABELS) for en, _ in table.values()
             if len(en) > 8 and " " in en]
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)  # comments may name things
        assert not CJK.search(code), path.name
        for sentence in words:
            assert sentence not in code, (path.name, sentence)
        for layer in ("nn.LSTM", "nn.Linear", "Bidirectional(", "SimpleRNN", "Dense / Linear", '"f_in"'):
            assert layer not in code, (path.name, layer)


# --- in the browser ----------------------------------------------------------------------------------------

def expect_total(page: Any, value: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#total")).to_have_text(f"{value:,}")


@pytest.fixture
def expect() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    return sync_api.expect


def clear_stack(page: Any) -> None:
    while page.locator("[data-act=remove]").count():
        page.locator("[data-act=remove]").first.click()


def test_build_a_paddle_lstm_by_clicking(page_factory: Any, expect: Any) -> None:
    page = page_factory("/")
    expect_total(page, 1_677_834)
    options = page.locator("#fw option")
    from rnnparams.conventions import REGISTRY

    expect(options).to_have_count(len(REGISTRY))  # every framework of the registry
    page.select_option("#fw", "paddle")
    expect(page.locator("#input-row")).to_be_hidden()  # paddle layers take their input size as an argument
    clear_stack(page)
    page.select_option("#add-kind", "lstm")
    page.click("#add")
    expect(page.locator("#l0-in")).to_be_focused()
    page.fill("#l0-in", "100")
    page.fill("#l0-units", "256")
    expect(page.locator("#expr")).to_have_text("paddle.nn.LSTM(100, 256)")
    expect_total(page, 4 * 256 * (100 + 256 + 2))  # weight_ih (4H, I), weight_hh (4H, H), bias_ih and bias_hh (4H)
    expect(page.locator("#fw-name")).to_have_text("PaddlePaddle")
    expect(page.locator("#layers tbody")).to_contain_text("weight_ih_l0")
    expect(page.locator("#l0-cudnn")).to_have_count(0)  # only the fields paddle's writer takes
    expect(page.locator("#l0-bf")).to_have_count(0)
    page.check("#l0-bidir")
    expect(page.locator("#expr")).to_have_text('paddle.nn.LSTM(100, 256, direction="bidirect")')
    expect_total(page, 2 * 4 * 256 * (100 + 256 + 2))
    expect(page.locator("#l0-params")).to_have_text(f"{2 * 4 * 256 * (100 + 256 + 2):,} params")
    page.locator("#estimate-box > summary").click()
    expect(page.locator("#est-unavailable")).to_be_hidden()  # issue #19: every framework is estimated
    expect(page.locator("#est-batch")).to_be_enabled()
    screenshot(page, "desktop_paddle")


def test_chinese_labels_come_from_the_catalog(page_factory: Any, expect: Any) -> None:
    page = page_factory("/#fw=mxnet&L=lstm(i=100,u=256)+dense(u=10)")
    expect(page.locator("#expr")).to_have_text('mx.gluon.rnn.LSTM(256, layout="NTC", input_size=100); '
                                               'mx.gluon.nn.Dense(10, flatten=False, in_units=256)')
    expect_total(page, 4 * 256 * (100 + 256 + 2) + 256 * 10 + 10)
    page.get_by_role("button", name="中文").click()
    expect(page.locator("label[for=l0-units] > span")).to_have_text("隐藏单元数")
    expect(page.locator("label[for=l0-in] > span")).to_have_text("输入维度")
    expect(page.locator("label[for=l1-units] > span")).to_have_text("输出维度")
    expect(page.locator("label[for=l0-bidir] > span")).to_have_text("双向")
    expect(page.locator("#l1-kind option:checked")).to_have_text("全连接层")
    expect(page.locator("#add-kind")).to_contain_text("嵌入层")
    expect(page.locator("#l1-params")).to_have_text("2,570 个参数")
    page.fill("#l1-in", "")
    expect(page.locator("#l1-in")).to_have_attribute("placeholder", "自动（256）")
    page.fill("#l0-units", "")
    expect(page.locator("#error")).to_contain_text("第 1 层（LSTM）：请填写隐藏单元数。")
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "mobile_zh_build", full_page=False)


def test_switching_framework_keeps_the_neutral_stack(page_factory: Any, expect: Any) -> None:
    page = page_factory("/")
    expect_total(page, 1_677_834)
    page.select_option("#fw", "onnx")
    note = page.locator("#fw-note")
    expect(note).to_contain_text("ONNX operators has no layer for Embedding, Dense / Linear: taken out of the stack.")
    expect(page.locator("#stack > li")).to_have_count(1)
    # the LSTM keeps the input size it read from the embedding: W (1, 4H, I), R (1, 4H, H), B (1, 8H)
    expect(page.locator("#expr")).to_have_text("onnx.LSTM(hidden_size=256, input_size=128)")
    expect_total(page, 4 * 256 * (128 + 256 + 2))
    expect(page.locator("#l0-peep")).to_be_visible()  # ONNX's LSTM has peepholes (P)
    screenshot(page, "desktop_onnx_note", full_page=False)
    page.click("#fw-undo")
    expect(page.locator("#fw")).to_have_value("pytorch")
    expect(note).to_be_hidden()
    expect(page.locator("#stack > li")).to_have_count(3)
    expect_total(page, 1_677_834)
    page.select_option("#fw", "tf1")  # its cells read the features from the data
    expect(page.locator("#input-row")).to_be_visible()
    expect(page.locator("#in-f")).to_have_value("128")
    expect(page.locator("#expr")).to_have_text("tf.compat.v1.nn.rnn_cell.LSTMCell(256)")
    expect_total(page, 4 * 256 * (128 + 256 + 1))  # one kernel on [x, h] and one bias


def test_a_shared_link_restores_a_framework_other_than_keras(page_factory: Any, expect: Any) -> None:
    page = page_factory("/")
    page.select_option("#fw", "flax-nnx")
    expect(page.locator("#expr")).to_have_text("nnx.Embed(10000, 128); nnx.RNN(nnx.LSTMCell(128, 256)); "
                                               "nnx.Linear(256, 10)")
    page.select_option("#l1-kind", "gru")
    page.check("#l1-bidir")
    gru = 2 * 3 * 256 * (128 + 256 + 1)  # nnx.GRUCell: 3H(I + H + 1), per direction
    expect_total(page, 10000 * 128 + gru + 512 * 10 + 10)
    url = page.url
    assert re.search(r"#fw=flax-nnx&.*L=embedding\+gru\(u=256,bi=1\)\+dense", url), url
    again = page_factory(url[url.index("/#"):])
    expect(again.locator("#fw")).to_have_value("flax-nnx")
    expect(again.locator("#l1-kind")).to_have_value("gru")
    expect(again.locator("#l1-bidir")).to_be_checked()
    expect(again.locator("#expr")).to_have_text(page.locator("#expr").text_content() or "")
    expect_total(again, 10000 * 128 + gru + 512 * 10 + 10)


def test_a_link_to_layers_the_framework_cannot_write(page_factory: Any, expect: Any) -> None:
    page = page_factory("/#fw=tf1&f=3&L=embedding+lstm(u=4)")
    expect(page.locator("#fw-note")).to_contain_text("has no layer for Embedding")
    expect(page.locator("#fw-undo")).to_be_hidden()
    expect(page.locator("#expr")).to_have_text("tf.compat.v1.nn.rnn_cell.LSTMCell(4)")
    expect_total(page, 4 * 4 * (3 + 4 + 1))


def test_a_familys_own_words_reach_the_page(page_factory: Any, expect: Any) -> None:
    """conv2d brings its words with it (conventions/families.py), not through render/i18n.py."""
    page = page_factory("/#lang=zh&L=conv2d(i=3,kw=5)")
    expect(page.locator("#expr")).to_have_text("nn.Conv2d(3, 16, (3, 5))")
    expect_total(page, 16 * 3 * 3 * 5 + 16)  # weight (out, in, K_h, K_w) + bias (out)
    expect(page.locator("#l0-kind option:checked")).to_have_text("二维卷积")
    expect(page.locator("label[for=l0-kh] > span")).to_have_text("卷积核高度")
    expect(page.locator("label[for=l0-filters] > span")).to_have_text("卷积核个数")
