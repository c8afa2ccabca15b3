"""Model files read from code, against the real frameworks.

Each fixture under tests/fixtures/models is counted by rnnparams without running it. Then (here, in the test, never
in the library) the same file is executed in a namespace with torch or keras available, the same model is taken
from it (a module variable, or the class / function built with its defaults), and its real parameters are
compared with ours: every tensor's name and shape (PyTorch: `named_parameters()` in order; Keras: each layer's
weight paths), totals, trainable counts and PyTorch buffers."""

from __future__ import annotations

import builtins
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import rnnparams
from rnnparams.analysis.report import Report

pytestmark = pytest.mark.oracle

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "models"


@dataclass
class Case:
    file: str
    models: dict[str, int]
    """Every model the file defines, with its total (also asserted against the framework below)."""
    overrides: dict[str, object] = field(default_factory=dict)
    input_shape: tuple[int | None, ...] | None = None
    build: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)
    """How the test builds a model that is not a module variable (a class needing arguments...)."""
    keras_inputs: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Sample input shapes (with the batch) to build Keras models the file leaves unbuilt."""
    errors: dict[str, str] = field(default_factory=dict)
    """Models the reader must refuse without values, and a phrase of the message."""


CASES = [
    Case("pt_char_rnn_classification.py", {"rnn": 26386}),
    Case("pt_char_rnn_generation.py", {"rnn": 49614}),
    Case("pt_seq2seq_translation.py", {"encoder": 655232, "decoder": 901748},
         errors={"DecoderRNN": "--set output_size=VALUE"}),
    Case("pt_word_language_model.py", {"model": 13987678}),
    Case("pt_awd_lstm_lm.py", {"model": 24221600}),
    Case("pt_sentiment_lstm.py", {"model": 4810857}),
    Case("pt_seq2seq_attention.py", {"attn": 787456, "enc": 4900608, "dec": 15617797, "model": 20518405}),
    Case("pt_deepspeech2_rnns.py", {"model": 37972224, "lstm_model": 52775936}),
    Case("pt_torchaudio_deepspeech.py", {"DeepSpeech": 0}, overrides={"n_feature": 26},
         build={"DeepSpeech": lambda ns: ns["DeepSpeech"](n_feature=26)}),
    Case("pt_elmo_style_bilm.py", {"elmo": 13609696}),
    Case("pt_lstm_tagger.py", {"model": 411}),
    Case("pt_bilstm_crf.py", {"model": 279}),
    Case("pt_time_sequence_prediction.py", {"seq": 32284}),
    Case("pt_snli_classifier.py", {"model": 9502504}),
    Case("keras_bidirectional_lstm_imdb.py", {"model": 2757761}),
    Case("keras_lstm_seq2seq.py", {"model": 718173, "encoder_model": 335872, "decoder_model": 382301}),
    Case("keras_addition_rnn.py", {"model": 205324}),
    Case("keras_lstm_text_generation.py", {"model": 0}),
    Case("keras_pretrained_embeddings_conv1d.py", {"model": 2247516}),
    Case("keras_timeseries_weather.py", {"model": 5153}),
    Case("keras_conv1d_gru_jena.py", {"model": 13793}, keras_inputs={"model": (1, 20, 14)}),
    Case("keras_imdb_cnn_lstm.py", {"model": 2638895}, keras_inputs={"model": (1, 100)}),
    Case("keras_lstm_stateful.py", {"model_stateful": 1781, "model_stateless": 1781}),
    Case("keras_text_generation_subclassed.py", {"model": 0}),
    Case("keras_nmt_attention.py", {"encoder": 6348288, "decoder": 15505992}),
    Case("keras_functional_multi_input.py", {"model": 1392097}, keras_inputs={"model": (1, 7)}),
    # the layers issue (#17): convolutions, attention, ConvLSTM, merging layers, subclassed layers
    Case("keras_captcha_ocr.py", {"model": 432725}),
    Case("keras_handwriting_recognition.py", {"model": 424081}),
    Case("keras_ctc_asr.py", {"model": 26628480}),
    Case("keras_conv_lstm_frames.py", {"model": 746689}),
    Case("keras_conv_lstm_keras2.py", {"seq": 407001}),
    Case("keras_timeseries_transformer.py", {"model": 29258}, overrides={"len(np.unique(y_train))": 2}),
    Case("keras_timeseries_fcn.py", {"model": 25858}, overrides={"len(np.unique(y_train))": 2}),
    Case("keras_timeseries_anomaly.py", {"model": 9505}),
    Case("keras_text_transformer.py", {"model": 657758}),
    Case("keras_speaker_recognition.py", {"model": 3088597}),
    Case("keras_video_gru_mask.py", {"seq_model": 99909}),
    Case("keras_mnist_convnet.py", {"model": 34826}),
    # issue #17: convolutions, pooling, normalization, attention and transformers in real-world model code
    Case("pt_crnn_ocr.py", {"model": 8331301}),
    Case("pt_dcgan.py", {"netG": 3576704, "netD": 2765568}),
    Case("pt_transformer_lm.py", {"model": 13828478}),
    Case("pt_fast_neural_style.py", {"TransformerNet": 1679235}),
    Case("pt_super_resolution.py", {"model": 59657}),
    Case("pt_mnist_cnn.py", {"Net": 1199882}),
    Case("pt_vgg_cifar.py", {"net": 14728266}),
    Case("pt_resnet_cifar.py", {"ResNet18": 11173962, "ResNet50": 23520842},
         errors={"BasicBlock": "--set in_planes=VALUE", "Bottleneck": "--set in_planes=VALUE", "ResNet": "--set"}),
    Case("pt_lstnet.py", {"model": 325871}),
    Case("pt_m5_audio.py", {"model": 26915}),
    Case("pt_text_recognition_attention.py", {"model": 9148710}),
    Case("pt_spatial_transformer.py", {"model": 27360}),
]
"""Totals 0 are computed from the framework only (they depend on a corpus the fixture spells out)."""


def test_at_least_25_fixtures_with_sources() -> None:
    files = sorted(FIXTURES.glob("*.py"))
    assert len(files) >= 25
    assert len([f for f in files if f.name.startswith("pt_")]) >= 14 + 10  # issue #17: 10 more PyTorch files
    assert {c.file for c in CASES} == {f.name for f in files}
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    for f in files:
        head = f.read_text(encoding="utf-8").splitlines()[:6]
        assert any(line.startswith("# Source: https://") for line in head), f.name
        assert any(line.startswith("# License of the source: ") for line in head), f.name
        assert f.name in sources, f"{f.name} missing from SOURCES.md"


# -- running a fixture for real (the test does this; the library never does) ---------------------------------

def _tensorflow_shim() -> types.ModuleType:
    """`tensorflow` for the Keras fixtures: tf.keras is Keras 3 (torch backend), tf.* ops are keras.ops."""
    import keras
    from keras import ops

    shim = types.ModuleType("tensorflow")
    shim.keras = keras  # type: ignore[attr-defined]
    shim.expand_dims = ops.expand_dims  # type: ignore[attr-defined]
    shim.reduce_sum = lambda x, axis=None, keepdims=False: ops.sum(x, axis=axis, keepdims=keepdims)  # type: ignore[attr-defined]
    shim.concat = lambda values, axis: ops.concatenate(values, axis=axis)  # type: ignore[attr-defined]
    shim.reshape = ops.reshape  # type: ignore[attr-defined]
    shim.zeros = ops.zeros  # type: ignore[attr-defined]
    shim.nn = types.SimpleNamespace(tanh=ops.tanh, softmax=lambda x, axis=-1: ops.softmax(x, axis=axis))  # type: ignore[attr-defined]
    return shim


@contextmanager
def _quiet_argv() -> Iterator[None]:
    saved = sys.argv
    sys.argv = ["fixture"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.argv = saved


def run_fixture(path: Path) -> dict[str, Any]:
    real_import = builtins.__import__
    shim = _tensorflow_shim() if path.name.startswith("keras_") else None

    def imports(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if shim is not None and (name == "tensorflow" or name.startswith("tensorflow.")):
            if not fromlist:
                return shim
            module: Any = shim
            for part in name.split(".")[1:]:
                module = getattr(module, part)
            return module
        return real_import(name, globals, locals, fromlist, level)

    if shim is not None:  # Keras names layers with session-wide counters: each file starts a fresh session
        shim.keras.backend.clear_session()  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": {**vars(builtins), "__import__": imports}}
    with _quiet_argv():
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def real_model(case: Case, ns: dict[str, Any], name: str, kind: str) -> Any:
    if name in case.build:
        return case.build[name](ns)
    if kind == "variable":
        return ns[name]
    return ns[name]()


# -- comparing --------------------------------------------------------------------------------------------------

def compare_torch(ours: Report, model: Any) -> None:
    theirs = [(n, tuple(p.shape)) for n, p in model.named_parameters()]
    mine = [(t.name, t.shape) for layer in ours.layers for t in layer.tensors]
    assert mine == theirs
    assert ours.total_params == sum(p.numel() for p in model.parameters())
    assert ours.trainable_params == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert ours.buffers == sum(b.numel() for b in model.buffers())


def compare_keras(ours: Report, model: Any, sample: tuple[int, ...] | None) -> None:
    import numpy as np

    if not model.built or not model.weights:
        assert sample is not None, "the test needs a sample input shape to build this model"
        model(np.zeros(sample, dtype="int32" if len(sample) == 2 else "float32"))
    paths = {w.path: (tuple(w.shape), w.trainable) for w in model.weights}
    matched: set[str] = set()
    for layer in ours.layers:
        for t in layer.tensors:
            suffix = f"{layer.name}/{t.name}"
            found = [p for p in paths if p == suffix or p.endswith("/" + suffix)]
            assert len(found) == 1, f"{suffix}: {found or sorted(paths)}"
            assert paths[found[0]] == (t.shape, t.trainable), suffix
            matched.add(found[0])
    assert matched == set(paths)
    assert ours.total_params == model.count_params()
    assert ours.trainable_params == sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_fixture_against_framework(case: Case) -> None:
    path = FIXTURES / case.file
    listing = rnnparams.models_in_file(str(path), input_shape=case.input_shape, overrides=case.overrides)
    found = {m.name: m for m in listing.models}
    assert set(found) == set(case.models) | set(case.errors)
    for name, phrase in case.errors.items():
        assert found[name].report is None and phrase in (found[name].error or "")
    namespace = run_fixture(path)
    for name, total in case.models.items():
        entry = found[name]
        assert entry.report is not None, entry.error
        real = real_model(case, namespace, name, entry.kind)
        if entry.framework == "pytorch":
            compare_torch(entry.report, real)
        else:
            compare_keras(entry.report, real, case.keras_inputs.get(name))
        if total:
            assert entry.report.total_params == total


def test_tied_weights_like_torch() -> None:
    """--tied in the word language model: the decoder's weight is the encoder's, counted once as torch does."""
    path = FIXTURES / "pt_word_language_model.py"
    ours = rnnparams.count(str(path), overrides={"args.tied": True})
    ns = run_fixture(path)
    real = ns["RNNModel"]("LSTM", 33278, 200, 200, 2, 0.2, True)
    compare_torch(ours, real)
    assert [t.name for layer in ours.layers for t in layer.tensors][-1] == "decoder.bias"


def test_awd_lstm_untied_like_torch() -> None:
    path = FIXTURES / "pt_awd_lstm_lm.py"
    ours = rnnparams.count(str(path), overrides={"args.tied": False})
    ns = run_fixture(path)
    real = ns["RNNModel"]("LSTM", 10000, 400, 1150, 3, 0.4, 0.3, 0.65, 0.1, 0.0, False)
    compare_torch(ours, real)


def test_gru_variant_of_the_word_language_model() -> None:
    path = FIXTURES / "pt_word_language_model.py"
    ours = rnnparams.count(str(path), overrides={"args.model": "RNN_RELU", "args.nlayers": 3})
    ns = run_fixture(path)
    compare_torch(ours, ns["RNNModel"]("RNN_RELU", 33278, 200, 200, 3, 0.2, False))
