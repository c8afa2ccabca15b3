"""TensorFlow 1 oracle: tf.compat.v1 graph mode, a cell called on a placeholder (or run by dynamic_rnn on a
3-D input); trainable_variables() names (without ':0') and shapes, output and state shapes."""

from __future__ import annotations

import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()


def versions() -> dict[str, str]:
    out = {"tensorflow": tf.__version__}
    try:
        import tf_keras

        out["tf_keras"] = tf_keras.__version__
    except ImportError:
        pass
    return out


class _Namespace:
    """`tf` with tf.compat.v1.nn.rnn_cell and tf.nn.rnn_cell both naming TF's own rnn_cell module."""

    def __init__(self, rnn_cell: object) -> None:
        self.rnn_cell = rnn_cell


def _rnn_cell() -> object:
    try:
        return tf1.nn.rnn_cell  # TF 2.16+: lives in tf_keras (legacy cells), imported on first use
    except (ImportError, AttributeError):
        from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl

        return rnn_cell_impl


def probe(request: dict) -> dict:
    rnn_cell = _rnn_cell()
    graph = tf.Graph()
    with graph.as_default():
        expr = request["expr"].replace("tf.compat.v1.nn.rnn_cell.", "rnn_cell.").replace("tf.nn.rnn_cell.", "rnn_cell.")
        cell = eval(expr, {"rnn_cell": rnn_cell})
        shape = request["input"]
        x = tf1.placeholder(tf.float32, shape)
        if len(shape) == 3:
            y, state = tf1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        else:
            y, state = cell(x, cell.zero_state(shape[0], tf.float32))
        states = [s.shape.as_list() for s in tf.nest.flatten(state)]
        trainable = {v.name for v in tf1.trainable_variables()}
        params = [[v.name.removesuffix(":0"), v.shape.as_list(), v.name in trainable] for v in tf1.global_variables()]
    return {"params": params, "output": [y.shape.as_list()], "states": states}
