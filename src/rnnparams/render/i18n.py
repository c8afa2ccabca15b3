"""Every sentence the tool says, in English and Chinese. Renderers look words up here; no numbers are made here."""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("en", "zh")

SYMBOLS: dict[str, tuple[str, str]] = {
    "I": ("input size", "输入维度"),
    "H": ("hidden units", "隐藏单元数"),
    "L": ("stacked layers", "堆叠层数"),
    "D": ("directions", "方向数"),
    "P": ("projection size", "投影维度"),
    "O": ("output features", "输出维度"),
    "V": ("vocabulary size", "词表大小"),
    "E": ("embedding size", "嵌入维度"),
    "C": ("channels", "通道数"),
    "C_g": ("input channels per group", "每组输入通道数"),
    "K": ("kernel size", "卷积核大小"),
    "N": ("normalized size", "归一化维度"),
    "N0": ("normalized size (axis 0)", "归一化维度(第 0 轴)"),
    "N1": ("normalized size (axis 1)", "归一化维度(第 1 轴)"),
    "N2": ("normalized size (axis 2)", "归一化维度(第 2 轴)"),
    "A": ("parameter size", "参数维度"),
    "A0": ("parameter size (axis 0)", "参数维度(第 0 轴)"),
    "A1": ("parameter size (axis 1)", "参数维度(第 1 轴)"),
    "A2": ("parameter size (axis 2)", "参数维度(第 2 轴)"),
}

GROUPS: dict[str, tuple[str, str]] = {
    "input_weights": ("Input weights", "输入权重"),
    "recurrent_weights": ("Recurrent weights", "循环权重"),
    "biases": ("Biases", "偏置"),
    "projection": ("Projection", "投影"),
    "weights": ("Weights", "权重"),
    "embedding": ("Embedding table", "嵌入表"),
    "norm": ("Normalization scale and shift", "归一化的缩放与平移"),
    "statistics": ("Running statistics", "滑动统计量"),
}

# Gate letters mean different things per framework and layer (PyTorch LSTM g = Keras LSTM c; GRU orders differ).
GATES: dict[str, tuple[str, str]] = {
    "i": ("input gate", "输入门"),
    "f": ("forget gate", "遗忘门"),
    "g": ("cell candidate", "候选记忆"),
    "c": ("cell candidate", "候选记忆"),
    "o": ("output gate", "输出门"),
    "r": ("reset gate", "重置门"),
    "z": ("update gate", "更新门"),
    "n": ("new (candidate) state", "候选隐藏状态"),
    "h": ("candidate state", "候选隐藏状态"),
}

WORDS: dict[str, tuple[str, str]] = {
    "symbols": ("Symbols", "符号"),
    "gates": ("Gates", "门"),
    "gate_layout": ("each gated weight stacks {G} blocks of {H} along its gate axis, in this order",
                    "每个带门的权重沿门所在的轴依次堆叠 {G} 块,每块 {H} 个"),
    "layer_total": ("Layer total", "本层参数量"),
    "model_total": ("Model total", "模型总参数量"),
    "trainable": ("trainable", "可训练"),
    "non_trainable": ("non-trainable", "不可训练"),
    "buffers": ("buffers (not parameters)", "缓冲区(不是参数)"),
    "repeated": ("each; × {n} = {total}", "每个;共 {n} 个,合计 {total}"),
    "notes": ("Notes", "说明"),
    "no_tensors": ("no parameters", "没有参数"),
    "not_in_total": ("not counted in the parameters", "不计入参数量"),
    "layer": ("Layer", "层"),
    "tensor": ("Tensor", "张量"),
    "shape": ("Shape", "形状"),
    "formula": ("Formula", "公式"),
    "params": ("Params", "参数量"),
    "framework_notes": ("Framework", "框架"),
    "warning": ("warning", "警告"),
}

