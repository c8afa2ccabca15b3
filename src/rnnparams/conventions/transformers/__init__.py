"""Hugging Face `transformers` recurrent and state-space models (Mamba, Mamba-2, FalconMamba, RWKV,
RecurrentGemma, xLSTM and the hybrids), module by module as `state_dict()` names their tensors (blocks.py and
the hybrids' modules), and their config files as models (configs.py). A model is counted from its config.json
(`rnnparams count config.json`); the blocks can also be written as calls, `transformers.MambaBlock(
hidden_size=768, intermediate_size=1536, state_size=16, time_step_rank=48)`."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from ..base import FrameworkConvention, LayerConvention
from ..work import SEQUENCE_RUNTIME
from .blocks import LAYERS as BLOCKS
from .configs import FRAMEWORK

VERIFIED_WITH = (("transformers", "5.24.0"), ("torch", "2.13.0"))

HYBRID_MODULES = ((".hybrids", "HYBRIDS"), (".ssm_hybrids", "SSM_HYBRIDS"), (".shared_hybrids", "SHARED_HYBRIDS"),
                  (".delta_hybrids", "DELTA_HYBRIDS"))
"""The hybrid stacks' modules (Jamba, Bamba, FalconH1, NemotronH, Zamba, Qwen3-Next...) and the table each
registers."""


class _Layers(Mapping[str, LayerConvention]):
    """The blocks and the pure recurrent stacks at once; the hybrid stacks' modules the first time a name is not
    among them or every layer is listed: counting a Mamba-2 config does not build the hybrids' tables (a few
    milliseconds of `count`'s start-up)."""

    def __init__(self, eager: Mapping[str, LayerConvention]) -> None:
        self._layers = dict(eager)
        self._complete = False

    def _load(self) -> None:
        if not self._complete:
            for module, table in HYBRID_MODULES:
                self._layers.update(getattr(importlib.import_module(module, __name__), table))
            self._complete = True

    def __getitem__(self, name: str) -> LayerConvention:
        if name not in self._layers:
            self._load()
        return self._layers[name]

    def __contains__(self, name: object) -> bool:
        if name not in self._layers:
            self._load()
        return name in self._layers

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(self._layers)

    def __len__(self) -> int:
        self._load()
        return len(self._layers)


LAYERS: Mapping[str, LayerConvention] = _Layers(BLOCKS)

TRANSFORMERS = FrameworkConvention(
    id=FRAMEWORK, display="Hugging Face transformers", layers=LAYERS, prefixes=("transformers.",),
    naming="index", verified_with=VERIFIED_WITH, runtime=SEQUENCE_RUNTIME, short="transformers",
    write_prefix="transformers.",
    syntax="a config.json of model_type mamba, mamba2, falcon_mamba, rwkv, recurrent_gemma, xlstm, jamba, bamba, "
           "falcon_h1, nemotron_h, granitemoehybrid, lfm2, zamba, zamba2 or qwen3_next; or "
           "transformers.MambaBlock(hidden_size=768, intermediate_size=1536, state_size=16, time_step_rank=48)",
)

__all__ = ["LAYERS", "TRANSFORMERS"]
