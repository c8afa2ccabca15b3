"""rnnparams: count, explain and check the parameters of recurrent networks exactly as each framework does.

    >>> import rnnparams
    >>> rnnparams.count("nn.LSTM(100, 256)").total_params
    366592
"""

from __future__ import annotations

from .analysis.report import LayerReport, Report, TensorReport
from .api import (
    check,
    compare,
    count,
    estimate,
    estimate_sequence,
    explain,
    formula,
    inspect,
    models_in_file,
    recurrent_state,
)
from .errors import RnnParamsError

__version__ = "0.1.0"
__all__ = [
    "LayerReport", "Report", "RnnParamsError", "TensorReport", "__version__", "check", "compare", "count", "estimate",
    "estimate_sequence", "explain", "formula", "inspect", "models_in_file", "recurrent_state",
]
