"""What a layer computes and keeps, declared beside its tensors: `estimate` derives MACs, FLOPs and activation
memory from these declarations (analysis/compute.py, analysis/memory.py) and never asks which layer it is.

A layer's weight products are read off its tensors (their roles and symbolic shapes); what is declared here
is what the tensors cannot say: how many times per sample the weights are applied, the elementwise work
besides the products, and which tensors training keeps for the backward pass. docs/estimates.md states
every definition and how each was measured.
"""

from __future__ import annotations

from .._record import record, replace
from ..symbolic import Const, Expr

# How many times per sample a layer's weights are applied ("positions").
ROWS = "rows"
"""Once per position of the input: its elements over the features the weights read (Linear on (T, N, F): T·N)."""
OUTPUT_POSITIONS = "outputs"
"""Once per output position: the output's elements over its channels (a convolution's output length)."""
TOKENS = "tokens"
"""Once per input element (an embedding looks up every token id)."""
STEP_OUTPUTS = "step_outputs"
"""Once per output position of every time step: the output's positions per step times the input's time steps
(a ConvLSTM applies its kernels at every position of every step, whether it returns the sequence or not)."""
INPUT_POSITIONS = "inputs"
"""Once per input position: the input's elements over its channels (a transposed convolution scatters its whole
kernel from every input position)."""

# Tensors a layer keeps for the backward pass.
INPUT = "input"
"""The layer's input (a weight gradient needs it; normalization needs it for the input gradient too)."""
INDICES = "indices"
"""The token ids an embedding looked up (integers, at the runtime's index width)."""
ROW_STATS = "row_stats"
"""Two numbers per normalized row: the mean and the inverse standard deviation (layer normalization)."""
CHANNEL_STATS = "channel_stats"
"""Two numbers per channel: the batch mean and inverse standard deviation (batch normalization)."""
OUTPUT = "output"
"""The layer's output (ReLU, sigmoid, tanh and softmax compute their gradient from it): the next layer saving
its input saves the same tensor, counted once."""
INPUT_SIZED = "input_sized"
"""A tensor of the input's size the layer computes on the way and keeps (Softsign's 1 + |x|, RReLU's noise,
LPPool's x^p)."""
OUTPUT_SIZED = "output_sized"
"""A tensor of the output's size the layer keeps besides its output (LPPool's intermediate pooled values)."""
OUTPUT_INDICES = "output_indices"
"""Where each output number came from: one index per output number, at the runtime's index width (max
pooling's argmax)."""
ROW_SCALE = "row_scale"
"""One number per normalized row: the inverse root mean square (RMS normalization)."""
GROUP_STATS = "group_stats"
"""Two numbers per sample and group: the mean and inverse standard deviation (group normalization)."""
SAMPLE_CHANNEL_STATS = "sample_channel_stats"
"""Numbers per sample and channel (instance normalization: its mean and inverse deviation, and the running
statistics and scale it repeats for every sample)."""


@record
class Keep:
    """One tensor kept for backward; `trainable_only`: only when the layer has trainable tensors (the input
    of a frozen Linear is needed by nothing)."""

    tensor: str
    trainable_only: bool = False
    copies: int = 1
    """How many such tensors (LayerNorm's ROW_STATS are one keep: the mean and the deviation are its 2)."""
    when: str | None = None
    """An argument of the layer that must be true for the tensor to be kept (InstanceNorm repeats its running
    statistics only with track_running_stats=True)."""


