"""What model code does to its layers after building them, against real torch and Keras: deleting, inserting,
popping, slicing and combining containers, freezing tensors and whole modules (`requires_grad`,
`requires_grad_()`, `parameters()`, Keras `trainable`, `get_layer`), and the Python the reader follows on the way
(nonlocal, `del` of items, `sorted`/`max` with `key=`).

Each snippet is counted by rnnparams without running it; then the test runs it for real and compares every
tensor's name, shape and trainable flag in order. Where the real code raises, rnnparams must refuse it too.
Table cases plus hypothesis-generated programs of container operations and freezes."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.errors import RnnParamsError

pytestmark = pytest.mark.oracle

TORCH_HEAD = "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n" \
             "        super().__init__()\n"


def torch_net(body: list[str], after: list[str] | None = None) -> str:
    """A module whose __init__ runs `body`, then module-level lines `after` (on `net`)."""
    return TORCH_HEAD + "".join(f"        {line}\n" for line in body) + "\n\nnet = Net()\n" + \
        "".join(f"{line}\n" for line in after or [])


def real_torch(code: str) -> list[tuple[str, tuple[int, ...], bool]] | Exception:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        exec(compile(code, "<snippet>", "exec"), namespace)
    except Exception as exc:  # the real code fails: rnnparams must refuse it
        return exc
    return [(n, tuple(p.shape), p.requires_grad) for n, p in namespace["net"].named_parameters()]


def ours(code: str) -> list[tuple[str, tuple[int, ...], bool]] | RnnParamsError:
    try:
        report = rnnparams.count(code, select="net")
    except RnnParamsError as exc:
        return exc
    return [(t.name, t.shape, t.trainable) for layer in report.layers for t in layer.tensors]


def assert_same_as_torch(code: str) -> None:
    theirs, mine = real_torch(code), ours(code)
    if isinstance(theirs, Exception):
        assert isinstance(mine, RnnParamsError), f"torch raised {theirs!r}, rnnparams counted {mine}\n{code}"
    elif not theirs:  # a module with no parameters: rnnparams says so
        assert isinstance(mine, RnnParamsError) and "no layers" in str(mine), (mine, code)
    else:
        assert not isinstance(mine, RnnParamsError), f"{mine}\n{code}"
        assert mine == theirs, code


LIN = ["self.l = nn.ModuleList([nn.Linear(1, 2), nn.Linear(2, 3), nn.Linear(3, 4)])"]
SEQ = ["self.l = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 3), nn.Linear(3, 4))"]
DICT = ["self.l = nn.ModuleDict({'a': nn.Linear(1, 2), 'b': nn.Linear(2, 3)})"]
LAYERS = ["self.emb = nn.Embedding(10, 4)", "self.rnn = nn.LSTM(4, 3, num_layers=2)", "self.fc = nn.Linear(3, 2)"]

TORCH_CASES: dict[str, tuple[list[str] | tuple[()], list[str], list[str]]] = {  # setup, __init__ lines, after
    # containers
    "del attribute": (LAYERS, ["del self.fc"], []),
    "del attribute then set again": (LAYERS, ["del self.emb", "self.emb = nn.Embedding(5, 4)"], []),
    "ModuleList del index": (LIN, ["del self.l[0]"], []),
    "ModuleList del negative index": (LIN, ["del self.l[-1]"], []),
    "ModuleList del slice": (LIN, ["del self.l[::2]"], []),
    "ModuleList del out of range": (LIN, ["del self.l[5]"], []),
    "ModuleList set negative index": (LIN, ["self.l[-1] = nn.Linear(5, 5)"], []),
    "ModuleList set out of range": (LIN, ["self.l[3] = nn.Linear(5, 5)"], []),
    "ModuleList insert": (LIN, ["self.l.insert(1, nn.Linear(7, 7))"], []),
    "ModuleList insert past the end": (LIN, ["self.l.insert(9, nn.Linear(7, 7))"], []),
    "ModuleList insert past the end then extend": (LIN, ["self.l.insert(5, nn.Linear(7, 7))",
                                                         "self.l.extend([nn.Linear(8, 8), nn.Linear(9, 9)])"], []),
    "ModuleList insert negative": (LIN, ["self.l.insert(-1, nn.Linear(7, 7))"], []),
    "ModuleList pop": (LIN, ["self.l.pop(1)"], []),
    "ModuleList pop slice": (LIN, ["self.l.pop(slice(0, 2))"], []),
    "ModuleList plus": (LIN, ["self.m = self.l + [nn.Linear(6, 6)]"], []),
    "ModuleList slice": ((), ["l = nn.ModuleList([nn.Linear(1, 2), nn.Linear(2, 3), nn.Linear(3, 4)])",
                          "self.l = l[1:]"], []),
    "ModuleList unknown method": (LIN, ["self.l.frobnicate()"], []),
    "Sequential del": (SEQ, ["del self.l[1]"], []),
    "Sequential insert negative": (SEQ, ["self.l.insert(-1, nn.Linear(7, 7))"], []),
    "Sequential insert out of range": (SEQ, ["self.l.insert(-9, nn.Linear(7, 7))"], []),
    "Sequential pop": (SEQ, ["self.l.pop(0)"], []),
    "Sequential slice keeps keys": ((), ["s = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 3), nn.Linear(3, 4))",
                                     "self.l = s[1:]"], []),
    "Sequential slice then append": ((), ["s = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 3), nn.Linear(3, 4))",
                                      "self.l = s[1:]", "self.l.append(nn.Linear(9, 9))"], []),
    "Sequential plus": (SEQ, ["self.m = self.l + nn.Sequential(nn.Linear(8, 8))"], []),
    "Sequential times": ((), ["self.l = nn.Sequential(nn.Linear(1, 2), nn.ReLU()) * 3"], []),
    "Sequential plus list refused": (SEQ, ["self.l += [nn.Linear(8, 8)]"], []),
    "Sequential extend": (SEQ, ["self.l.extend([nn.Linear(8, 8), nn.Linear(9, 9)])"], []),
    "ModuleDict update": (DICT, ["self.l.update({'c': nn.Linear(5, 5), 'a': nn.Linear(6, 6)})"], []),
    "ModuleDict update pairs": (DICT, ["self.l.update([('z', nn.Linear(5, 5))])"], []),
    "ModuleDict pop": (DICT, ["self.l.pop('a')"], []),
    "ModuleDict pop missing": (DICT, ["self.l.pop('q')"], []),
    "ModuleDict del": (DICT, ["del self.l['b']"], []),
    "ModuleDict clear": (DICT, ["self.l.clear()", "self.fc = nn.Linear(2, 2)"], []),
    # freezing
    "tensor requires_grad": (LAYERS, ["self.rnn.weight_ih_l1.requires_grad = False"], []),
    "tensor requires_grad_": (LAYERS, ["self.fc.bias.requires_grad_(False)"], []),
    "module requires_grad_": (LAYERS, ["self.rnn.requires_grad_(False)"], []),
    "whole model then one back": (LAYERS, ["self.requires_grad_(False)", "self.fc.requires_grad_()"], []),
    "parameters loop": (LAYERS, ["for p in self.emb.parameters():", "    p.requires_grad = False"], []),
    "named_parameters filter": (LAYERS, ["for name, p in self.named_parameters():",
                                          "    if 'bias' in name:", "        p.requires_grad = False"], []),
    "named_parameters prefix": (LAYERS, ["for name, p in self.rnn.named_parameters(prefix='rnn'):",
                                          "    if name.endswith('l0'):", "        p.requires_grad = False"], []),
    "parameters not recursing": (LAYERS, ["self.w = nn.Parameter(torch.zeros(3))",
                                           "for p in self.parameters(recurse=False):",
                                           "    p.requires_grad = False"], []),
    "frozen outside the class": (LAYERS, [], ["for p in net.rnn.parameters():", "    p.requires_grad_(False)"]),
    "freeze then unfreeze": (LAYERS, ["self.fc.weight.requires_grad = False",
                                       "self.fc.weight.requires_grad = True"], []),
    "requires_grad read back": (LAYERS, ["self.fc.weight.requires_grad = False",
                                          "self.fc.bias.requires_grad = self.fc.weight.requires_grad"], []),
    "pretrained frozen then unfrozen": ((), ["self.emb = nn.Embedding.from_pretrained(torch.zeros(10, 4))",
                                         "self.emb.weight.requires_grad = True", "self.fc = nn.Linear(4, 2)"], []),
    "tied weight frozen through the decoder": ((), ["self.enc = nn.Embedding(10, 4)", "self.dec = nn.Linear(4, 10)",
                                                "self.dec.weight = self.enc.weight",
                                                "self.dec.weight.requires_grad = False"], []),
    "frozen then replaced by a tied one": ((), ["self.enc = nn.Embedding(10, 4)", "self.dec = nn.Linear(4, 10)",
                                            "self.dec.weight.requires_grad = False",
                                            "self.dec.weight = self.enc.weight"], []),
    "shared module frozen once": ((), ["self.a = nn.Linear(3, 3)", "self.b = self.a", "self.b.requires_grad_(False)",
                                   "self.c = nn.Linear(3, 1)"], []),
    "ModuleList item frozen": (LIN, ["self.l[1].requires_grad_(False)"], []),
    "parameter frozen": (LAYERS, ["self.scale = nn.Parameter(torch.ones(3))", "self.scale.requires_grad = False"],
                         []),
    # the Python on the way
    "nonlocal": ((), ["def make():", "    h = 2", "    def grow():", "        nonlocal h", "        h = 16",
                      "    grow()", "    return h", "self.rnn = nn.GRU(4, make())"], []),
    "sorted with key": ((), ["sizes = sorted([3, 16, 8], key=lambda v: -v)", "self.rnn = nn.LSTM(4, sizes[0])"], []),
    "max with key": ((), ["def neg(v):", "    return -v", "self.rnn = nn.LSTM(4, max([3, 16, 8], key=neg))"], []),
    "min with default": ((), ["self.rnn = nn.LSTM(4, min([], default=5))"], []),
    "sum with start": ((), ["self.rnn = nn.LSTM(4, sum([1, 2], 3))"], []),
    "del of a list item": ((), ["sizes = [3, 16, 8]", "del sizes[0]", "self.rnn = nn.LSTM(4, sizes[0])"], []),
    "del of a dict key": ((), ["cfg = {'h': 3, 'i': 4}", "del cfg['h']", "self.rnn = nn.LSTM(cfg['i'], len(cfg))"], []),
    "list remove and insert": ((), ["sizes = [3, 16, 8]", "sizes.remove(16)", "sizes.insert(0, 5)",
                                "self.rnn = nn.LSTM(sizes[0], sizes[1])"], []),
    "pop of an empty list": ((), ["sizes = []", "self.rnn = nn.LSTM(4, sizes.pop())"], []),
}


@pytest.mark.parametrize("case", list(TORCH_CASES), ids=list(TORCH_CASES))
def test_torch_code_like_torch(case: str) -> None:
    setup, body, after = TORCH_CASES[case]
    assert_same_as_torch(torch_net([*setup, *body], after))


# -- hypothesis: programs of container operations and freezes ------------------------------------------------

@st.composite
def container_program(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["ModuleList", "Sequential"]))
    size = iter(range(1, 1000))  # every new layer has sizes of its own, so a wrong one shows in the shapes

    def linear() -> str:
        n = next(size)
        return f"nn.Linear({n}, {n + 1})"

    length = draw(st.integers(0, 4))
    items = ", ".join(linear() for _ in range(length))
    lines = [f"self.l = nn.ModuleList([{items}])" if kind == "ModuleList" else f"self.l = nn.Sequential({items})"]
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["append", "insert", "extend", "del", "del_slice", "set", "pop", "iadd", "slice",
                                   "freeze_tensor", "freeze_module", "freeze_loop", "freeze_all"]))
        index = draw(st.integers(-length - 1, length + 1))  # sometimes out of range: both must then fail
        lo, hi = draw(st.integers(-4, 4)), draw(st.integers(-4, 4))
        flag = draw(st.booleans())
        if op == "append":
            lines.append(f"self.l.append({linear()})")
            length += 1
        elif op == "insert":
            lines.append(f"self.l.insert({max(index, 0) if kind == 'ModuleList' else index}, {linear()})")
            length += 1
        elif op == "extend":
            lines.append(f"self.l.extend([{linear()}, {linear()}])")
            length += 2
        elif op == "del":
            lines.append(f"del self.l[{index}]")
            length = max(length - 1, 0)
        elif op == "del_slice":
            lines.append(f"del self.l[{lo}:{hi}]")
            length = max(length - 1, 0)
        elif op == "set":
            lines.append(f"self.l[{index}] = {linear()}")
        elif op == "pop":
            lines.append(f"self.l.pop({index})")
            length = max(length - 1, 0)
        elif op == "iadd":
            lines.append(f"self.l += [{linear()}]" if kind == "ModuleList" else
                         f"self.l += nn.Sequential({linear()})")
            length += 1
        elif op == "slice":
            lines.append(f"self.l = self.l[{lo}:{hi}]")
        elif op == "freeze_tensor":
            lines.append(f"self.l[{index}].{draw(st.sampled_from(['weight', 'bias']))}.requires_grad = {flag}")
        elif op == "freeze_module":
            lines.append(f"self.l[{index}].requires_grad_({flag})")
        elif op == "freeze_loop":
            lines += ["for name, p in self.l.named_parameters():", f"    if name.startswith('{max(index, 0)}.'):",
                      f"        p.requires_grad = {flag}"]
        else:
            lines.append(f"self.requires_grad_({flag})")
    lines.append("self.head = nn.Linear(2, 1)")  # so the model has parameters even when the container is empty
    return lines


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(container_program())
def test_random_container_programs_like_torch(body: list[str]) -> None:
    assert_same_as_torch(torch_net(body))


@st.composite
def dict_program(draw: st.DrawFn) -> list[str]:
    size = iter(range(1, 1000))
    keys = st.sampled_from(["a", "b", "c", "d"])

    def linear() -> str:
        n = next(size)
        return f"nn.Linear({n}, {n + 1})"

    lines = ["self.d = nn.ModuleDict({" + ", ".join(f"{k!r}: {linear()}" for k in draw(st.lists(keys, max_size=3)))
             + "})"]
    for _ in range(draw(st.integers(1, 6))):
        op, key = draw(st.sampled_from(["set", "update", "pop", "del", "clear", "freeze"])), draw(keys)
        lines.append({"set": f"self.d[{key!r}] = {linear()}",
                      "update": f"self.d.update([({key!r}, {linear()}), ({draw(keys)!r}, {linear()})])",
                      "pop": f"self.d.pop({key!r})", "del": f"del self.d[{key!r}]", "clear": "self.d.clear()",
                      "freeze": f"self.d[{key!r}].weight.requires_grad = False"}[op])
    lines.append("self.head = nn.Linear(2, 1)")
    return lines


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dict_program())
def test_random_module_dict_programs_like_torch(body: list[str]) -> None:
    assert_same_as_torch(torch_net(body))


# -- Keras: trainable ---------------------------------------------------------------------------------------

def real_keras(code: str) -> list[tuple[str, tuple[int, ...], bool]]:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    keras.backend.clear_session()  # auto-names count from zero, as in a fresh file
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(code, "<snippet>", "exec"), namespace)
    model = namespace["model"]
    scope = f"{model.name}/"  # a model's weights are under its own name: the layers' paths follow
    return sorted((w.path.removeprefix(scope), tuple(w.shape), w.trainable) for w in model.weights)


def ours_keras(code: str) -> list[tuple[str, tuple[int, ...], bool]]:
    report = rnnparams.count(code, select="model")
    return sorted((f"{layer.name}/{t.name}", t.shape, t.trainable) for layer in report.layers for t in layer.tensors)


KERAS_HEAD = "import keras\nfrom keras import Input, Model, Sequential, layers\n\n"
STACK = KERAS_HEAD + ("model = Sequential([Input((10, 4)), layers.LSTM(8, return_sequences=True), "
                      "layers.Bidirectional(layers.GRU(4)), layers.Dense(2, name='head')])\n")
GRAPH = KERAS_HEAD + ("x = Input((10, 4))\nlstm = layers.LSTM(8)\ny = layers.Dense(2, name='head')(lstm(x))\n"
                      "model = Model(x, y)\n")
KERAS_CASES = {
    "layer by index": STACK + "model.layers[0].trainable = False\n",
    "layers in a loop": STACK + "for layer in model.layers[:2]:\n    layer.trainable = False\n",
    "whole model": STACK + "model.trainable = False\n",
    "whole model then the head": STACK + "model.trainable = False\nmodel.get_layer('head').trainable = True\n",
    "frozen then unfrozen": STACK + "model.layers[1].trainable = False\nmodel.layers[1].trainable = True\n",
    "functional layer object": GRAPH + "lstm.trainable = False\n",
    "functional get_layer by name": GRAPH + "model.get_layer('head').trainable = False\n",
    "functional get_layer by index": GRAPH + "model.get_layer(index=-1).trainable = False\n",
    "functional whole model": GRAPH + "model.trainable = False\n",
}


@pytest.mark.parametrize("case", list(KERAS_CASES), ids=list(KERAS_CASES))
def test_keras_trainable_like_keras(case: str) -> None:
    code = KERAS_CASES[case]
    assert ours_keras(code) == real_keras(code)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["SimpleRNN", "LSTM", "GRU", "Dense"]), min_size=1, max_size=4),
       st.lists(st.tuples(st.sampled_from(["index", "name", "model"]), st.integers(0, 3), st.booleans()),
                max_size=4))
def test_random_keras_freezes_like_keras(kinds: list[str], freezes: list[tuple[str, int, bool]]) -> None:
    stack = [f"layers.{k}({3 + i}, return_sequences=True, name='l{i}')" if k != "Dense" else
             f"layers.Dense({3 + i}, name='l{i}')" for i, k in enumerate(kinds)]
    lines = [f"model = Sequential([Input((5, 2)), {', '.join(stack)}])"]
    for how, index, flag in freezes:
        i = index % len(kinds)
        lines.append({"index": f"model.layers[{i}].trainable = {flag}",
                      "name": f"model.get_layer('l{i}').trainable = {flag}",
                      "model": f"model.trainable = {flag}"}[how])
    code = KERAS_HEAD + "\n".join(lines) + "\n"
    assert ours_keras(code) == real_keras(code)