NOTES: dict[str, tuple[str, str]] = {
    "shared_over_time": (
        "The same weights are used at every time step, so the count does not depend on the sequence length.",
        "所有时间步共享同一组权重,所以参数量与序列长度无关。"),
    "two_biases": (
        "PyTorch keeps two bias vectors per layer and direction, b_ih and b_hh ({GH} each); Keras keeps one "
        "(GRU with reset_after=True aside), so the same layer has {GH} more parameters per direction in PyTorch.",
        "PyTorch 每层每个方向保存两个偏置向量 b_ih 和 b_hh(各 {GH} 个);Keras 只保存一个(reset_after=True 的 GRU 除外),"
        "所以同样的层在 PyTorch 中每个方向多 {GH} 个参数。"),
    "one_bias": (
        "Keras keeps one bias vector ({GH} numbers); PyTorch keeps two (b_ih and b_hh), so the same layer has "
        "{GH} more parameters in PyTorch.",
        "Keras 只保存一个偏置向量({GH} 个数);PyTorch 保存两个(b_ih 和 b_hh),所以同样的层在 PyTorch 中多 {GH} 个参数。"),
    "reset_after_true": (
        "GRU with reset_after=True (the Keras 3 / TF 2 default) keeps separate input and recurrent biases, stored "
        "as one (2, {GH}) tensor: 2 × {GH} bias numbers, like PyTorch's b_ih and b_hh.",
        "reset_after=True 的 GRU(Keras 3 / TF 2 的默认值)分别保存输入偏置和循环偏置,存成一个 (2, {GH}) 的张量:"
        "共 2 × {GH} 个偏置,与 PyTorch 的 b_ih、b_hh 相同。"),
    "reset_after_false": (
        "GRU with reset_after=False (the Keras 2 / TF 1 default) keeps one bias vector of {GH}; with "
        "reset_after=True (Keras 3 default) it would keep two, {GH} more parameters.",
        "reset_after=False 的 GRU(Keras 2 / TF 1 的默认值)只保存一个长度为 {GH} 的偏置向量;"
        "若 reset_after=True(Keras 3 的默认值)则保存两个,多 {GH} 个参数。"),
    "cudnn_bias": (
        "CuDNN layers keep cuDNN's two bias vectors in one tensor of 2 × {GH}.",
        "CuDNN 层把 cuDNN 的两个偏置向量存在一个长度为 2 × {GH} 的张量里。"),
    "no_bias": ("This layer has no bias (bias=False / use_bias=False).",
                "这一层没有偏置(bias=False / use_bias=False)。"),
    "upper_layers_input": (
        "Stacked layers: layer 0 reads the I = {I} input features, but every layer above reads the output of the "
        "layer below, D × H_out = {DH} features, so their input weights are wider or narrower than layer 0's.",
        "堆叠结构:第 0 层读入 I = {I} 个输入特征,而上面每一层读入下一层的输出,即 D × H_out = {DH} 个特征,"
        "所以它们的输入权重与第 0 层的形状不同。"),
    "bidirectional": (
        "Bidirectional: a forward and a backward copy with their own weights, so the layer has twice the "
        "parameters of one direction, and its output has D × H features.",
        "双向:正向和反向各有一套独立的权重,所以参数量是单向的两倍,输出有 D × H 个特征。"),
    "projection": (
        "proj_size = P: the hidden state is projected from H = {H} down to P = {P} by weight_hr, so the recurrent "
        "weights read P features and the output and h_n have P features (c_n keeps H).",
        "proj_size = P:隐藏状态经 weight_hr 从 H = {H} 投影到 P = {P},所以循环权重读入 P 个特征,"
        "输出和 h_n 是 P 维(c_n 仍是 H 维)。"),
    "bn_buffers": (
        "running_mean, running_var and num_batches_tracked are buffers: saved with the model but not parameters, "
        "so PyTorch's parameter count leaves them out.",
        "running_mean、running_var 和 num_batches_tracked 是缓冲区:随模型保存,但不是参数,PyTorch 的参数量不含它们。"),
    "bn_non_trainable": (
        "moving_mean and moving_variance are non-trainable weights: Keras counts them in the total, as "
        "model.summary() shows under Non-trainable params.",
        "moving_mean 和 moving_variance 是不可训练的权重:Keras 把它们计入总参数量,即 model.summary() 中的 "
        "Non-trainable params。"),
    "embedding": (
        "An embedding is a lookup table: V = {V} rows of E = {E} numbers, one row per token.",
        "嵌入层是一张查找表:V = {V} 行,每行 E = {E} 个数,每个词元一行。"),
    "no_params": ("This layer has no parameters; it only reshapes, pools or masks its input.",
                  "这一层没有参数,只对输入做变形、池化或随机置零。"),
    "frozen": ("trainable=False: the weights are kept but counted as non-trainable.",
               "trainable=False:权重仍然存在,但计为不可训练参数。"),
}

