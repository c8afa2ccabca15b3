"""Oracle tests build the same model in the real framework; Keras runs on the torch backend."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
