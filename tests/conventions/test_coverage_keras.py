"""Every public layer class of `keras.layers` (keras 3.15) is modelled by the Keras conventions or refused with a
reason the user sees.

How the classes are found: every public name of the `keras.layers` module (no leading underscore) whose value
is a class deriving from `keras.layers.Layer` (`Layer` itself included); several names may be one class
(`MaxPool1D` and `MaxPooling1D`), and each name is checked. A name is modelled when it is a layer of the
convention, one of its aliases, or its model-input call (`InputLayer`); refused when
`FrameworkConvention.refused` gives a reason, which the expression parser and the code reader then show."""

from __future__ import annotations

import inspect
import textwrap

import pytest

import rnnparams
from rnnparams.conventions import FRAMEWORKS
from rnnparams.conventions.keras import packages

keras = pytest.importorskip("keras")


def public_layer_classes() -> dict[str, type]:
    layers = keras.layers
    return {name: value for name in dir(layers) if not name.startswith("_")
            and inspect.isclass(value := getattr(layers, name)) and issubclass(value, layers.Layer)}


@pytest.mark.parametrize("framework", ["keras", "keras2"])
def test_every_public_layer_is_modelled_or_refused(framework: str) -> None:
    fw = FRAMEWORKS[framework]
    found = public_layer_classes()
    assert len(found) >= 150  # the enumeration itself works (163 names, 143 classes, in keras 3.15.1)
    modelled = set(fw.layers) | set(fw.aliases) | set(fw.input_calls)
    neither = sorted(name for name in found if name not in modelled and not fw.refused.get(name, "").strip())
    assert neither == []
    assert set(fw.refused).isdisjoint(modelled)


def test_the_conventions_name_only_real_classes() -> None:
    """Nothing is modelled or refused under a name keras.layers does not export (Keras 2's CuDNN layers aside)."""
    fw = FRAMEWORKS["keras"]
    found = public_layer_classes()
    assert sorted(set(fw.layers) - set(found)) == sorted(packages.LAYERS)  # layers packages add (mingru-keras)
    assert sorted(set(fw.aliases) - set(found)) == []
    assert sorted(set(fw.refused) - set(found)) == []
    assert sorted(set(FRAMEWORKS["keras2"].layers) - set(found)) == ["CuDNNGRU", "CuDNNLSTM"]


def test_aliases_are_the_same_classes() -> None:
    fw = FRAMEWORKS["keras"]
    for alias, name in fw.aliases.items():
        assert getattr(keras.layers, alias) is getattr(keras.layers, name), alias


@pytest.mark.parametrize("name", sorted(FRAMEWORKS["keras"].refused))
def test_a_refused_layer_says_why(name: str) -> None:
    reason = FRAMEWORKS["keras"].refused[name]
    with pytest.raises(rnnparams.RnnParamsError) as expression:
        rnnparams.count(f"Sequential([Input((3,)), {name}()])")
    assert reason in str(expression.value) and "unknown layer" not in str(expression.value)
    code = textwrap.dedent(f"""
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.{name}()])
        """)
    with pytest.raises(rnnparams.RnnParamsError) as from_code:
        rnnparams.count(code)
    assert reason in str(from_code.value)