def t(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def word(table: dict[str, tuple[str, str]], key: str, lang: str,
         declared: Mapping[str, tuple[str, str]] | None = None) -> str:
    """A shared table's word, else the word a layer's convention declares for it, else the key itself."""
    if key not in table and declared is not None and key in declared:
        return t(dict(declared), key, lang)
    return t(table, key, lang)


def num(n: int) -> str:
    return f"{n:,}"


def width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_FULLWIDTH = {"(": "\uff08", ")": "\uff09", ",": "\uff0c", ";": "\uff1b", ":": "\uff1a"}


def _cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"


def cjk_punct(text: str) -> str:
    """Chinese text takes full-width punctuation where it belongs to Chinese, while code, shapes and numbers
    keep ASCII: brackets turn when what they enclose is Chinese (`偏置(各 4H 个)`, not `(2, 3H)`), commas,
    semicolons and colons when they touch a Chinese character."""
    chars = list(text)
    stack: list[int] = []
    for k, c in enumerate(chars):
        if c == "(":
            stack.append(k)
        elif c == ")" and stack:
            start = stack.pop()
            if any(_cjk(x) for x in chars[start + 1:k]):
                chars[start], chars[k] = _FULLWIDTH["("], _FULLWIDTH[")"]
                if start and chars[start - 1] == " ":
                    chars[start - 1] = ""
                if k + 1 < len(chars) and chars[k + 1] == " " and k + 2 < len(chars) and _cjk(chars[k + 2]):
                    chars[k + 1] = ""
    for k, c in enumerate(chars):
        if c and c in ",;:":
            before = chars[k - 1] if k else ""
            after = chars[k + 1] if k + 1 < len(chars) else ""
            if _cjk(before[-1:] if before else "") or _cjk(after[:1] if after else ""):
                chars[k] = _FULLWIDTH[c]
                if after == " ":
                    chars[k + 1] = ""
    return "".join(chars)


MISTAKES: dict[str, tuple[str, str]] = {
    "other_framework": ("it is the {framework} count of the same architecture: the frameworks differ in bias "
                        "layout (and GRU reset_after), see `rnnparams compare`",
                        "这是同一结构在 {framework} 中的参数量:各框架的偏置布局(以及 GRU 的 reset_after)不同,"
                        "见 `rnnparams compare`"),
    "forgot_direction": ("the second direction of a bidirectional layer was left out (D = 1 instead of 2)",
                         "漏算了双向层的反向部分(D 取了 1 而不是 2)"),
    "double_direction": ("a unidirectional layer was counted twice, as if bidirectional",
                         "把单向层按双向算了两遍"),
    "one_layer_fewer": ("one stacked layer (or block) too few was counted", "堆叠的层（或块）少算了一个"),
    "one_layer_more": ("one stacked layer (or block) too many was counted", "堆叠的层（或块）多算了一个"),
    "upper_layers_input": ("the upper layers of the stack were counted with the model's input size I, but they "
                           "read the output of the layer below (D × H features)",
                           "堆叠的上层按模型输入维度 I 计算了,但它们读入的是下一层的输出(D × H 个特征)"),
    "swapped_input_hidden": ("input size and hidden size were swapped", "把输入维度和隐藏单元数弄反了"),
    "projection_ignored": ("the LSTM projection (proj_size) was ignored", "忽略了 LSTM 的投影(proj_size)"),
    "no_bias": ("the biases were forgotten", "漏算了偏置"),
    "one_bias": ("one bias vector per gate block was counted, but PyTorch keeps two (b_ih and b_hh) — one is the "
                 "Keras convention", "每组门只算了一个偏置向量,但 PyTorch 保存两个(b_ih 和 b_hh);只算一个是 Keras 的约定"),
    "two_biases": ("two bias vectors were counted, but Keras keeps one — two is the PyTorch convention",
                   "算了两个偏置向量,但 Keras 只保存一个;两个是 PyTorch 的约定"),
    "reset_after": ("GRU reset_after was confused: True keeps two bias vectors, False one",
                    "混淆了 GRU 的 reset_after:True 保存两个偏置向量,False 只保存一个"),
    "gates_1": ("the gate multiplier was left out (counted like a simple RNN with 1 block instead of {gates})",
                "漏掉了门的倍数(按只有 1 块的简单 RNN 计算,而不是 {gates} 块)"),
    "gates_3": ("3 gate blocks were counted instead of {gates}", "按 3 个门块计算了,实际是 {gates} 个"),
    "gates_4": ("4 gate blocks were counted instead of {gates}", "按 4 个门块计算了,实际是 {gates} 个"),
    "head_excluded": ("the output layer (Dense/Linear head) was left out", "漏算了输出层(Dense/Linear)"),
    "head_included": ("an output layer that the model does not have was added: Dense({units}) on {features} "
                      "features", "多算了一个模型中没有的输出层:在 {features} 个特征上的 Dense({units})"),
    "embedding_excluded": ("the embedding table was left out", "漏算了嵌入表"),
    "embedding_included": ("an embedding table that the model does not have was added: Embedding({vocabulary}, "
                           "{embedding})", "多算了一个模型中没有的嵌入表:Embedding({vocabulary}, {embedding})"),
    "layers_miscounted": ("{layers} blocks were counted in {layer} ({symbol} = {layers}), but the model stacks "
                          "{actual}", "{layer} 按 {layers} 个块计算了（{symbol} = {layers}）,但模型实际堆叠了 {actual} 个"),
    "tied_counted_twice": ("{layer}'s {tensors} was counted again, but it is tied to (shares) another layer's "
                           "tensor, which is counted once",
                           "{layer} 的 {tensors} 被重复计算了:它与另一层共享同一个张量(权重绑定),只应计算一次"),
    "vocabulary_padding": ("the vocabulary was taken as {vocabulary} tokens, but the model's tables have {actual} "
                           "rows (vocabulary padding forgotten, or added where the model has none)",
                           "词表按 {vocabulary} 个词计算了,但模型的嵌入表有 {actual} 行(忘了词表填充,或在没有填充的"
                           "模型上多加了填充)"),
}

STATE: dict[str, tuple[str, str]] = {
    "title": ("{framework}: {params} parameters, {weights} of weights in {dtype}.",
              "{framework}:{params} 个参数,以 {dtype} 存储的权重为 {weights}。"),
    "none": ("No layer carries a state from one token to the next.", "没有任何层在相邻词元之间传递状态。"),
    "header": ("State carried between tokens (per sequence; it does not grow with the sequence):",
               "相邻词元之间传递的状态(每个序列;不随序列长度增长):"),
    "per_sequence": ("Per sequence: {numbers} numbers = {size} in {dtype}.", "每个序列:{numbers} 个数 = {size}({dtype})。"),
    "batch": ("For a batch of {batch}: {size}.", "批大小为 {batch} 时:{size}。"),
    "cache_header": ("Attention's KV cache (per sequence; it grows with the context, one entry per token):",
                     "注意力的 KV 缓存(每个序列;随上下文增长，每个词元一份):"),
    "cache_cap": ("keeps at most {cap} tokens", "最多保留 {cap} 个词元"),
    "cache_all": ("keeps every token", "保留全部词元"),
    "per_token": ("per token", "/词元"),
    "cache_per_token": ("Per token of context: {numbers} numbers = {size} in {dtype} (give --seq-len T for the cache "
                        "after T tokens).",
                        "每个上下文词元:{numbers} 个数 = {size}({dtype})(用 --seq-len T 给出 T 个词元之后的缓存)。"),
    "cache_at": ("After {t} tokens: {numbers} numbers = {size} per sequence; with the state, {total} = {total_size}.",
                 "{t} 个词元之后：每个序列 {numbers} 个数 = {size};连同状态共 {total} 个数 = {total_size}。"),
    "cache_batch": ("For a batch of {batch} after {t} tokens, state and cache: {size}.",
                    "批大小为 {batch}、{t} 个词元之后，状态与缓存合计:{size}。"),
    "products": ("Weight products per token (each projection and the head, once; a mixture of experts: the router "
                 "and the top-k routed experts): {macs} multiply-adds = {flops} FLOPs; the convolution, the state "
                 "update and attention over a cache come on top.",
                 "每个词元的权重乘法(每个投影和输出头各一次;混合专家只计路由器和被选中的 top-k 个专家):{macs} 次乘加 = "
                 "{flops} FLOPs;卷积、状态更新和对缓存的注意力另计。"),
}

HUBDIR: dict[str, tuple[str, str]] = {
    "title": ("{directory}: {model} from {config} ({framework})", "{directory}:由 {config} 构建的 {model}({framework})"),
    "totals": ("The config's model has {total} parameters; the files ({files}) hold {stored}.",
               "按配置构建的模型有 {total} 个参数;权重文件({files})中存有 {stored} 个。"),
    "match": ("✓ Every tensor matches: each counted tensor is stored with its shape, and nothing else is stored.",
              "✓ 所有张量一致:每个计算出的张量都以相同形状存储,且没有多余的张量。"),
    "differ": ("✗ The files do not hold the config's model:", "✗ 权重文件与配置构建的模型不一致:"),
    "missing": ("counted but not stored ({n}):", "计算了但未存储({n} 个):"),
    "unexpected": ("stored but not in the config's model ({n}):", "已存储但配置构建的模型中没有({n} 个):"),
    "mismatched": ("stored with another shape ({n}):", "存储的形状不同({n} 个):"),
    "counted_stored": ("counted {counted}, stored {stored}", "计算为 {counted},存储为 {stored}"),
    "tied": ("Tied to another tensor (counted once), also stored: {names}.",
             "与另一个张量绑定(只计算一次),但也被存储:{names}。"),
    "more": ("… and {n} more", "……另有 {n} 个"),
}

CHECK: dict[str, tuple[str, str]] = {
    "right": ("✓ {claimed} is right: the {framework} count of this model is {total}.",
              "✓ {claimed} 是对的:这个模型在 {framework} 中的参数量是 {total}。"),
    "wrong": ("✗ {claimed} is not the {framework} count of this model: the correct count is {total} "
              "({difference} off).", "✗ {claimed} 不是这个模型在 {framework} 中的参数量:正确值是 {total}(相差 {difference})。"),
    "likely": ("What produces {claimed}:", "{claimed} 是这样算出来的:"),
    "and": (", and ", ",并且"),
    "none": ("No known mistake (or pair of mistakes) gives {claimed}.", "没有任何已知错误(或两个错误的组合)能得到 {claimed}。"),
    "divisor": ("Every tensor of this model has a size divisible by {divisor}, so any sum of them is too; {claimed} "
                "is not (remainder {remainder}), so it cannot be a count of this model's tensors at all.",
                "这个模型每个张量的大小都能被 {divisor} 整除,所以它们的任何和也能;{claimed} 不能(余 {remainder}),"
                "因此它根本不可能是这些张量的参数之和。"),
    "others": ("The correct counts in the common frameworks:", "常见框架中的正确参数量:"),
    "derivation": ("The correct count:", "正确的计算:"),
    "no_equivalent": ("no equivalent", "无对应"),
}

COMPARE: dict[str, tuple[str, str]] = {
    "bias_layout": ("Bias layout: {two} keeps two bias vectors per gate block (b_ih, b_hh); {one} keeps one.",
                    "偏置布局:{two} 每组门保存两个偏置向量(b_ih、b_hh);{one} 只保存一个。"),
    "reset_after": ("GRU reset_after: {true} uses reset_after=True (separate input and recurrent biases, a (2, 3H) "
                    "tensor); {false} uses reset_after=False (one bias).",
                    "GRU reset_after\uff1a{true} 使用 reset_after=True(输入偏置和循环偏置分开,存成 (2, 3H) 的张量);"
                    "{false} 使用 reset_after=False(一个偏置)。"),
    "gate_order": ("Gate order differs ({orders}): the same blocks, stacked in a different order, so weights cannot "
                   "be copied across without reordering.",
                   "门的顺序不同({orders}):同样的块按不同顺序堆叠,跨框架复制权重时需要重新排列。"),
    "layout": ("Weight layout: {out_in} stores (out, in) matrices, {in_out} (in, out): transposed.",
               "权重布局:{out_in} 按 (输出, 输入) 存储,{in_out} 按 (输入, 输出) 存储,互为转置。"),
    "stacking": ("Stacking: PyTorch keeps a stack in one module (num_layers, bidirectional); Keras writes one layer "
                 "per level (wrapped in Bidirectional).",
                 "堆叠方式:PyTorch 用一个模块表示整个堆叠(num_layers、bidirectional);Keras 每层写一个层(双向用 Bidirectional 包装)。"),
    "bn_state": ("BatchNorm statistics: PyTorch keeps running_mean/running_var as buffers (not parameters); Keras "
                 "counts moving_mean/moving_variance as non-trainable parameters.",
                 "BatchNorm 统计量:PyTorch 把 running_mean/running_var 存为缓冲区(不算参数);Keras 把 "
                 "moving_mean/moving_variance 计为不可训练参数。"),
    "no_equivalent": ("{framework}: {reason}.", "{framework}\uff1a{reason}。"),
    "same": ("Same parameters in every framework.", "各框架参数量相同。"),
    "total": ("Total", "合计"),
    "differences": ("Differences", "差异"),
}


# Flax, PaddlePaddle, MindSpore, ONNX, TF 1 and MXNet (issue #8): their gate letters, tensor groups, their own
# notes (chosen by the conventions' plans) and their wording of shared notes (`key@framework`).
GATES.update({
    "j": ("new input (candidate)", "新输入(候选)"),
    "u": ("update gate", "更新门"),
})
GROUPS.update({
    "fused_weights": ("Input and recurrent weights (one kernel on [x, h])", "输入与循环权重(作用于 [x, h] 的同一个核)"),
    "peepholes": ("Peephole weights", "窥视孔权重"),
})
NOTES.update({
    "two_biases@paddle": (
        "PaddlePaddle keeps two bias vectors per layer and direction, bias_ih and bias_hh ({GH} each), as PyTorch "
        "does; Keras keeps one.",
        "PaddlePaddle 与 PyTorch 一样,每层每个方向保存两个偏置向量 bias_ih 和 bias_hh(各 {GH} 个);Keras 只保存一个。"),
    "two_biases@mindspore": (
        "MindSpore keeps two bias vectors per layer and direction, bias_ih and bias_hh ({GH} each), as PyTorch "
        "does; has_bias=False drops both.",
        "MindSpore 与 PyTorch 一样,每层每个方向保存两个偏置向量 bias_ih 和 bias_hh(各 {GH} 个);has_bias=False 时两者都没有。"),
    "two_biases@mxnet": (
        "MXNet keeps two bias vectors per layer and direction, i2h_bias and h2h_bias ({GH} each), as PyTorch does; "
        "Gluon's recurrent layers cannot drop them.",
        "MXNet 与 PyTorch 一样,每层每个方向保存两个偏置向量 i2h_bias 和 h2h_bias(各 {GH} 个);Gluon 的循环层无法去掉它们。"),
    "two_biases@flax": (
        "Flax linen biases the input Dense of every gate and, because the reset gate multiplies it, the hidden "
        "Dense hn as well: one more bias vector of H = {H} than the gates' input biases.",
        "Flax linen 给每个门的输入 Dense 加偏置;隐藏 Dense hn 因为要乘以重置门,也有自己的偏置,比各门的输入偏置多一个 H = {H} 的向量。"),
    "one_bias@flax": (
        "Flax sums each gate's input and hidden Dense, so only one of them has a bias ({GH} numbers per gate "
        "block); PyTorch keeps two.",
        "Flax 把每个门的输入 Dense 与隐藏 Dense 相加,所以只有其中一个带偏置(每个门块 {GH} 个数);PyTorch 保存两个。"),
    "one_bias@flax-nnx": (
        "Flax NNX sums the input and hidden Linear, so only one of them has a bias ({GH} numbers); PyTorch keeps "
        "two.",
        "Flax NNX 把输入 Linear 与隐藏 Linear 相加,所以只有其中一个带偏置({GH} 个数);PyTorch 保存两个。"),
    "reset_after_false@flax-nnx": (
        "nnx.GRUCell keeps one bias, on its input Linear dense_i ({GH} numbers); linen's GRUCell also biases hn, "
        "H more.",
        "nnx.GRUCell 只有一个偏置,在输入 Linear dense_i 上({GH} 个数);linen 的 GRUCell 还给 hn 加偏置,多 H 个。"),
    "reset_after_true@onnx": (
        "B holds both bias vectors of each direction, Wb and Rb, concatenated: [D, 2 × {GH}], like PyTorch's b_ih "
        "and b_hh.",
        "B 保存每个方向的两个偏置向量 Wb 和 Rb,拼接在一起:[D, 2 × {GH}],与 PyTorch 的 b_ih、b_hh 相同。"),
    "no_bias@onnx": ("bias=False: the node has no input B (ONNX then adds zeros).",
                     "bias=False:节点没有输入 B(ONNX 按全零处理)。"),
    "no_bias@mindspore": ("has_bias=False: no bias vectors.", "has_bias=False:没有偏置向量。"),
    "frozen@paddle": (
        "An attr of False (bias_ih_attr=False...) does not remove the tensor: PaddlePaddle still creates it, "
        "fixed at zeros (ones for weights) with stop_gradient=True, so it is counted as non-trainable.",
        "attr 为 False(如 bias_ih_attr=False)并不会去掉张量:PaddlePaddle 仍会创建它,固定为 0(权重为 1)"
        "且 stop_gradient=True,所以计为不可训练参数。"),
    "projection@paddle": (
        "proj_size = P: weight_ho, of shape (H, P) (transposed with respect to PyTorch's weight_hr), projects the "
        "hidden state from H = {H} down to P = {P}; the recurrent weights and the layers above read P features.",
        "proj_size = P:weight_ho(形状 (H, P),与 PyTorch 的 weight_hr 互为转置)把隐藏状态从 H = {H} 投影到 P = {P};"
        "循环权重和上层都读入 P 个特征。"),
    "projection@mxnet": (
        "projection_size = P: h2r_weight (P, H) projects the hidden state from H = {H} down to P = {P}; the "
        "recurrent weights and the layers above read P features.",
        "projection_size = P:h2r_weight (P, H) 把隐藏状态从 H = {H} 投影到 P = {P};循环权重和上层都读入 P 个特征。"),
    "paddle_projection": (
        "With proj_size each cell holds five parameters, so paddle's positional names (weight_ih_l0...) shift; "
        "the names shown are the cells' own, as state_dict() has them.",
        "设置 proj_size 后每个 cell 有五个参数,paddle 按位置分配的名字(weight_ih_l0……)会错位;这里显示的是 cell "
        "自己的名字,与 state_dict() 中一致。"),
    "mindspore_order": (
        "MindSpore holds the tensors in four lists, so they come in the order every weight_ih, every weight_hh, "
        "every bias_ih, every bias_hh, not layer by layer.",
        "MindSpore 把张量放在四个列表里,所以顺序是所有 weight_ih、所有 weight_hh、所有 bias_ih、所有 bias_hh,"
        "而不是逐层排列。"),
    "tf1_concat_kernel": (
        "A TF 1 cell multiplies the concatenation [x, h] by one kernel, so input and recurrent weights are one "
        "(I + H, ·) matrix, and there is one bias.",
        "TF 1 的 cell 用一个核乘以拼接的 [x, h],所以输入权重和循环权重是同一个 (I + H, ·) 矩阵,偏置也只有一个。"),
    "tf1_peepholes": (
        "use_peepholes=True adds the diagonal peephole weights w_f_diag, w_i_diag and w_o_diag: the cell state "
        "feeds the gates, 3 × H = 3 × {H} more parameters.",
        "use_peepholes=True 增加对角窥视孔权重 w_f_diag、w_i_diag 和 w_o_diag:记忆状态连到各门,多 3 × H = 3 × {H} 个参数。"),
    "tf1_projection": (
        "num_proj = P: projection/kernel (H, P) projects the output, and the kernel reads the projected state, "
        "so its rows are I + P.",
        "num_proj = P:projection/kernel (H, P) 对输出做投影,核读入投影后的状态,所以它的行数是 I + P。"),
    "onnx_stacked_directions": (
        "ONNX keeps both directions in one tensor: W, R and B have a leading axis D = {D}; a stacked network is "
        "one node per layer.",
        "ONNX 把两个方向放在同一个张量里:W、R 和 B 的第一个轴是 D = {D};多层网络每层一个节点。"),
    "flax_per_gate": (
        "Flax linen builds each gate from two Dense modules, i{{g}} (input, no bias) and h{{g}} (hidden, with "
        "bias), so the gates are separate tensors rather than blocks of one matrix.",
        "Flax linen 每个门由两个 Dense 组成:i{{g}}(输入,无偏置)和 h{{g}}(隐藏,有偏置),所以各门是独立的张量,"
        "而不是同一矩阵中的块。"),
    "flax_linen_gru_bias": (
        "linen.GRUCell: 3H(I + H + 1) + H, one H more than a single-bias GRU: hn keeps its own bias.",
        "linen.GRUCell:3H(I + H + 1) + H,比只有一个偏置的 GRU 多 H 个:hn 有自己的偏置。"),
    "flax_nnx_gru_bias": (
        "nnx.GRUCell: 3H(I + H + 1), H fewer than linen's GRUCell, whose hn has a bias of its own.",
        "nnx.GRUCell:3H(I + H + 1),比 linen 的 GRUCell 少 H 个(后者的 hn 有自己的偏置)。"),
})
COMPARE.update({
    "layout_many": ("Weight layout: {outin} store (out, in) matrices, {inout} (in, out): transposed.",
                    "权重布局:{outin} 按 (输出, 输入) 存储,{inout} 按 (输入, 输出) 存储,互为转置。"),
})


# --- the calculator page (issue #16): every sentence it shows, the words of its builder's families, fields and
# options (keyed as conventions/families.py names them), the server's build messages and the example labels.
# render/catalog.py hands them to the page through GET /api/catalog; no JS file keeps words of its own.

PAGE: dict[str, tuple[str, str]] = {
    "design": ("Pictures and sizing", "图示与规模设计"),
    "share_h": ("Parameters by layer", "各层的参数"),
    "cell_h": ("The recurrent cells, tensor by tensor", "循环单元的每个张量"),
    "no_cell": ("No recurrent layer in this model, so no cell to draw.", "这个模型没有循环层，所以没有单元图。"),
    "sweep_h": ("How the count grows with one size", "某个尺寸变化时参数量如何增长"),
    "vary": ("Size", "尺寸"),
    "values": ("Values (start..stop:step or a list)", "取值（起..止:步长，或列表）"),
    "metric": ("Show", "显示"),
    "m_params": ("parameters", "参数量"),
    "m_memory": ("memory of a step", "一步的内存"),
    "m_flops": ("FLOPs of a batch", "每批的浮点运算"),
    "solve_h": ("The largest size within a budget", "预算内的最大尺寸"),
    "budget_kind": ("Budget of", "预算类型"),
    "budget": ("Budget (10M, 8GiB, 1T)", "预算（10M、8GiB、1T）"),
    "multiple_of": ("Multiple of", "取值为其倍数"),
    "smallest": ("Smallest reaching it", "改求达到预算的最小值"),
    "skip": ("Skip to the results", "跳到结果"),
    "language": ("Language", "语言"),
    "mode": ("How to give the model", "模型的给出方式"),
    "tagline": ("Parameter counts of recurrent networks, exactly as each framework counts them.", "循环神经网络的参数量，与各框架的计算方式完全一致。"),
    "model": ("Model", "模型"),
    "build": ("Build", "搭建"),
    "paste": ("Paste code", "粘贴代码"),
    "framework": ("Framework", "框架"),
    "input": ("Input (one sample, without the batch)", "输入（单个样本，不含批次维）"),
    "timesteps": ("Time steps", "时间步"),
    "features": ("Features", "特征数"),
    "free": ("None", "None"),
    "layers": ("Layers", "层"),
    "stack_empty": ("No layers yet: add one below.", "还没有层：在下面添加。"),
    "new_layer": ("New layer", "新的层"),
    "add_layer": ("Add layer", "添加层"),
    "expression": ("Expression sent to the server", "发送给服务器的表达式"),
    "edit_code": ("Edit as code", "改为编辑代码"),
    "code_label": ("Expression, model code or config.json", "表达式、模型代码或 config.json"),
    "infer": ("Infer from the names", "根据名称推断"),
    "input_shape": ("Input shape (optional)", "输入形状（可选）"),
    "pick": ("Model name (when the code defines several)", "模型名（代码定义了多个模型时填写）"),
    "pick_ph": ("the only one", "唯一的那个"),
    "examples": ("Examples", "示例"),
    "parameters": ("Parameters", "参数量"),
    "copy_json": ("Copy JSON", "复制 JSON"),
    "copy_md": ("Copy Markdown", "复制 Markdown"),
    "copy_link": ("Copy link", "复制链接"),
    "error_title": ("This model cannot be counted", "无法计算这个模型"),
    "total": ("Total parameters", "总参数量"),
    "trainable": ("Trainable", "可训练"),
    "non_trainable": ("Non-trainable", "不可训练"),
    "buffers": ("Buffers (not parameters)", "缓冲区（不是参数）"),
    "formula": ("Formula", "公式"),
    "show_tensors": ("Show tensors", "显示张量"),
    "col_layer": ("Layer (type)", "层（类型）"),
    "col_output": ("Output shape", "输出形状"),
    "col_params": ("Params", "参数量"),
    "explain": ("Step by step", "逐步推导"),
    "compare": ("Across frameworks", "跨框架对比"),
    "compare_details": ("Tensor by tensor, and why they differ", "逐个张量对比，以及差异的原因"),
    "estimate": ("Memory and FLOPs", "内存与计算量"),
    "batch": ("Batch size", "批大小"),
    "seq_len": ("Time steps", "时间步"),
    "dtype": ("Number format", "数值格式"),
    "optimizer": ("Optimizer", "优化器"),
    "est_mode": ("Step", "步骤"),
    "train": ("training", "训练"),
    "inference": ("inference", "推理"),
    "device": ("Kernels", "内核"),
    "mixed": ("Mixed precision", "混合精度"),
    "est_details": ("Per layer, with definitions", "逐层明细与定义"),
    "check": ("Check a claimed count", "核对一个参数量"),
    "claimed": ("Claimed count (from a paper, a blog, an exam)", "待核对的参数量（来自论文、博客或考试）"),
    "api_link": ("JSON API (OpenAPI)", "JSON API(OpenAPI)"),
    "offline": ("Runs on your machine; nothing leaves it.", "在你的机器上运行，数据不会离开本机。"),
    "move_up": ("Move layer {n} up", "将第 {n} 层上移"),
    "move_down": ("Move layer {n} down", "将第 {n} 层下移"),
    "remove": ("Remove layer {n} ({type})", "删除第 {n} 层（{type}）"),
    "layer_type": ("Type of layer {n}", "第 {n} 层的类型"),
    "auto": ("auto ({v})", "自动（{v}）"),
    "auto_plain": ("auto", "自动"),
    "params_short": ("{v} params", "{v} 个参数"),
    "tensor_nt": ("non-trainable", "不可训练"),
    "tensor_buffer": ("buffer", "缓冲区"),
    "copied_json": ("Copied the count as JSON.", "已复制 JSON。"),
    "copied_md": ("Copied a Markdown summary.", "已复制 Markdown 摘要。"),
    "copied_link": ("Copied a link to this model.", "已复制这个模型的链接。"),
    "copy_failed": ("Could not copy; select the text by hand.", "无法复制，请手动选择文本。"),
    "unreachable": ("Cannot reach the rnnparams server. Is `rnnparams serve` still running?", "无法连接 rnnparams 服务器。`rnnparams serve` 还在运行吗？"),
    "fixed_len": ("The model's input fixes the time steps at {v}.", "模型的输入已固定时间步为 {v}。"),
    "correct": ("✓ {v} is right.", "✓ {v} 是正确的。"),
    "wrong": ("✗ {v} is not the {fw} count: the right count is {total} ({diff}).", "✗ {v} 不是 {fw} 的参数量：正确的是 {total}（相差 {diff}）。"),
    "total_row": ("Total", "合计"),
    "mem_weights": ("Weights", "权重"),
    "mem_master_weights": ("Master weights (float32)", "主权重（float32）"),
    "mem_gradients": ("Gradients", "梯度"),
    "mem_optimizer_state": ("Optimizer state", "优化器状态"),
    "mem_activations": ("Activations kept for backward", "反向传播保存的激活"),
    "mem_states": ("Recurrent states", "循环状态"),
    "mem_total": ("Sum of the parts (not a peak)", "各部分之和（不是峰值）"),
    "flops_fwd": ("FLOPs per batch, forward", "每批 FLOPs（前向）"),
    "flops_train": ("FLOPs per batch, forward + backward", "每批 FLOPs（前向 + 反向）"),
    "macs": ("MACs per batch", "每批 MACs"),
    "mem_caches": ("Attention KV cache", "注意力 KV 缓存"),
    "flops_prefill": ("FLOPs per batch, prefill of the sequence", "每批 FLOPs（预填充整个序列）"),
    "flops_decode": ("FLOPs per batch, one decoding step", "每批 FLOPs（一步解码）"),
    "fw_dropped": ("{fw} has no layer for {types}: taken out of the stack.", "{fw} 没有对应 {types} 的层，已从堆叠中移除。"),
    "undo": ("Undo", "撤销"),
    "est_unavailable": ("Memory and FLOPs are estimated for {frameworks} models; {fw} models are counted exactly, without an estimate.",
                        "只有 {frameworks} 模型能估算内存与计算量；{fw} 模型只精确计算参数量，不做估算。"),
    "and": (" and ", " 和 "),
}

FAMILY_LABELS: dict[str, tuple[str, str]] = {
    "embedding": ("Embedding", "嵌入层"),
    "rnn": ("RNN / SimpleRNN", "RNN / SimpleRNN"),
    "lstm": ("LSTM", "LSTM"),
    "gru": ("GRU", "GRU"),
    "mgu": ("MGU", "MGU"),
    "dense": ("Dense / Linear", "全连接层"),
    "conv1d": ("Conv1D", "一维卷积"),
    "layernorm": ("LayerNorm", "层归一化"),
    "batchnorm": ("BatchNorm", "批归一化"),
    "dropout": ("Dropout", "Dropout"),
    "rnn_cell": ("RNN cell", "RNN 单元"),
    "lstm_cell": ("LSTM cell", "LSTM 单元"),
    "gru_cell": ("GRU cell", "GRU 单元"),
    "mgu_cell": ("MGU cell", "MGU 单元"),
}
"""The builder's layer families (conventions/families.py FAMILIES), by key."""

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "f_in": ("Input size", "输入维度"),
    "f_hidden": ("Hidden size", "隐藏单元数"),
    "f_out": ("Output features", "输出维度"),
    "f_layers": ("Stacked layers", "堆叠层数"),
    "f_bidir": ("Bidirectional", "双向"),
    "f_merge": ("Merge", "合并方式"),
    "f_bias": ("Bias", "偏置"),
    "f_bf": ("batch_first", "batch_first"),
    "f_proj": ("Projection size", "投影维度"),
    "f_rs": ("Return sequences", "返回序列"),
    "f_ra": ("reset_after", "reset_after"),
    "f_cudnn": ("CuDNN layer", "CuDNN 层"),
    "f_peep": ("Peepholes", "窥视孔连接"),
    "f_vocab": ("Vocabulary size", "词表大小"),
    "f_dim": ("Embedding size", "嵌入维度"),
    "f_filters": ("Filters", "卷积核个数"),
    "f_kernel": ("Kernel size", "卷积核大小"),
    "f_stride": ("Stride", "步幅"),
    "f_pad": ("Padding", "填充"),
    "f_groups": ("Groups", "分组数"),
    "f_rate": ("Rate", "丢弃率"),
    "f_scale": ("Scale", "缩放"),
    "f_center": ("Shift", "平移"),
    "f_reset_gate": ("Reset gate", "重置门"),
}
"""The builder's fields, by their `label` key (conventions/families.py Field.label)."""

