"""Hugging Face `transformers` recurrent and state-space models (Mamba, Mamba-2, FalconMamba, RWKV,
RecurrentGemma), module by module as `state_dict()` names their tensors (blocks.py), and their config files as
models (configs.py). A model is counted from its config.json (`rnnparams count config.json`); the blocks can
also be written as calls, `transformers.MambaBlock(hidden_size=768, intermediate_size=1536, state_size=16,
time_step_rank=48)`."""

from __future__ import annotations

from ..base import FrameworkConvention
from ..work import SEQUENCE_RUNTIME
from .blocks import LAYERS
from .configs import FRAMEWORK
from .delta_hybrids import DELTA_HYBRIDS
from .hybrids import HYBRIDS
from .shared_hybrids import SHARED_HYBRIDS
from .ssm_hybrids import SSM_HYBRIDS

VERIFIED_WITH = (("transformers", "5.24.0"), ("torch", "2.13.0"))

LAYERS.update(HYBRIDS)
LAYERS.update(SSM_HYBRIDS)
LAYERS.update(SHARED_HYBRIDS)
LAYERS.update(DELTA_HYBRIDS)

TRANSFORMERS = FrameworkConvention(
    id=FRAMEWORK, display="Hugging Face transformers", layers=LAYERS, prefixes=("transformers.",),
    naming="index", verified_with=VERIFIED_WITH, runtime=SEQUENCE_RUNTIME, short="transformers",
    write_prefix="transformers.",
    syntax="a config.json of model_type mamba, mamba2, falcon_mamba, rwkv, recurrent_gemma, xlstm, jamba, bamba, "
           "falcon_h1, nemotron_h, granitemoehybrid, lfm2, zamba, zamba2 or qwen3_next; or "
           "transformers.MambaBlock(hidden_size=768, intermediate_size=1536, state_size=16, time_step_rank=48)",
)

__all__ = ["LAYERS", "TRANSFORMERS"]
