"""Hugging Face `transformers` recurrent and state-space models (Mamba, Mamba-2, FalconMamba, RWKV,
RecurrentGemma, xLSTM and the hybrids), module by module as `state_dict()` names their tensors (blocks.py, rwkv.py,
recurrent_gemma.py, xlstm.py and the hybrids' modules), and their config files as models (configs.py). A model is
counted from its config.json (`rnnparams count config.json`); the blocks can also be written as calls,
`transformers.MambaBlock(hidden_size=768, intermediate_size=1536, state_size=16, time_step_rank=48)`."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from ..base import FrameworkConvention, LayerConvention
from ..work import SEQUENCE_RUNTIME
from .configs import FRAMEWORK

VERIFIED_WITH = (("transformers", "5.24.0"), ("torch", "2.13.0"))

INDEX: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("blocks", ("Embedding", "MambaBlock", "FalconMambaBlock", "Mamba2Block")),
    ("rwkv", ("RwkvBlock",)),
    ("recurrent_gemma", ("RecurrentGemmaRecurrentLayer", "RecurrentGemmaAttentionLayer")),
    ("blocks", ("RMSNorm", "LayerNorm", "Head", "MambaStack", "FalconMambaStack", "Mamba2Stack")),
    ("rwkv", ("RwkvStack",)),
    ("recurrent_gemma", ("RecurrentGemmaStack",)),
    ("xlstm", ("xLSTMStack",)),
    ("hybrids", ("JambaStack", "BambaStack")),
    ("ssm_hybrids", ("FalconH1Stack", "NemotronHStack", "GraniteMoeHybridStack", "Lfm2Stack")),
    ("shared_hybrids", ("Zamba2Stack", "ZambaStack")),
    ("delta_hybrids", ("Qwen3NextStack",)),
)
"""(module, the names its LAYERS declares) in table order; a module may appear more than once.
tests/conventions/test_coverage_doc.py checks it against the modules."""


class _Layers(Mapping[str, LayerConvention]):
    """The table: names and membership from INDEX, each entry built by importing its module the first time one of
    its names is asked for. Counting a Mamba-2 config builds blocks.py alone, not RWKV's, RecurrentGemma's,
    xLSTM's or the hybrids' tables (milliseconds of `count`'s start-up)."""

    def __init__(self, index: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self._module = {name: module for module, names in index for name in names}
        self._loaded: dict[str, LayerConvention] = {}

    def __getitem__(self, name: str) -> LayerConvention:
        if name not in self._loaded:
            module = importlib.import_module(f"{__name__}.{self._module[name]}")  # KeyError: not in the table
            self._loaded.update(module.LAYERS)
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in self._module

    def __iter__(self) -> Iterator[str]:
        return iter(self._module)

    def __len__(self) -> int:
        return len(self._module)


LAYERS: Mapping[str, LayerConvention] = _Layers(INDEX)

TRANSFORMERS = FrameworkConvention(
    id=FRAMEWORK, display="Hugging Face transformers", layers=LAYERS, prefixes=("transformers.",),
    naming="index", verified_with=VERIFIED_WITH, runtime=SEQUENCE_RUNTIME, short="transformers",
    write_prefix="transformers.",
    syntax="a config.json of model_type mamba, mamba2, falcon_mamba, rwkv, recurrent_gemma, xlstm, jamba, bamba, "
           "falcon_h1, nemotron_h, granitemoehybrid, lfm2, zamba, zamba2 or qwen3_next; or "
           "transformers.MambaBlock(hidden_size=768, intermediate_size=1536, state_size=16, time_step_rank=48)",
)

__all__ = ["INDEX", "LAYERS", "TRANSFORMERS"]
