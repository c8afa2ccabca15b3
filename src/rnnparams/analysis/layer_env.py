"""One counted layer as the resource models see it: its batch and time steps, how many positions its weights
are applied at, its bindings with the step's sizes added, and its tensors' sizes in symbols.

Everything here is read off the layer's plan (shapes, layout, bindings), its tensors (roles and symbolic
shapes) and its convention's declared `Work`, never off its class name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..conventions.work import INPUT_POSITIONS, OUTPUT_POSITIONS, STEP_OUTPUTS, TOKENS, Cell, Runtime
from ..spec import LayerSpec
from ..symbolic import Const, Expr, Mul, Sym, add, factor, mul, product
from .report import LayerReport
from .resources import EstimateOptions, elements, is_recurrent, outputs_of, time_axis

B, T, S, s = Sym("B"), Sym("T"), Sym("S"), Sym("s")


@dataclass(frozen=True)
class LayerEnv:
    """What the memory and compute models of one layer look at."""

    layer: LayerReport
    runtime: Runtime
    options: EstimateOptions
    batch: int
    """The batch as this layer sees it: the size on its batch axis (a PyTorch RNN without batch_first fed
    (N, T, F) reads N as time and T as batch, exactly as torch does)."""
    steps: int
    positions: int
    bindings: Mapping[str, int]
    """The layer's own bindings (I, H, L, D...) plus B (batch), T (its time steps), S (positions) and s
    (bytes per activation number)."""
    upstream: bool = True
    """A layer before it has trainable tensors, so a gradient reaches its input (else a layer without trainable
    tensors of its own keeps nothing: autograd records nothing there)."""
    input_16bit: bool = False
    """Under `--autocast`: the layer receives a 16-bit tensor (a layer autocast runs in 16 bits hands it on, through
    layers that keep their input's dtype); False: float32 (the batch itself, an embedding's lookup, a cell that keeps
    a float32 state)."""
    framework: str = ""
    """The framework whose conventions counted the layer (a layer made of others counts its parts with it)."""

    def per_sample(self, shape: tuple[int | None, ...]) -> int:
        """Elements of one of this layer's tensors per batch row."""
        return elements(shape, self.options.batch) // self.batch

    def config(self, key: str, default: object = None) -> object:
        spec = self.layer.spec
        return default if spec is None else spec.get(key, default)  # type: ignore[arg-type]

    @property
    def cell(self) -> Cell | None:
        """The recurrent cell the layer runs, as its convention declares it (None: not recurrent)."""
        if not is_recurrent(self.layer):
            return None
        variant = next((c for key, value, c in self.layer.work.cell_variants if self._cell_config(key) == value), None)
        return variant or self.layer.work.cell

    def _cell_config(self, key: str) -> object:
        """An argument of the layer or, for a wrapper (Keras RNN(cell), Bidirectional), of the layer it wraps."""
        spec = self.spec_with(key)
        return None if spec is None else spec.config[key]

    def spec_with(self, key: str) -> LayerSpec | None:
        """The layer, or the one it wraps (and so on), whose arguments include `key`."""
        spec = self.layer.spec
        while spec is not None and key not in spec.config:
            spec = next((v for v in spec.config.values() if isinstance(v, LayerSpec)), None)
        return spec

    @property
    def is_cell(self) -> bool:
        """One step of a cell (nn.LSTMCell): recurrent, with no time axis."""
        return is_recurrent(self.layer) and self.layer.plan.time_axis is None

    def positions_expr(self) -> Expr:
        if self.positions == 1:
            return Const(1)
        return T if self.bindings.get("T") == self.positions else S


def layer_env(layer: LayerReport, runtime: Runtime, options: EstimateOptions, seq_len: int | None,
              upstream: bool = True, input_16bit: bool = False, framework: str = "") -> LayerEnv:
    steps, batch = 1, options.batch
    recurrent = is_recurrent(layer)
    if recurrent and len(layer.input_shape) == 3:
        axis = time_axis(layer)
        dims = [options.batch if d is None else d for d in layer.input_shape]
        steps, batch = dims[axis], dims[1 - axis]
    positions = steps if recurrent else _positions(layer, options.batch)
    bindings = dict(layer.plan.bindings)
    # under autocast a layer that keeps its input's dtype computes in float32 when it is given float32
    number = 4 if options.autocast and layer.work.autocast != "cast" and not input_16bit else options.activation_bytes
    bindings.update({"B": batch, "s": number, "S": positions, "s_i": runtime.index_bytes})
    if steps > 1 or recurrent:
        bindings["T"] = steps
    elif seq_len is not None:
        bindings["T"] = seq_len
    return LayerEnv(layer, runtime, options, batch, steps, positions, MappingProxyType(bindings), upstream,
                    input_16bit, framework)