OPTION_LABELS: dict[str, tuple[str, str]] = {
    "o_auto": ("auto", "自动"),
    "o_default": ("default", "默认"),
    "o_yes": ("yes", "是"),
    "o_no": ("no", "否"),
}
"""Words of a select field's options, by "o_" + the option; options without one (concat, valid...) are the
frameworks' own words and are shown as they are."""

BUILD_ERRORS: dict[str, tuple[str, str]] = {
    "required": ("Layer {n} ({type}): {field} is required.", "第 {n} 层（{type}）：请填写{field}。"),
    "input": ("Give the input's features (or start with an Embedding).", "请填写输入的特征数（或以 Embedding 层开头）。"),
    "invalid_auto": ("Layer {n} ({type}): {field} must be a whole number of at least 1, or empty (auto).",
                     "第 {n} 层（{type}）：{field}必须是不小于 1 的整数，或留空（自动）。"),
    "invalid_size": ("Layer {n} ({type}): {field} must be a whole number of at least 1.", "第 {n} 层（{type}）：{field}必须是不小于 1 的整数。"),
    "invalid_count": ("Layer {n} ({type}): {field} must be a whole number of at least 0.", "第 {n} 层（{type}）：{field}必须是不小于 0 的整数。"),
    "invalid_rate": ("Layer {n} ({type}): {field} must be a number from 0 to 1.", "第 {n} 层（{type}）：{field}必须是 0 到 1 之间的数。"),
    "invalid_bool": ("Layer {n} ({type}): {field} must be true or false.", "第 {n} 层（{type}）：{field}只能是 true 或 false。"),
    "invalid_select": ("Layer {n} ({type}): {field} must be one of {options}.", "第 {n} 层（{type}）：{field}只能是 {options} 之一。"),
    "no_writer": ("Layer {n} ({type}): {fw} has no such layer.", "第 {n} 层（{type}）：{fw} 没有这种层。"),
    "no_writer_because": ("Layer {n} ({type}): {fw} has no such layer ({reason}).", "第 {n} 层（{type}）：{fw} 没有这种层（{reason}）。"),
    "family": ("Layer {n}: there is no layer family {family}; choose one of: {families}.",
               "第 {n} 层：没有 {family} 这种层；可选：{families}。"),
    "field": ("Layer {n} ({type}): it has no field {field}; its fields are: {fields}.",
              "第 {n} 层（{type}）：没有 {field} 这个字段；它的字段有：{fields}。"),
    "refused": ("Layer {n} ({type}): {reason}.", "第 {n} 层（{type}）：{reason}"),
    "too_large": ("Layer {n} ({type}): {field} = {value} is larger than the web calculator allows (at most {limit}).",
                  "第 {n} 层（{type}）：{field} = {value} 超出了网页计算器的上限（最多 {limit}）。"),
    "too_many": ("The stack has {count} layers, counting stacked ones; the web calculator takes at most {limit}.",
                 "这个堆叠共有 {count} 层（含堆叠的层）；网页计算器最多接受 {limit} 层。"),
    "too_long": ("The model's expression is {count} characters long; the web calculator takes at most {limit}.",
                 "这个模型的表达式有 {count} 个字符；网页计算器最多接受 {limit} 个。"),
}
"""What POST /api/build says when a stack cannot be written (analysis/build.py BuildError reasons, and the web's
limits), in the request's language. A writer's own reason (`refused`) is the conventions' English."""

