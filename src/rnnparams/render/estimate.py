"""Resource estimates as text: the `estimate` command's tables, and `render_resources`, the step-by-step
derivations (English or Chinese) that `explain --resources` shows. Every number comes from the estimate;
this module only words, aligns and converts bytes to binary units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..analysis.estimate import Estimate, EstimateLine, LayerEstimate
from ..conventions import FRAMEWORKS
from ..symbolic import render_values
from .i18n import SYMBOLS, cjk_punct, num, width, word

TIMES = " × "

EXTRA_SYMBOLS: dict[str, tuple[str, str]] = {
    "B": ("batch size", "批大小"),
    "T": ("time steps", "时间步数"),
    "S": ("positions per sequence", "每个序列的位置数"),
    "s": ("bytes per number", "每个数的字节数"),
    "s_i": ("bytes per token index", "每个词元索引的字节数"),
    "M": ("MACs per step", "每步乘加次数"),
    "F": ("FLOPs per step", "每步浮点运算次数"),
    "Fb": ("bias additions per step", "每步偏置加法次数"),
    "Fe": ("elementwise FLOPs per step", "每步逐元素运算次数"),
    "M_w": ("weight-gradient MACs per step", "每步权重梯度乘加次数"),
    "M_x": ("input-gradient MACs per step", "每步输入梯度乘加次数"),
    "M_x1": ("input-gradient MACs of the first step", "第一步的输入梯度乘加次数"),
    "M_b": ("backward MACs per step", "每步反向乘加次数"),
    "M_b1": ("backward MACs of the first step", "第一步的反向乘加次数"),
    "Fb_b": ("bias-gradient additions per step", "每步偏置梯度加法次数"),
    "Fe_b": ("elementwise backward FLOPs per step", "每步反向逐元素运算次数"),
    "F_b": ("backward FLOPs per step", "每步反向浮点运算次数"),
    "F_t": ("forward + backward FLOPs per step", "每步前向 + 反向浮点运算次数"),
    "F_t1": ("forward + backward FLOPs of the first step", "第一步的前向 + 反向浮点运算次数"),
    "n": ("parameters", "参数个数"),
    "n_t": ("trainable parameters", "可训练参数个数"),
    "m": ("trainable parameter tensors", "可训练参数张量个数"),
    "n_f": ("numbers of Adafactor's row and column factors", "Adafactor 行、列因子的数个数"),
    "n_8": ("numbers in tensors with 8-bit state (≥ 4,096 numbers)", "使用 8 位状态的张量中的数个数(≥ 4,096 个数)"),
    "n_32": ("numbers in smaller tensors (32-bit state)", "较小张量中的数个数(32 位状态)"),
    "k_b": ("blocks of 256 numbers (one float32 absmax each per state)",
            "256 个数一块的块数(每个状态每块一个 float32 absmax)"),
    "q": ("codes of each shared quantization map (float32)", "每个共享量化表的码数(float32)"),
    "n_b": ("floating-point buffer numbers", "浮点缓冲区的数个数"),
    "k": ("int64 counters", "int64 计数器个数"),
    "g": ("G·H padded to 64 bytes (oneDNN leading dimension)", "G·H 按 64 字节对齐后的宽度(oneDNN 主维)"),
    "h": ("H padded to 64 bytes", "H 按 64 字节对齐后的宽度"),
    "w": ("max(I, H) padded to 64 bytes", "max(I, H) 按 64 字节对齐后的宽度"),
    "w_0": ("max(I, H) padded to 64 bytes, layer 0", "第 0 层 max(I, H) 按 64 字节对齐后的宽度"),
    "w_1": ("max(D·H, H) padded to 64 bytes, upper layers", "上层 max(D·H, H) 按 64 字节对齐后的宽度"),
    "v": ("max(I, H) padded to 16 floats (diff states)", "max(I, H) 按 16 个 float32 对齐后的宽度(反向差分状态)"),
    "v_0": ("max(I, H) padded to 16 floats, layer 0", "第 0 层 max(I, H) 按 16 个 float32 对齐后的宽度"),
    "v_1": ("max(D·H, H) padded to 16 floats, upper layers", "上层 max(D·H, H) 按 16 个 float32 对齐后的宽度"),
    "a": ("page alignment (4 KiB)", "按 4 KiB 页对齐补齐的字节"),
    "a_0": ("page alignment (4 KiB), layer 0", "第 0 层按 4 KiB 页对齐补齐的字节"),
    "a_1": ("page alignment (4 KiB), upper layers", "上层按 4 KiB 页对齐补齐的字节"),
}

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Resource estimate", "资源估算"),
    "batch": ("batch", "批大小"),
    "steps": ("steps", "步"),
    "training": ("training with {opt}", "训练,优化器 {opt}"),
    "inference": ("inference", "推理"),
    "mixed": ("mixed precision", "混合精度"),
    "autocast": ("torch.autocast to {dtype}", "torch.autocast 转为 {dtype}"),
    "memory": ("Memory", "显存/内存"),
    "compute": ("Compute", "计算量"),
    "symbols": ("Symbols", "符号"),
    "per_layer": ("Per layer", "逐层"),
    "layer": ("Layer (type)", "层(类型)"),
    "params": ("Params", "参数"),
    "bytes": ("Bytes", "字节"),
    "size": ("Size", "大小"),
    "path": ("Activations modelled for", "激活值模型"),
    "weights_col": ("Weights", "权重"),
    "activations_col": ("Activations", "激活值"),
    "states_col": ("States", "状态"),
    "macs": ("MACs", "乘加次数(MACs)"),
    "flops": ("FLOPs", "浮点运算次数(FLOPs)"),
    "per_step": ("per step", "每步"),
    "per_sequence": ("per sequence", "每个序列"),
    "per_batch": ("per batch", "每批"),
    "fwd_bwd": ("forward + backward", "前向 + 反向"),
    "forward": ("forward", "前向"),
    "positions": ("Positions", "位置数"),
    "total": ("Total", "合计"),
    "activations_of": ("Activations", "激活值"),
    "states_of": ("Recurrent states returned", "返回的循环状态"),
    "weights_of": ("Weights", "权重"),
    "not_counted": ("not counted again", "不重复计入"),
    "definitions": ("Definitions", "定义"),
    "no_compute": ("0 MACs, 0 FLOPs (no weight products, no arithmetic)",
                   "0 次乘加,0 次浮点运算(没有权重乘法,也没有算术运算)"),
    "warning": ("warning", "警告"),
}

MEMORY_LINES: dict[str, tuple[str, str]] = {
    "weights": ("Weights", "权重(参数)"),
    "buffers": ("Buffers", "缓冲区"),
    "master_weights": ("FP32 master weights", "FP32 主权重副本"),
    "gradients": ("Gradients", "梯度"),
    "optimizer_state": ("Optimizer state", "优化器状态"),
    "activations": ("Activations kept for backward", "为反向传播保存的激活值"),
    "activations_inference": ("Activations (largest layer, live)", "激活值(最大一层的峰值)"),
    "states": ("Recurrent states", "循环状态"),
    "total": ("Sum of the parts (not a peak)", "各部分之和(不是峰值)"),
}

PEAK_LINES: dict[str, tuple[str, str]] = {
    "train": ("Peak (training step)", "峰值(一个训练步)"),
    "inference": ("Peak (inference)", "峰值(推理)"),
}

PEAK_WORDS: dict[str, tuple[str, str]] = {
    "not_modelled": ("not modelled", "未建模"),
    "measured_on": ("peaks: a timeline of what is alive at each moment, modelled on the CPU allocator's events "
                    "(torch.profiler, profile_memory=True) of a real step — training: forward, loss mean(out²), "
                    "backward, optimizer.step(), zero_grad(set_to_none=True), the optimizer state of the step before "
                    "resident; inference: a forward under no_grad in eval mode; within 5 % of the measured peak on "
                    "benchmarks/validate_memory.py --peaks",
                    "峰值:按每一时刻存活的张量逐步模拟,依据真实一步中 CPU 分配器的事件(torch.profiler,"
                    "profile_memory=True)建模——训练:前向、损失 mean(out²)、反向、optimizer.step()、"
                    "zero_grad(set_to_none=True),上一步的优化器状态常驻;推理:eval 模式下 no_grad 的一次前向;"
                    "在 benchmarks/validate_memory.py --peaks 上与实测峰值相差不超过 5%"),
    "peak_at": ("reached in", "出现在"),
    "forward": ("the forward pass of {layer}", "{layer} 的前向计算"),
    "backward": ("the backward pass of {layer}", "{layer} 的反向传播"),
    "loss": ("the loss and its gradient", "损失及其梯度"),
    "optimizer": ("the optimizer step", "优化器更新"),
    "start": ("the resident tensors alone", "仅常驻张量"),
}

PEAK_REASONS: dict[str, tuple[str, str]] = {
    "peak_framework": ("only PyTorch's CPU kernels are modelled; the sum of the parts is shown instead",
                       "只对 PyTorch 的 CPU 内核建模;这里只给出各部分之和"),
    "peak_device": ("CUDA peaks are not measured (no GPU here); the sum of the parts is shown instead",
                    "CUDA 的峰值未实测(本机没有 GPU);这里只给出各部分之和"),
    "peak_checkpointing": ("checkpointed steps are not modelled; the sum of the parts is shown instead",
                           "检查点训练步未建模;这里只给出各部分之和"),
    "peak_mixed_precision": ("mixed-precision steps are not modelled; the sum of the parts is shown instead",
                             "混合精度训练步未建模;这里只给出各部分之和"),
    "peak_autocast": ("torch.autocast steps are not measured for peaks (their casts and float32 temporaries are not in "
                      "the timeline); the sum of the parts is shown instead",
                      "torch.autocast 训练步的峰值未实测（其类型转换和 float32 临时张量不在时间线中）；"
                      "这里只给出各部分之和"),
    "peak_optimizer": ("bitsandbytes' 8-bit Adam step is not measured (every torch.optim optimizer is); the sum of the "
                       "parts is shown instead",
                       "bitsandbytes 的 8 位 Adam 更新未实测(torch.optim 的优化器均已实测);这里只给出各部分之和"),
    "peak_layer": ("a layer's kernel temporaries are not modelled (convolution, pooling, batch/group/instance norm, "
                   "RMSNorm, attention, activation layers, GRU cells); the sum of the parts is shown instead",
                   "某层内核的临时张量未建模(卷积、池化、批/组/实例归一化、RMSNorm、注意力、激活层、GRU 单元);"
                   "这里只给出各部分之和"),
    "peak_dtype": ("peaks are modelled for float32: 16-bit CPU kernels allocate float32 temporaries not modelled (a "
                   "float16 GRU: up to −22 %), and a bfloat16 LSTM runs through oneDNN only on CPUs with AVX-512 bf16; "
                   "the sum of the parts is shown instead",
                   "峰值只对 float32 建模:16 位 CPU 内核会分配未建模的 float32 临时张量(float16 的 GRU 最多差 −22%),"
                   "而 bfloat16 的 LSTM 只在支持 AVX-512 bf16 的 CPU 上走 oneDNN;这里只给出各部分之和"),
    "peak_onednn_inference": ("oneDNN's inference scratchpad holds more than its gate buffer, by an amount not derived "
                              "(2–13 % of the peak measured); the sum of the parts is shown instead",
                              "oneDNN 推理时的暂存区除门缓冲区外还有未推导出的部分(实测占峰值的 2–13%);"
                              "这里只给出各部分之和"),
    "peak_native_forward": ("the peak falls in the forward of a step-by-step (native) recurrent layer whose input "
                            "needs a gradient, where torch allocates less than the timeline models (up to 8 % of "
                            "the peak, not derived); the sum of the parts is shown instead",
                            "峰值落在输入需要梯度的逐步(native)循环层的前向计算中,torch 在那里分配的内存少于时间线的"
                            "模型(最多占峰值的 8%,尚未推导);这里只给出各部分之和"),
    "peak_small": ("below 4 MiB, the small buffers the timeline leaves out (states, scalars, a kernel's fixed "
                   "buffers) can exceed 5 % of the peak; the sum of the parts is shown instead",
                   "低于 4 MiB 时,时间线未计入的小缓冲区(状态、标量、内核的固定缓冲区)可能超过峰值的 5%;"
                   "这里只给出各部分之和"),
}

ITEMS: dict[str, tuple[str, str]] = {
    "input": ("layer input", "层输入"),
    "checkpoint_input": ("layer input, held by the checkpoint", "检查点保存的层输入"),
    "rng_state": ("CPU generator state", "CPU 随机数生成器状态"),
    "layer_inputs": ("inputs of the upper layers", "上层的输入"),
    "outputs": ("outputs of every layer and direction", "每层每个方向的输出"),
    "final_states": ("final h and c of every layer and direction", "每层每个方向最后的 h 和 c"),
    "initial_states": ("initial states (zeros)", "初始状态(全零)"),
    "workspace": ("oneDNN workspace", "oneDNN 工作区"),
    "weight_copies": ("weight copies", "权重副本"),
    "reserve": ("cuDNN reserve space", "cuDNN 保留区"),
    "gates": ("gate buffers, every step", "每一步的门缓冲区"),
    "cell_intermediates": ("cell intermediates, every step", "每一步的单元中间量"),
    "cell_intermediates_float32": ("float32 cell intermediates, every step (autocast)",
                                   "每一步的 float32 单元中间量（autocast）"),
    "projection_inputs": ("projection inputs, every step", "每一步的投影输入"),
    "hidden_states": ("previous hidden states", "前一步的隐藏状态"),
    "autocast_weight_copies": ("16-bit weight copies (autocast)", "16 位权重副本（autocast）"),
    "reversed_input": ("reversed input (backward layer)", "反转后的输入（反向层）"),
    "first_step_again": ("first step's output, computed again", "再次计算的第一步输出"),
    "cell_inputs": ("the cell below's outputs it reads (stacked cells)", "读入的下层单元输出（堆叠单元）"),
    "dropout_masks": ("dropout masks between layers", "层间 dropout 掩码"),
    "dropout_mask": ("dropout mask", "dropout 掩码"),
    "indices": ("token indices", "词元索引"),
    "norm_stats": ("normalization statistics (mean, 1/std)", "归一化统计量(均值、标准差倒数)"),
    "activation_output": ("activation output", "激活函数输出"),
    "output": ("layer output", "层输出"),
    "working": ("input projections of the whole sequence", "整个序列的输入投影"),
    "states": ("states", "状态"),
    "intermediates": ("intermediates", "中间量"),
    "argmax": ("argmax indices (int64)", "最大值位置索引(int64)"),
    "projections": ("query, key and value projections", "查询、键、值的投影"),
    "keys_values": ("key and value projections", "键和值的投影"),
    "scaled_queries": ("scaled queries", "缩放后的查询"),
    "attention_weights": ("attention weights (softmax)", "注意力权重(softmax)"),
    "attention_dropout": ("attention dropout mask and dropped weights", "注意力 dropout 掩码与丢弃后的权重"),
    "attention_output": ("attention output (out_proj input)", "注意力输出(out_proj 的输入)"),
    "self_attention": ("self-attention", "自注意力"),
    "cross_attention": ("cross-attention", "交叉注意力"),
    "norm_inputs_and_stats": ("LayerNorm inputs and statistics", "LayerNorm 的输入与统计量"),
    "feed_forward": ("feed-forward inputs and activation", "前馈层的输入与激活值"),
}

COMPUTE_LINES: dict[str, tuple[str, str]] = {
    "macs_step": ("MACs per step", "每步乘加次数"),
    "bias_step": ("bias additions per step", "每步偏置加法"),
    "elementwise_step": ("elementwise FLOPs per step", "每步逐元素运算"),
    "flops_step": ("FLOPs per step", "每步浮点运算次数"),
    "macs_sequence": ("MACs per sequence", "每个序列乘加次数"),
    "macs_batch": ("MACs per batch", "每批乘加次数"),
    "flops_sequence": ("FLOPs per sequence", "每个序列浮点运算次数"),
    "flops_batch": ("FLOPs per batch", "每批浮点运算次数"),
    "macs_weight_grad_step": ("weight-gradient MACs per step", "每步权重梯度乘加次数"),
    "macs_input_grad_step": ("input-gradient MACs per step", "每步输入梯度乘加次数"),
    "bias_backward_step": ("bias-gradient additions per step", "每步偏置梯度加法"),
    "elementwise_backward_step": ("elementwise backward FLOPs per step", "每步反向逐元素运算"),
    "macs_backward_step": ("backward MACs per step", "每步反向乘加次数"),
    "flops_backward_step": ("backward FLOPs per step", "每步反向浮点运算次数"),
    "macs_input_grad_first_step": ("input-gradient MACs of the first step (h_0 needs none)",
                                   "第一步的输入梯度乘加次数(h_0 不需要梯度)"),
    "macs_backward_first_step": ("backward MACs of the first step", "第一步的反向乘加次数"),
    "flops_train_first_step": ("FLOPs of the first step, forward + backward", "第一步浮点运算次数(前向 + 反向)"),
    "macs_backward_sequence": ("backward MACs per sequence", "每个序列反向乘加次数"),
    "macs_backward_batch": ("backward MACs per batch", "每批反向乘加次数"),
    "flops_train_step": ("FLOPs per step, forward + backward", "每步浮点运算次数(前向 + 反向)"),
    "flops_train_sequence": ("FLOPs per sequence, forward + backward", "每个序列浮点运算次数(前向 + 反向)"),
    "flops_train_batch": ("FLOPs per batch, forward + backward", "每批浮点运算次数(前向 + 反向)"),
}

PATHS: dict[str, tuple[str, str]] = {
    "onednn": ("PyTorch CPU, oneDNN LSTM kernel", "PyTorch CPU,oneDNN LSTM 内核"),
    "native": ("PyTorch, step-by-step cell", "PyTorch,逐步计算的单元"),
    "cudnn": ("PyTorch CUDA, cuDNN (not measured here)", "PyTorch CUDA,cuDNN(本机未实测)"),
    "keras": ("Keras, unrolled step by step (not measured)", "Keras,逐步展开(未实测)"),
    "generic": ("tensors the layer saves", "该层保存的张量"),
    "inference": ("inference: input, output and working memory", "推理:输入、输出和工作内存"),
    "checkpoint": ("checkpointed: its input and the generator state", "检查点:只保留输入和随机数生成器状态"),
}

NOTES: dict[str, tuple[str, str]] = {
    "same_as_previous_output": ("the previous layer's saved output, already counted",
                                "即上一层保存的输出,已计入"),
    "onednn_workspace": ("gates, h, states and diff-states in oneDNN's padded layout, on 4 KiB pages",
                         "按 oneDNN 对齐布局存放门、h、状态和反向差分状态,按 4 KiB 页对齐"),
    "onednn_weight_copies": ("without biases, PyTorch hands oneDNN copies of the weights, kept for backward",
                             "没有偏置时,PyTorch 交给 oneDNN 的是权重副本,为反向传播保留"),
    "autocast_copies": ("torch.autocast's 16-bit copies of the weights, kept for backward",
                        "torch.autocast 生成的 16 位权重副本，为反向传播保留"),
    "autocast_input_per_direction": ("torch.autocast casts the float32 input once for each direction, and each "
                                     "direction keeps its 16-bit copy",
                                     "torch.autocast 为每个方向各转换一次 float32 输入，每个方向各保留一份 16 位副本"),
    "autocast_float32": ("the state is float32 (torch makes h_0 and c_0 in the input's float32), so what the cell "
                         "computes from it stays float32 under torch.autocast",
                         "状态是 float32（torch 按输入的 float32 创建 h_0 和 c_0），所以单元由状态算出的中间量在 "
                         "torch.autocast 下仍是 float32"),
    "keras_reversed_input": ("the backward layer keeps its own reversed copy of the input",
                             "反向层保留自己的一份反转后的输入副本"),
    "keras_first_step": ("Keras' torch backend computes the first step twice and keeps both outputs",
                         "Keras 的 torch 后端把第一步计算两次，两次的输出都保留"),
    "input_copy_per_direction": ("batch_first: each direction keeps its own time-major copy of the input",
                                 "batch_first:每个方向各保留一份按时间优先排列的输入副本"),
    "buffers": ("int64 counters take 8 bytes whatever the dtype", "int64 计数器不论 dtype 都占 8 字节"),
    "master_weights": ("a float32 copy of every trainable parameter", "每个可训练参数的 float32 副本"),
    "optimizer_pytorch": ("Adam, AdamW, RMSprop, Adagrad and Adafactor also keep `step`, a float32 scalar tensor "
                          "per parameter tensor (4 B each); 8-bit Adam: bitsandbytes' layout",
                          "Adam、AdamW、RMSprop、Adagrad 和 Adafactor 还为每个参数张量保存一个 float32 标量 `step`"
                          "(各 4 字节);8-bit Adam 按 bitsandbytes 的布局计"),
    "optimizer_keras": ("Keras optimizers also keep `iteration` (int32) and `learning_rate` (float32): 8 B",
                        "Keras 优化器还保存 `iteration`(int32)和 `learning_rate`(float32):共 8 字节"),
    "optimizer_optax": ("optax keeps one int32 `count` besides its slots: 4 B",
                        "optax 除各状态外还保存一个 int32 `count`:4 字节"),
    "optimizer_paddle": ("Paddle's Adam also keeps beta1_pow_acc and beta2_pow_acc, float32 scalars per parameter "
                         "(8 B per parameter)",
                         "Paddle 的 Adam 还为每个参数保存 float32 标量 beta1_pow_acc 和 beta2_pow_acc"
                         "(每个参数共 8 字节)"),
    "optimizer_mindspore": ("MindSpore keeps one int32 global step besides its slots: 4 B",
                            "MindSpore 除各状态外还保存一个 int32 全局步数:4 字节"),
    "optimizer_mxnet": ("MXNet counts steps in Python: no state beyond the slots",
                        "MXNet 在 Python 中计步:除各状态外无其他"),
    "optimizer_tf1": ("tf.train.AdamOptimizer also keeps beta1_power and beta2_power (float32, once): 8 B",
                      "tf.train.AdamOptimizer 还保存 beta1_power 和 beta2_power(float32,各一个):8 字节"),
    "checkpoint_rng_state": ("torch.get_rng_state(), kept to replay dropout alike",
                             "torch.get_rng_state(),用于重算时重现相同的 dropout"),
    "inference_peak": ("inference keeps nothing for backward: the largest layer's input, output and working "
                       "memory", "推理不为反向传播保存张量:取最大一层的输入、输出和工作内存"),
    "macs_step": ("", ""),
}

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("1 MAC (multiply-accumulate) = 2 FLOPs; MACs count the weight products only (a (G·H, I) weight applied to "
     "one vector is G·H·I MACs)",
     "1 次乘加(MAC)= 2 次浮点运算(FLOPs);乘加次数只计权重矩阵乘法((G·H, I) 的权重作用于一个向量是 G·H·I 次乘加)"),
    ("FLOPs = 2·MACs + one addition per bias number + the cell's elementwise work (gate nonlinearities, cell "
     "and hidden updates), 1 FLOP per operation per number; backward, op by op: each weight product again for "
     "its weight gradient (trainable weights) and for its input gradient (where autograd needs one: not the first "
     "trainable layer's input, nor the zero initial state), bias gradients, the cell's elementwise backward",
     "浮点运算次数 = 2·乘加次数 + 每个偏置数一次加法 + 单元的逐元素运算(门的非线性、记忆和隐藏状态更新),"
     "每个数每次运算计 1 次;反向按算子逐个计:每个权重乘法为权重梯度(可训练权重)和输入梯度(仅在 autograd "
     "需要时:第一个可训练层的输入和零初始状态不需要)各再算一次,加上偏置梯度和单元的逐元素反向运算"),
    ("measured on: MACs, forward and backward, equal torch's FlopCounterMode over a training step of PyTorch's own "
     "cells (oneDNN off) or of explicit products (with oneDNN on it counts 0 for nn.LSTM on CPU); bias and "
     "elementwise FLOPs follow our per-operation table, which no counter measures (approximate); activations are "
     "the bytes autograd saves on CPU for the kernel path named per layer",
     "测量依据:前向和反向的乘加次数等于 torch 的 FlopCounterMode 在一次训练步上的计数(PyTorch 自带单元并关闭 "
     "oneDNN,或显式矩阵乘法重建;开启 oneDNN 时它对 CPU 上的 nn.LSTM 计为 0);偏置和逐元素浮点运算按本工具的"
     "逐运算表计算,没有计数器测量它们(近似值);激活是 CPU 上 autograd 按每层所列内核路径保存的字节数"),
    ("bytes are exact; 1 KiB = 1,024 B, 1 MiB = 1,024 KiB, 1 GiB = 1,024 MiB",
     "字节数是精确值;1 KiB = 1,024 B,1 MiB = 1,024 KiB,1 GiB = 1,024 MiB"),
)


def _t(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def human_bytes(n: int) -> str:
    """Binary units: 1,023 B, 1.50 KiB, 26.84 MiB, 1.20 GiB."""
    if n < 1024:
        return f"{n:,} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:,.2f} {unit}"
    raise AssertionError("unreachable")


def derivation_text(item: EstimateLine) -> str:
    """formula = numbers = partial results = value, repeated steps dropped."""
    d = item.derivation
    steps = [render_values(d.formula, d.env, TIMES, num)]
    if d.formula.symbols():
        steps.insert(0, d.formula.render("·"))
    steps += [render_values(step, {}, TIMES, num) for step in d.steps]
    steps.append(num(d.result))
    out: list[str] = []
    for step in steps:
        if not out or step != out[-1]:
            out.append(step)
    return " = ".join(out)


def _options_line(est: Estimate, lang: str) -> str:
    o = est.options
    fw = FRAMEWORKS[est.framework].display
    mode = _t(WORDS, "training", lang).format(opt=o.optimizer) if o.training else _t(WORDS, "inference", lang)
    steps = f" × {est.seq_len} {_t(WORDS, 'steps', lang)}" if est.seq_len else ""
    parts = [fw, f"{_t(WORDS, 'batch', lang)} {o.batch}{steps}", o.dtype, mode]
    runtime = FRAMEWORKS[est.framework].runtime
    if runtime is not None and runtime.devices:  # the kernels whose saved tensors are modelled
        parts.append(o.device.upper())
    if o.mixed_precision:
        parts.insert(3, _t(WORDS, "mixed", lang))
    if o.autocast:
        parts.insert(3, _t(WORDS, "autocast", lang).format(dtype=o.autocast))
    return " · ".join(parts)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: frozenset[int] = frozenset({0})) -> list[str]:
    """Aligned columns: text columns (`left`) padded right, numbers padded left."""
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for i, (c, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - width(c))
            out.append(c + pad if i in left else pad + c)
        return "  ".join(out).rstrip()

    rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
    return [fmt(header), rule, *(fmt(r) for r in rows)]


def _memory_label(item: EstimateLine, est: Estimate, lang: str, detail: bool = True) -> str:
    key = "activations_inference" if item.key == "activations" and not est.options.training else item.key
    label = _t(MEMORY_LINES, key, lang)
    if item.key == "optimizer_state":
        label += f" ({est.options.optimizer})"
    if item.key == "weights" and detail:
        label += f" ({num(est.report.total_params)} × {item.bindings['s']} B)"
    return label


def render_estimate(est: Estimate, lang: str = "en") -> str:
    """The `estimate` command's text: memory lines, then per-layer memory and compute tables."""
    def w(key: str) -> str:
        return _t(WORDS, key, lang)

    out = [f"{w('title')} · {_options_line(est, lang)}", ""]
    rows = [[_memory_label(item, est, lang), num(item.value), human_bytes(item.value)] for item in est.memory]
    rows += [[_t(PEAK_LINES, p.mode, lang), num(p.value), human_bytes(p.value)] if p.value is not None else
             [_t(PEAK_LINES, p.mode, lang), _t(PEAK_WORDS, "not_modelled", lang), "—"] for p in est.peaks]
    lines = _table([w("memory"), w("bytes"), w("size")], rows)
    total = 2 + len(est.memory) - 1
    out += [*lines[:total], lines[1], *lines[total:]]  # a rule above the total (the peaks follow it)
    out.append("")
    out += _peak_notes(est, lang)
    mem_rows = [[f"{layer.name} ({layer.type})", num(layer.params), human_bytes(layer.weights.value),
                 human_bytes(layer.activation_bytes), human_bytes(layer.state_bytes),
                 _t(PATHS, layer.activation_model, lang)] for layer in est.layers]
    header = [w("layer"), w("params"), w("weights_col"), w("activations_col"), w("states_col"), w("path")]
    out += _table(header, mem_rows, left=frozenset({0, 5}))
    out.append("")
    out += _compute_tables(est, lang)
    out.append("")
    out.append(f"{w('definitions')}:")
    out += [f"  • {pair[1] if lang == 'zh' else pair[0]}" for pair in DEFINITIONS]
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text