def _positions(layer: LayerReport, batch: int) -> int:
    """Applications per sample of a non-recurrent layer (its declared `positions`): token ids looked up, output
    positions of a convolution, or the input's elements over the features its weights read."""
    how = layer.work.positions
    if how == TOKENS:
        return elements(layer.input_shape, batch) // batch
    if how in (OUTPUT_POSITIONS, STEP_OUTPUTS):  # over its output channels (a pooling has no weights saying how many)
        out = outputs_of(layer)[0]
        channels = layer.plan.bindings.get("O") or _width(out, layer.plan.feature_axis)
        per = sum(elements(o, batch) for o in outputs_of(layer)) // batch // channels if channels else 1
        if how == STEP_OUTPUTS and len(out) < len(layer.input_shape):  # one step returned: every step computed
            steps = layer.input_shape[1]
            per *= steps if steps is not None else 1
        return per
    shape = layer.input_shape
    width = _width(shape, layer.plan.feature_axis)
    if how == INPUT_POSITIONS and width is None:
        width = layer.plan.bindings.get("C")
    return elements(shape, batch) // batch // width if width else 1


def _width(shape: tuple[int | None, ...], axis: int) -> int | None:
    return shape[axis] if shape and -len(shape) <= axis < len(shape) else None


def feature_symbol(env: LayerEnv) -> str | None:
    """The symbol of the features the layer's weights read (I, C, N), as its plan links them."""
    return env.layer.plan.features[0]


def sample_expr(shape: tuple[int | None, ...], env: LayerEnv, feature: str | None) -> Expr:
    """Elements of one sample as a product: the feature axis by its symbol, a time axis as T, others as numbers."""
    tokens = env.layer.work.positions == TOKENS
    axis = env.layer.plan.feature_axis % len(shape) if shape and not tokens else None
    batch_axis = shape.index(None) if None in shape else None
    if is_recurrent(env.layer) and len(shape) == 3:  # the layer's own batch axis, even if the chain swapped them
        batch_axis = 1 - time_axis(env.layer)
    factors: list[Expr] = []
    for k, d in enumerate(shape):
        if k == batch_axis:
            continue
        if d is None:
            d = env.options.batch
        if k == axis and feature is not None and env.bindings.get(feature) == d:
            factors.append(Sym(feature))
        elif k != axis and env.bindings.get("T") == d:
            factors.append(T)
        elif k != axis and d == env.positions and d > 1:
            factors.append(env.positions_expr())
        else:
            factors.append(Const(d))
    return mul(*factors)


def drop_unit_multiplicities(expr: Expr, env: Mapping[str, int]) -> Expr:
    """L = 1 and D = 1 say nothing in a formula: substitute them so `L·D·T·B·H` reads `T·B·H`."""
    ones = {k: 1 for k in ("L", "D") if env.get(k) == 1}
    return expr.subs(ones) if ones else expr


def weight_sizes(env: LayerEnv, roles: frozenset[str]) -> Expr:
    """Σ over the plan's family blocks of copies × (Σ sizes of the tensors with these roles), factored like a
    layer formula: `4·H·(I + H)` for the input and recurrent weights of an LSTM."""
    bindings = dict(env.bindings)
    terms: list[Expr] = []
    for copies, tensors in env.layer.plan.blocks():
        # a compound width (D·H, the input of an upper layer) is kept whole: 4·H·(D·H + H), not 4·H·H·(D + 1)
        atoms: dict[Expr, Sym] = {}
        chosen = [product(tuple(d if isinstance(d, (Sym, Const)) else atoms.setdefault(d, Sym(f"_{len(atoms)}"))
                                for d in t.shape)) for t in tensors if t.role in roles]
        n = copies.evaluate(bindings)
        if n == 0 or not chosen:
            continue
        block = factor(add(*chosen)).subs({a.name: d for d, a in atoms.items()})
        terms.append(block if n == 1 else Mul((copies, block)))
    return drop_unit_multiplicities(add(*terms), bindings) if terms else Const(0)


__all__ = ["LayerEnv", "drop_unit_multiplicities", "feature_symbol", "layer_env", "sample_expr", "weight_sizes"]
