"""Framework conventions, one module per framework, registered by id (the single source of truth)."""

from __future__ import annotations

from .base import FrameworkConvention, LayerConvention, LayerPlan, TensorSpec
from .keras import KERAS, KERAS2
from .pytorch import PYTORCH

FRAMEWORKS: dict[str, FrameworkConvention] = {fw.id: fw for fw in (PYTORCH, KERAS, KERAS2)}

__all__ = ["FRAMEWORKS", "FrameworkConvention", "LayerConvention", "LayerPlan", "TensorSpec"]