def _peak_notes(est: Estimate, lang: str) -> list[str]:
    """Where each peak falls and what it is modelled on, or why a peak is not given (a warning)."""
    if not est.peaks:
        return []
    out = []
    for p in est.peaks:
        label = _t(PEAK_LINES, p.mode, lang)
        if p.value is None:
            out.append(f"{_t(WORDS, 'warning', lang)}: {label}: {_t(PEAK_REASONS, p.reason, lang)}")
            continue
        moment, _, layer = p.at.partition(":")
        where = _t(PEAK_WORDS, moment, lang).format(layer=layer)
        gap = "" if lang == "zh" else " "
        out.append(f"  • {label}: {_t(PEAK_WORDS, 'peak_at', lang)}{gap}{where}")
    if any(p.value is not None for p in est.peaks):
        out.append(f"  • {_t(PEAK_WORDS, 'measured_on', lang)}")
    return [*out, ""]


def _compute_tables(est: Estimate, lang: str) -> list[str]:
    def w(key: str) -> str:
        return _t(WORDS, key, lang)

    def value(layer: LayerEstimate, key: str) -> str:
        return num(layer.compute_line(key).value)

    def pair(layer: LayerEstimate, forward: str, both: str) -> str:
        return f"{value(layer, forward)} | {value(layer, both)}"

    total = {item.key: item.value for item in est.compute}
    rows = [[f"{layer.name} ({layer.type})", num(layer.positions), value(layer, "macs_step"),
             value(layer, "macs_sequence"), value(layer, "macs_batch"), pair(layer, "flops_step", "flops_train_step"),
             pair(layer, "flops_sequence", "flops_train_sequence"), pair(layer, "flops_batch", "flops_train_batch")]
            for layer in est.layers]
    rows.append([w("total"), "", "", "", num(total["macs_batch"]), "", "",
                 f"{num(total['flops_batch'])} | {num(total['flops_train_batch'])}"])
    fb = w("fwd_bwd")
    header = [w("layer"), w("positions"), f"MACs {w('per_step')}", f"MACs {w('per_sequence')}",
              f"MACs {w('per_batch')}", f"FLOPs {w('per_step')}", f"FLOPs {w('per_sequence')}",
              f"FLOPs {w('per_batch')}"]
    out = [f"{w('compute')} ({w('forward')}; FLOPs: {w('forward')} | {fb})"]
    return out + _table(header, rows)