@record
class Cell:
    """What a recurrent cell does per step, per hidden unit and per layer·direction, besides its weight products
    and bias additions (the same in every framework: it is the cell's arithmetic, not its naming)."""

    elementwise: int
    """FLOPs: gate nonlinearities, the cell and hidden updates (LSTM 9, GRU 8, RNN 1)."""
    intermediates: int
    """H-wide tensors a step-by-step cell keeps for backward besides its gate buffer and the previous hidden
    state (measured with saved_tensors_hooks on PyTorch's CPU cells)."""
    reserve: int
    """H-wide tensors per step that cuDNN's reserve space keeps besides the gates and the output."""
    cell_state: bool = False
    """A second state besides h (LSTM's c): c_0 is kept, and a one-step cell's c_{t-1} is its given c_0."""
    output_is_state: bool = False
    """The activation's output is the hidden state itself (RNN): nothing per step beyond it."""
    gate_buffer: bool = True
    """Each step keeps its (N, G·H) recurrent-product buffer (False: the products are taken apart and only the
    gates' activations are kept, Keras' GRU with reset_after=False)."""
    first_step_twice: bool = False
    """The framework's loop computes the first step once more and keeps that step's output too (Keras' torch
    backend: its generic rnn() runs step 0 to learn the output's structure, `output_time_zero`)."""
    onednn: bool = False
    """PyTorch on CPU runs the stacked layer through oneDNN (LSTM without projection, in the runtime's
    `onednn_train_dtypes`)."""
    autocast_float32: int = 0
    """Of its `intermediates`, how many torch.autocast leaves in float32 when the initial state is float32 (torch makes
    h_0 and c_0 in the layer's input dtype): those the cell computes from its previous state elementwise, which
    promotes a 16-bit product to the state's float32 (LSTM: c_{t−1} and tanh(c_t); GRU: h − n). A cell with any
    keeps its state, and so its output, in float32 (measured with saved_tensors_hooks, docs/estimates.md)."""
    backward: int = 0
    """Elementwise FLOPs of the backward pass per step and hidden unit: each nonlinearity's derivative times the
    incoming gradient, the products' gradients, and the sums where two gradients meet (docs/estimates.md derives
    LSTM 23, GRU 17, RNN 4)."""


RNN_CELL = Cell(elementwise=1, intermediates=0, reserve=0, output_is_state=True, backward=4)
"""tanh (or relu) of the summed products: 1. The activation's output is h itself. Backward: the gradients from the
output and from the next step summed (1), tanh' = 1 − h² (2) times that sum (1): 4."""
LSTM_CELL = Cell(elementwise=9, intermediates=2, reserve=1, cell_state=True, onednn=True, autocast_float32=2,
                 backward=23)
"""σ(i), σ(f), tanh(g), σ(o), f⊙c, i⊙g, their sum, tanh(c), o⊙tanh(c) = 9; keeps c_{t-1} and tanh(c_t);
cuDNN reserves c_t. Backward: dh summed from the output and the next step (1); do = dh⊙tanh(c), d tanh(c) =
dh⊙o (2); dc += d tanh(c)⊙(1 − tanh²c) (4); di = dc⊙g, dg = dc⊙i, df = dc⊙c_{t−1}, dc_{t−1} = dc⊙f (4); σ' = a(1 − a)
times the gradient for i, f, o (9) and tanh' = 1 − g² times it for g (3): 23."""
GRU_CELL = Cell(elementwise=8, intermediates=3, reserve=1, autocast_float32=1, backward=17)
"""σ(r), σ(z), r⊙(W_hn·h + b_hn), the sum with W_in·x + b_in, tanh(n), h' = n + z⊙(h − n) (3) = 8; keeps tanh(n),
a copy of W_hn·h + b_hn (r multiplies it in place) and a copy of h − n; cuDNN reserves r ⊙ (W_hn·h + b_hn).
Backward: dh' summed from the output and the next step (1); dn = dh'⊙(1 − z) (2), dz = dh'⊙(h − n) (1), the direct
dh = dh'⊙z (1) and its sum with the recurrent product's (1); da = dn⊙(1 − n²) (3); dr = da⊙(W_hn·h + b_hn) and its
gradient da⊙r (2); σ' for r and z (6): 17."""


