"""Which frameworks the code reader follows, worked out from the conventions alone: a framework whose
`FrameworkConvention.code_reader` names an adapter is read by it, and a convention with `variant_of` is
that framework's variant (Keras 2 of Keras 3: the same names, other defaults). Nothing here names a
framework, so a new one is read once its convention names an adapter.
"""

from __future__ import annotations

from ...conventions import FRAMEWORKS, FrameworkConvention


def code_frameworks() -> list[str]:
    """The frameworks whose model code is read, in the registry's order."""
    return [f for f in FRAMEWORKS if FRAMEWORKS[f].code_reader]


def framework_choices() -> str:
    """How a message offers --framework for model code: `pytorch | keras | keras2`."""
    return " | ".join(code_frameworks())


def variant_only_layers(variant: FrameworkConvention) -> set[str]:
    """The layers only a variant has (Keras 2's CuDNNLSTM and CuDNNGRU): code that uses one is the variant's."""
    assert variant.variant_of is not None
    return set(variant.layers) - set(FRAMEWORKS[variant.variant_of].layers)


def convention_for(adapter: str, requested: str | None, names: set[str]) -> FrameworkConvention:
    """The convention an adapter reads a file with: its framework (the one that is no variant), or a variant
    when --framework names it or the file uses a layer only the variant has."""
    readers = [FRAMEWORKS[f] for f in code_frameworks() if FRAMEWORKS[f].code_reader == adapter]
    for variant in readers:
        if variant.variant_of is not None and (requested == variant.id or names & variant_only_layers(variant)):
            return variant
    return next(fw for fw in readers if fw.variant_of is None)
