"""Flax oracle (linen and nnx): the parameter tree after init, one forward pass, the final carry."""

from __future__ import annotations

import flax
import jax
import jax.numpy as jnp
from flax import linen, nnx
from flax.traverse_util import flatten_dict


def versions() -> dict[str, str]:
    return {"flax": flax.__version__, "jax": jax.__version__}


def _leaves(tree: object) -> list[list[int]]:
    return [list(leaf.shape) for leaf in jax.tree_util.tree_leaves(tree)]


def probe(request: dict) -> dict:
    ns = {"nn": linen, "linen": linen, "flax": flax, "nnx": nnx, "jnp": jnp}
    model = eval(request["expr"], ns)
    embed = isinstance(model, (linen.Embed, nnx.Embed))
    x = jnp.zeros(request["input"], jnp.int32) if embed else jnp.ones(request["input"])
    key = jax.random.key(0)
    states: list[list[int]] = []
    if request["framework"] == "flax":
        if isinstance(model, linen.RNNCellBase):
            carry = model.initialize_carry(key, x.shape)
            variables = model.init(key, carry, x)
            new_carry, y = model.apply(variables, carry, x)
            states = _leaves(new_carry)
        else:
            variables = model.init(key, x)
            y = model.apply(variables, x)
            if getattr(model, "return_carry", False):
                carry, y = y
                states = _leaves(carry)
        params = [["/".join(path), list(v.shape), True] for path, v in flatten_dict(variables["params"]).items()]
    else:
        if isinstance(model, nnx.RNNCellBase):
            carry = model.initialize_carry(x.shape, nnx.Rngs(0))
            new_carry, y = model(carry, x)
            states = _leaves(new_carry)
        else:
            y = model(x)
            if getattr(model, "return_carry", False):
                carry, y = y
                states = _leaves(carry)
        params = [["/".join(str(k) for k in path), list(v.get_value().shape), True]
                  for path, v in nnx.state(model, nnx.Param).flat_state()]
    return {"params": params, "output": [list(y.shape)], "states": states}