@record
class Work:
    """A layer's compute and activation memory, as far as its tensors do not already say them."""

    positions: str = ROWS
    cell: Cell | None = None
    """Recurrent layers: the cell they run (their weights and widths come from the tensors)."""
    cell_variants: tuple[tuple[str, object, Cell], ...] = ()
    """(argument, value, cell): the layer runs that cell instead when the argument has that value (Keras' GRU with
    reset_after=False)."""
    per_number: tuple[int, int] = (0, 0)
    """Elementwise FLOPs per number of the input (training, inference): normalization 6 (mean 1, variance 3,
    normalized value 2; its scale and shift add 2 more when it has them), batch norm at inference 0 (its
    statistics fold into the scale and shift), dropout 1 (the mask), pooling 1."""
    activation: str | None = None
    """The argument naming an activation applied to the output (Keras Dense): when it is set and not
    "linear", one FLOP per output number, and training keeps that output."""
    keeps: tuple[Keep, ...] = ()
    mask: str | None = None
    """The argument holding a dropout rate: when it is above 0, training keeps the mask."""
    flattens_input: bool = False
    """The layer reshapes its input to 2-D (nn.Linear, TimeDistributed): a transposed view is copied, so the
    previous layer's saved output is not this layer's saved input."""
    keeps_layout: bool = False
    """An elementwise layer: its output has its input's strides, so a transposed view in (a batch_first PyTorch RNN's
    output) is a transposed tensor out, which the next layer that flattens its input copies."""
    inherit: bool = False
    """A wrapper (Bidirectional, TimeDistributed): the wrapped layer's work, applied to the wrapper's copies."""
    window: str | None = None
    """Pooling: the binding holding its window's size (the kernel's elements); every output number reads that
    many inputs, one FLOP each (a comparison, or an addition)."""
    mask_per_channel: bool = False
    """The dropout mask has one number per sample and channel (Dropout2d, FeatureAlphaDropout), not one per
    number."""
    backward_per_number: int | None = None
    """Elementwise FLOPs of the backward pass per number of the input; None: twice the forward's (each operation's
    local derivative, and its product with the incoming gradient)."""
    reads_input: tuple[str, ...] = ("input_weights", "weight", "qkv_weights", "query_weights", "key_weights",
                                    "value_weights")
    """Roles of the tensors whose products read the layer's own input (in its first block: every direction of a
    recurrent layer, the first layer of a stack): their input gradient is skipped when no gradient reaches the
    layer's input (the first trainable layer), as autograd skips it. Every other product reads a tensor the layer
    computed, which needs its gradient whenever the layer is trained."""
    scores: tuple[tuple[str, ...], ...] = ()
    """Products no weight shape shows, per query position and key position, each a product of the layer's bindings:
    Keras' MultiHeadAttention multiplies the queries by the keys (N_h·d_k) and the weights by the values (N_h·d_v)
    over the S positions it attends to (in a chain, its own)."""
    attention: bool = False
    """Multi-head attention, alone or in transformer layers: besides its projections (read off its tensors), each
    attention block multiplies queries by keys and the weights by values, and keeps what its kernel keeps
    (analysis/attention.py models PyTorch's)."""
    merge: tuple[int, int, int, int] | None = None
    """A merge of N_in inputs (Keras Add, Subtract, Multiply, Average, Maximum, Minimum), FLOPs per output number:
    (forward per input beyond the first, forward once, backward per input beyond the first, backward once). Keras
    folds the inputs pairwise, one binary operation each: Add (1, 0, 0, 0), its gradient passes through; Subtract
    (1, 0, 0, 1), the second input's gradient negated; Multiply (1, 0, 2, 0), each binary product's gradient is two
    products; Average (1, 1, 0, 1), N_in − 1 additions and one division, backward the division; Maximum and
    Minimum (1, 0, 2, 0), one comparison forward, a selection per operand backward. Concatenate copies: none."""
    autocast: str = ""
    """What the layer does under torch.autocast on CPU: "cast" (an autocast op: it casts its input and weights to
    16 bits and keeps the 16-bit copies of the weights whose products' inputs need a gradient), "follow" (it runs
    in the dtype it is given), "" (not modelled: it runs in float32 or mixes dtypes; `--autocast` refuses it)."""
    cells: str | None = None
    """The argument holding cells that one loop runs one after another each step (Keras StackedRNNCells): its
    activations are each cell's as RNN(cell) keeps them, on the width of the cell before (`memory`)."""
    autocast_recast: tuple[str, ...] = ()
    """Roles of the weights whose 16-bit copy torch.autocast makes again at every step, and keeps each: torch multiplies
    by the weight's transposed view (nn.LSTM's `w_hr.t()`), and autocast caches the casts of leaf tensors only."""
    token_products: frozenset[str] = frozenset()
    """Roles of the weights multiplied once per token (each number one multiply-add): the weight products of
    decoding one token, which `rnnparams state` sums (empty: not declared, so not summed)."""
    mixers: tuple[tuple[str | None, Mixer], ...] = ()
    """Per kind of block of a sequence model, by the symbol counting its copies (None: the model's single
    block), what it does per token besides its weight products (`Mixer`); `estimate` derives prefill and decode
    FLOPs from them. A layer of a sequence model with token products but no mixer does nothing else per token
    (an embedding, a norm, the head)."""