def _symbols_line(bindings: Mapping[str, int], lang: str, declared: Mapping[str, tuple[str, str]] | None = None) -> str:
    parts = []
    for key, value in bindings.items():
        meaning = _t(EXTRA_SYMBOLS, key, lang) if key in EXTRA_SYMBOLS else word(SYMBOLS, key, lang, declared)
        parts.append(f"{key} = {num(value)} ({meaning})" if lang == "en" else f"{key} = {num(value)}({meaning})")
    return (", " if lang == "en" else ",").join(parts)


def _unit(item: EstimateLine) -> str:
    return " B" if item.unit == "bytes" else ""


def render_resources(est: Estimate, lang: str = "en") -> str:
    """Every estimate line as a derivation (formula, numbers, result), layer by layer, then the model's memory."""
    def w(key: str) -> str:
        return _t(WORDS, key, lang)

    colon = ":"
    out = [f"{w('title')} · {_options_line(est, lang)}", f"{w('definitions')}{colon}"]
    out += [f"  • {pair[1] if lang == 'zh' else pair[0]}" for pair in DEFINITIONS]
    for layer, counted in zip(est.layers, est.report.layers, strict=True):
        out.append("")
        out.append(f"{layer.name} ({layer.type})")
        used: dict[str, int] = {}
        for item in (*layer.compute, *layer.activations, *((layer.states,) if layer.states else ())):
            for key in sorted(item.formula.symbols(), key=_symbol_order):
                if key not in DERIVED:
                    used[key] = item.bindings[key]
        if used:
            out.append(f"  {w('symbols')}{colon} {_symbols_line(used, lang, counted.words)}")
        out.append(f"  {w('compute')}")
        if not any(item.value for item in layer.compute):
            out.append(f"    {w('no_compute')}")
        for item in layer.compute if any(item.value for item in layer.compute) else ():
            out.append(f"    {_t(COMPUTE_LINES, item.key, lang)} = {derivation_text(item)}")
        out.append(f"  {w('activations_of')} ({_t(PATHS, layer.activation_model, lang)})")
        if not layer.activations:
            out.append("    0 B")
        for item in layer.activations:
            note = _t(NOTES, item.note, lang) if item.note else ""
            if not item.counted:
                note = f"{w('not_counted')}: {note}" if note else w("not_counted")
            out.append(f"    {_t(ITEMS, item.key, lang)} = {derivation_text(item)}{_unit(item)}"
                       + (f"  ({note})" if note else ""))
        if layer.states is not None:
            out.append(f"  {w('states_of')} = {derivation_text(layer.states)} B")
    out.append("")
    out.append(w("memory"))
    for item in est.memory:
        note = _t(NOTES, item.note, lang) if item.note else ""
        symbols = {k: item.bindings[k] for k in sorted(item.formula.symbols(), key=_symbol_order)}
        where = f"  [{_symbols_line(symbols, lang)}]" if symbols else ""
        label = _memory_label(item, est, lang, detail=False)
        out.append(f"  {label} = {derivation_text(item)} B ({human_bytes(item.value)})"
                   + where + (f"  ({note})" if note else ""))
    for warning in est.warnings:
        out.append(f"{w('warning')}{colon} {warning}")
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text


DERIVED = frozenset({"M", "F", "Fb", "Fe", "M_w", "M_x", "M_x1", "M_b", "M_b1", "Fb_b", "Fe_b", "F_b", "F_t", "F_t1"})
"""Symbols that stand for an earlier line's result (shown there, not in the layer's symbol list)."""

_ORDER = ("B", "T", "S", "L", "D", "I", "H", "P", "O", "V", "E", "C", "K", "N", "s", "s_i")


def _symbol_order(name: str) -> tuple[int, str]:
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)


__all__ = ["derivation_text", "human_bytes", "render_estimate", "render_resources"]