EXAMPLE_LABELS: dict[str, tuple[str, str]] = {
    "lstm": ("nn.LSTM(100, 256)", "nn.LSTM(100, 256)"),
    "simple_rnn": ("SimpleRNN + Dense", "SimpleRNN + Dense"),
    "bigru": ("GRU ×2, bidirectional", "GRU ×2，双向"),
    "sequential": ("Keras Sequential", "Keras Sequential"),
    "chain": ("Embedding → GRU → Linear", "Embedding → GRU → Linear"),
    "module": ("nn.Module", "nn.Module"),
}

DESIGN: dict[str, tuple[str, str]] = {
    "params": ("parameters", "参数量"),
    "memory": ("bytes", "内存字节数"),
    "flops": ("FLOPs", "浮点运算次数"),
    "unit_params": ("parameters", "个参数"),
    "unit_memory": ("bytes", "字节"),
    "unit_flops": ("FLOPs", "次浮点运算"),
    "axis_params": ("parameters", "参数量"),
    "axis_memory": ("memory of a step (bytes)", "一步的内存(字节)"),
    "axis_flops": ("FLOPs per batch", "每批的浮点运算次数"),
    "solved_max": ("{name} = {value}: the largest {multiple} with at most {budget} {unit}",
                   "{name} = {value}:{unit}不超过 {budget} 的最大取值{multiple}"),
    "solved_min": ("{name} = {value}: the smallest {multiple} with at least {budget} {unit}",
                   "{name} = {value}:{unit}不少于 {budget} 的最小取值{multiple}"),
    "one": ("value", ""),
    "multiple": ("multiple of {m}", "({m} 的倍数)"),
    "within": ("within the budget, {left} to spare", "在预算之内,还剩 {left}"),
    "over": ("over the budget by {over}", "超出预算 {over}"),
    "under": ("under the budget by {under}", "比预算少 {under}"),
    "reaches": ("reaches the budget, {over} above it", "达到预算,超出 {over}"),
    "no_next": ("no neighbour: {reason}", "没有相邻取值:{reason}"),
    "sets": ("sets {what} of {layers}", "设置的是 {layers} 的 {what}"),
    "followed": ("the layers after it take the new size as their input: {what}",
                 "其后的层随之改用新的输入尺寸：{what}"),
    "sequence_memory": ("memory: the sequence estimate's total without activations (the weights, when training their "
                        "gradients and optimizer state, and the batch of {b}'s state and attention cache after {t} "
                        "tokens; activations are not modelled)",
                        "内存：序列模型估算中不含激活值的合计（权重，训练时还有梯度和优化器状态，以及整批 {b} 个序列在 "
                        "{t} 个词元之后的状态和注意力缓存；激活值未建模）"),
    "sequence_flops": ("FLOPs: the prefill of the batch, {b} × a forward over {t} tokens from an empty state",
                       "浮点运算次数：整批的预填充，即 {b} × 从空状态对 {t} 个词元做一次前向"),
    "by_layer": ("Parameters by layer", "各层的参数"),
    "by_role": ("Parameters by tensor role", "各类张量的参数"),
    "memory_by_kind": ("Memory of a step by kind", "一步内存的构成"),
    "memory_by_layer": ("Memory held by each layer (weights, activations, states)",
                        "各层占用的内存(权重、激活值、状态)"),
    "weights_by_role": ("Weights by tensor role (bytes)", "各类张量的权重(字节)"),
    "total": ("total {total}", "合计 {total}"),
    "sweep_title": ("{what} as {name} varies", "{what}随 {name} 的变化"),
    "value": ("value", "取值"),
    "head": ("Output head (the last layer)", "输出头（最后一层）"),
    "cell": ("{layer} ({type}): cell {k} of {n}", "{layer}({type}):第 {k} 个单元,共 {n} 个"),
    "x_t": ("input x_t", "输入 x_t"),
    "h_prev": ("previous state h_{t−1}", "上一步的状态 h_{t−1}"),
    "h_t": ("new state h_t", "新的状态 h_t"),
    "gates": ("Gate blocks, in this order", "门块(按此顺序)"),
    "gate_axis": ("{sym} = {n} gate blocks ({gates}) of H rows each", "{sym} = {n} 个门块({gates}),每块 H 行"),
    "more_cells": ("… and {n} more cells with the same tensors (other layers and directions)",
                   "……另有 {n} 个张量相同的单元(其他层和方向)"),
    "diagram_title": ("Recurrent cells of {layers}", "{layers} 的循环单元"),
}
"""Words of `solve`, `sweep` and the charts of `count --plot` / `estimate --plot` (render/design.py)."""
