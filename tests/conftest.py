"""Suite-wide setup: Keras oracles run on the torch backend (set before anything imports keras)."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