@record
class Mixer:
    """What one kind of block of a sequence model (Mamba, RWKV, RG-LRU, attention, a mixture of experts) does per
    token besides the weight products its `Work.token_products` roles name, in the block's own symbols. The
    numbers are the work the model needs, not a kernel's: docs/estimates.md defines each and says what the CPU
    paths of the packages compute besides (a padded convolution's discarded outputs, a dense attention mask)."""

    conv_roles: frozenset[str] = frozenset()
    """Roles of depthwise causal convolution weights (channels, 1, K): channels·K multiply-adds per token."""
    scan_macs: Expr = Const(0)
    """Multiply-adds per token of the state update that are contractions (Mamba's y = C·h: d_inner·d_state)."""
    scan_flops: Expr = Const(0)
    """Elementwise FLOPs per token of the state update (discretization, the recurrence, the skip), one per
    operation as the modeling code writes it (derived on each declaration)."""
    attention: Expr | None = None
    """Multiply-adds per query and key of attention (queries by keys and weights by values: 2·heads·head_dim)."""
    window: str | None = None
    """The symbol bounding the keys a query sees (a local attention window); None: every earlier token."""
    routed: tuple[str, str] | None = None
    """(experts, top_k): the `routed_roles` tensors, whose first axis is `experts`, are applied to top_k of them per
    token (the router itself reads every token in full)."""
    routed_roles: frozenset[str] = frozenset()
    holds: frozenset[str] = frozenset()
    """Roles of which a block must hold a tensor for the mixer to apply to it (empty: every block of its kind): a
    model whose layers are counted apart (layer 0 once, the other L − 1 alike) has them beside its embedding and
    norms, all of kind None."""
    applied: str | None = None
    """The symbol counting how many times per token this kind's blocks run, where that is not how many are held (its
    copies): a shared transformer block held n_shared times runs at every one of the L_hyb hybrid layers (Zamba,
    Zamba2), so its weight products, attention and state update count L_hyb times while count and memory hold it
    n_shared times; None: each copy runs once."""
    when: str | tuple[str, ...] | None = None
    """What of the layer's configuration this mixer needs: a flag (a stack whose configuration chooses Mamba-1 or
    Mamba-2 for the same kind of block), an "argument=value" (CfC's mode="pure"), or a tuple of them that must all
    hold; the first of a kind's mixers whose conditions hold is used."""
    per_number_roles: frozenset[str] = frozenset()
    """Roles of tensors applied elementwise once per token: one FLOP per number (LTC's affine input and output
    mappings: a product by input_w, a sum with input_b)."""
    arguments: tuple[tuple[str, str], ...] = ()
    """(symbol, argument): symbols the expressions read from the layer's arguments rather than its shapes (LTC's
    ode_unfolds)."""
    last_step: tuple[str, frozenset[str]] | None = None
    """(argument, roles): products that read the layer's outputs, at every step when the argument is true, else at
    the last step alone (ncps' fc with return_sequences=False): a prefill applies them once."""
    once: bool = False
    """The expressions are the whole layer's per-token work in the layer's symbols, counted once, not once per
    block (a package layer whose blocks are a first layer and the rest, or a backbone and heads, runs one state
    update for all of them)."""


WRAPPER = Work(inherit=True)
NOTHING = Work()
"""Reshaping and pooling without weights: views and reductions that keep nothing worth counting."""


@record
class Runtime:
    """How a framework runs a model, for `estimate`: what its kernels keep, how it stores a weight matrix, and
    its optimizer's own state. A framework without one is counted exactly but not estimated."""

    kernels: str
    """Whose recurrent kernels the activation model follows: "torch" (oneDNN on CPU, PyTorch's own per-step
    cells, cuDNN on CUDA) or "keras" (cells unrolled step by step)."""
    weights_in_out: bool
    """Weight matrices are stored (in, out) (Keras), not (out, in) (PyTorch)."""
    index_bytes: int
    """Bytes per token id an embedding keeps for backward (int64: 8, int32: 4)."""
    step_bytes_per_tensor: int = 0
    """Optimizer state per parameter tensor for optimizers that count steps (torch Adam's float32 `step`: 4)."""
    optimizer_bytes: int = 0
    """Optimizer state once per model (Keras: the `iteration` int32 and `learning_rate` float32 variables: 8)."""
    optimizer_note: str = ""
    """Key of the sentence that explains the optimizer line (wording in render/i18n)."""
    mask_in_activation_dtype: bool = False
    """On CPU, dropout keeps its mask in the activation dtype (PyTorch); otherwise one byte per number."""
    devices: bool = False
    """The kernel path depends on the device (--device cpu / cuda), so the device is part of every figure."""
    optimizers: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rmsprop-centered",
                                   "adagrad", "adafactor", "adam8bit")
    """The optimizers whose state layout `estimate` knows for this framework (adam8bit: bitsandbytes, PyTorch only)."""
    measured: bool = False
    """Its figures were measured against the real package (benchmarks/validate_memory.py, the oracle tests); False:
    they follow the framework's documented layouts, and `estimate` warns so."""
    activations_measured: bool = False
    """Its activations were measured against what the framework keeps (PyTorch on CPU); False: a model, and
    `estimate` warns so."""
    reversed_input_copy: bool = False
    """The backward direction of a bidirectional layer keeps its own flipped copy of the input (Keras: a
    go_backwards layer flips its input, a new tensor)."""
    activations_measured_on: str = ""
    """Where its activation model was measured, when only in part (Keras 3: its torch backend, for some layers)."""
    training: bool = True
    """It trains: False for an inference format (ONNX), which `estimate --mode train` refuses."""
    checkpoint_state_bytes: int | None = None
    """Per-layer activation checkpointing (torch.utils.checkpoint, use_reentrant=False) is available: each checkpoint
    keeps its layer's input and the CPU generator's state (torch.get_rng_state(): 5,056 bytes), to replay dropout
    alike; None: not modelled for this framework."""
    onednn_train_dtypes: tuple[str, ...] = ()
    """Dtypes whose recurrent layers torch trains through oneDNN on CPU (aten/src/ATen/native/mkldnn/RNN.cpp,
    use_mkldnn): float32 always, bfloat16 where `mkldnn_bf16_device_check()` passes (x86 with AVX-512 BW/VL/DQ,
    `torch.ops.mkldnn._is_mkldnn_bf16_supported()`); float16 only without autograd, so never in training."""
    adafactor_velocity: bool = False
    """Adafactor keeps a parameter-sized velocity besides its factors, and two placeholder scalars instead of a 1-D
    tensor's variance (Keras)."""
    per_token: bool = False
    """A sequence model's runtime (transformers' recurrent models, mamba.py, the block packages): estimate gives
    exact weights, gradients and optimizer state, the state per sequence and, where the layers declare their
    `Work.mixers`, FLOPs per token for prefill and decoding; their activations are not modelled (said, never
    guessed)."""


TORCH_RUNTIME = Runtime(kernels="torch", weights_in_out=False, index_bytes=8, step_bytes_per_tensor=4,
                        optimizer_note="optimizer_pytorch", mask_in_activation_dtype=True, devices=True, measured=True,
                        activations_measured=True, checkpoint_state_bytes=5056,
                        onednn_train_dtypes=("float32", "bfloat16"))
KERAS_RUNTIME = Runtime(kernels="keras", weights_in_out=True, index_bytes=4, optimizer_bytes=8,
                        optimizer_note="optimizer_keras", adafactor_velocity=True, reversed_input_copy=True,
                        optimizers=("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rmsprop-centered",
                                    "adagrad", "adafactor"), measured=True)
KERAS3_RUNTIME = replace(KERAS_RUNTIME, index_bytes=8, activations_measured_on=(
    "Keras 3's torch backend for SimpleRNN, LSTM, GRU, RNN(cell), StackedRNNCells, Bidirectional, Dense and Embedding"))
"""Keras 3 as measured on its torch backend (tests/oracle/test_keras_activations_oracle.py): its `take` casts token
ids to int64 (the TensorFlow and JAX backends keep int32, 4 B per token less)."""
LAYOUT_OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
"""The optimizers whose state the other frameworks' documentation lays out (per-parameter slots)."""
FLAX_RUNTIME = Runtime(kernels="keras", weights_in_out=True, index_bytes=4, optimizer_bytes=4,
                       optimizer_note="optimizer_optax", optimizers=LAYOUT_OPTIMIZERS)
"""Flax: kernels (in, out); jax token ids int32; optax's Adam keeps mu and nu per parameter and one int32 `count`."""
PADDLE_RUNTIME = Runtime(kernels="keras", weights_in_out=False, index_bytes=8, step_bytes_per_tensor=8,
                         optimizer_note="optimizer_paddle", optimizers=LAYOUT_OPTIMIZERS)
"""PaddlePaddle: RNN weights (gates·H, in) as PyTorch; int64 ids; Adam's moment1, moment2 and the float32
beta1_pow_acc, beta2_pow_acc scalars of every parameter."""
MINDSPORE_RUNTIME = Runtime(kernels="keras", weights_in_out=False, index_bytes=4, optimizer_bytes=4,
                            optimizer_note="optimizer_mindspore", optimizers=LAYOUT_OPTIMIZERS)
"""MindSpore: weights (out, in); int32 ids; Adam's moment1 and moment2 per parameter, one int32 global step."""
MXNET_RUNTIME = Runtime(kernels="keras", weights_in_out=False, index_bytes=4, optimizer_note="optimizer_mxnet",
                        optimizers=LAYOUT_OPTIMIZERS)
"""MXNet Gluon: weights (out, in); token ids are float32; Adam's mean and var per parameter, the step count is a
Python integer."""
TF1_RUNTIME = Runtime(kernels="keras", weights_in_out=True, index_bytes=4, optimizer_bytes=8,
                      optimizer_note="optimizer_tf1", optimizers=LAYOUT_OPTIMIZERS)
"""TensorFlow 1: kernels (in, out); int32 ids; tf.train.AdamOptimizer's m and v per variable and the float32
beta1_power, beta2_power once."""
SEQUENCE_RUNTIME = Runtime(kernels="sequence", weights_in_out=False, index_bytes=8, step_bytes_per_tensor=4,
                           optimizer_note="optimizer_pytorch", measured=True, per_token=True)
"""PyTorch-built sequence models (transformers, mamba.py, minGRU-pytorch, sru, xlstm, ncps, fla): torch's optimizers,
so the optimizer state is torch's (a float32 `step` per parameter tensor for Adam); activations not modelled."""
ONNX_RUNTIME = Runtime(kernels="keras", weights_in_out=False, index_bytes=8, training=False,
                       optimizer_note="optimizer_pytorch")
"""ONNX: an inference format (its LSTM/GRU/RNN weights (gates·H, in)); int64 ids."""

__all__ = [
    "CHANNEL_STATS",
    "FLAX_RUNTIME",
    "GROUP_STATS",
    "GRU_CELL",
    "INDICES",
    "INPUT",
    "INPUT_POSITIONS",
    "INPUT_SIZED",
    "KERAS3_RUNTIME",
    "KERAS_RUNTIME",
    "LSTM_CELL",
    "MINDSPORE_RUNTIME",
    "MXNET_RUNTIME",
    "NOTHING",
    "ONNX_RUNTIME",
    "OUTPUT",
    "OUTPUT_INDICES",
    "OUTPUT_POSITIONS",
    "OUTPUT_SIZED",
    "PADDLE_RUNTIME",
    "RNN_CELL",
    "ROWS",
    "ROW_SCALE",
    "ROW_STATS",
    "SAMPLE_CHANNEL_STATS",
    "SEQUENCE_RUNTIME",
    "STEP_OUTPUTS",
    "TF1_RUNTIME",
    "TOKENS",
    "TORCH_RUNTIME",
    "WRAPPER",
    "Cell",
    "Keep",
    "Mixer",
    "Runtime",
    "Work",
]
