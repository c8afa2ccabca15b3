"""A sequence model's estimate as text (en/zh): memory without activations (said as not modelled), the state per
sequence, and the compute of a prefill and of one decoding step, per layer and in total. Every number comes from
analysis/sequence.py; this module only words and aligns."""

from __future__ import annotations

from ..analysis.resources import DTYPE_BYTES
from ..analysis.sequence import SequenceEstimate
from ..conventions import FRAMEWORKS
from .estimate import MEMORY_LINES, _t, _table, human_bytes
from .i18n import cjk_punct, num

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Resource estimate", "资源估算"),
    "batch": ("batch", "批大小"),
    "tokens": ("tokens", "个词元"),
    "training": ("training, {opt}", "训练,{opt}"),
    "inference": ("inference", "推理"),
    "mixed": ("mixed precision", "混合精度"),
    "memory": ("Memory", "内存"),
    "bytes": ("bytes", "字节"),
    "size": ("size", "大小"),
    "activations": ("Activations: not modelled for {fw}", "激活值:{fw} 未建模"),
    "state_title": ("State carried between tokens, per sequence: {numbers} numbers = {size} ({dtype})",
                    "词元之间携带的状态(每个序列):{numbers} 个数 = {size}({dtype})"),
    "cache_title": ("Attention's KV cache after {t} tokens, per sequence: {numbers} numbers = {size} ({dtype}); the "
                    "state of the batch above includes it",
                    "{t} 个词元之后注意力的 KV 缓存(每个序列):{numbers} 个数 = {size}({dtype});上面整批的状态已包含它"),
    "compute": ("Compute per sequence", "每个序列的计算量"),
    "layer": ("layer", "层"),
    "prefill": ("prefill of {t} tokens", "预填充 {t} 个词元"),
    "decode": ("one decoding step (token {t1})", "一步解码(第 {t1} 个词元)"),
    "macs": ("MACs", "乘加次数"),
    "flops": ("FLOPs", "浮点运算次数"),
    "total": ("total", "合计"),
    "batch_flops": ("for the batch of {b}: prefill {p} FLOPs, decoding step {d} FLOPs",
                    "整批 {b} 个序列:预填充 {p} 次浮点运算,一步解码 {d} 次浮点运算"),
    "not_modelled": ("FLOPs: not modelled for {fw} (its layers declare no per-token work)",
                     "浮点运算量:{fw} 未建模(其层未声明每个词元的计算)"),
    "definitions": ("Definitions", "定义"),
}

DEFINITIONS = (
    ("prefill: a forward over T tokens from an empty state; decoding: one step for token T + 1 with the state (and "
     "attention cache) of T tokens", "预填充:从空状态对 T 个词元做一次前向;解码:携带 T 个词元的状态(及注意力缓存)"
     "计算第 T + 1 个词元的一步"),
    ("MACs: the weight products (routed experts: top-k of them), the depthwise convolution, the state update's "
     "contractions and attention over the keys a query sees; FLOPs = 2·MACs + the state update's elementwise "
     "operations (docs/estimates.md)", "乘加次数:权重乘法(路由专家只计 top-k 个)、深度卷积、状态更新中的收缩运算，"
     "以及每个查询可见键上的注意力;浮点运算次数 = 2·乘加次数 + 状态更新的逐元素运算(见 docs/estimates.md)"),
    ("bytes are exact; 1 KiB = 1,024 B; the total leaves the activations out",
     "字节数是精确值;1 KiB = 1,024 B;合计不含激活值"),
)

MEMORY = {**MEMORY_LINES, "states": ("State of the batch (between tokens)", "整批的状态(词元之间)"),
          "total": ("Sum of the parts, without activations", "各部分之和(不含激活值)")}


def render_sequence_estimate(est: SequenceEstimate, lang: str = "en") -> str:
    def w(key: str, **values: object) -> str:
        return _t(WORDS, key, lang).format(**values)

    o, fw = est.options, FRAMEWORKS[est.framework].display
    mode = w("training", opt=o.optimizer) if o.training else w("inference")
    parts = [fw, f"{w('batch')} {o.batch} × {est.seq_len} {w('tokens')}", o.dtype, mode]
    if o.mixed_precision:
        parts.insert(3, w("mixed"))
    out = [f"{w('title')} · {' · '.join(parts)}", ""]
    rows = []
    for item in est.memory:
        label = _t(MEMORY, item.key, lang)
        if item.key == "optimizer_state":
            label += f" ({o.optimizer})"
        rows.append([label, num(item.value), human_bytes(item.value)])
    table = _table([w("memory"), w("bytes"), w("size")], rows)
    out += [*table[:-1], table[1], table[-1]]
    if o.training:
        out.append(w("activations", fw=fw))
    out += ["", w("state_title", numbers=num(est.state.per_sequence), size=human_bytes(est.state.bytes_per_sequence),
                  dtype=est.state.dtype)]
    cache = est.state.cache_per_sequence
    if est.state.caches and cache is not None:
        out.append(w("cache_title", t=num(est.seq_len), numbers=num(cache),
                     size=human_bytes(cache * DTYPE_BYTES[est.state.dtype]), dtype=est.state.dtype))
    out.append("")
    if not est.compute_modelled:
        out.append(w("not_modelled", fw=fw))
    else:
        out.append(f"{w('compute')}:")
        header = [w("layer"), f"{w('prefill', t=num(est.seq_len))} {w('macs')}", w("flops"),
                  f"{w('decode', t1=num(est.seq_len + 1))} {w('macs')}", w("flops")]
        body = [[f"{layer.name} ({layer.type})", num(layer.value("prefill", "macs")),
                 num(layer.value("prefill", "flops")), num(layer.value("decode", "macs")),
                 num(layer.value("decode", "flops"))] for layer in est.layers]
        body.append([w("total"), *(num(est.compute(p, k) or 0) for p in ("prefill", "decode")
                                   for k in ("macs", "flops"))])
        table = _table(header, body)
        out += [*table[:-1], table[1], table[-1]]
        out.append(w("batch_flops", b=num(o.batch), p=num(est.batch_flops("prefill") or 0),
                     d=num(est.batch_flops("decode") or 0)))
    out += ["", f"{w('definitions')}:"]
    out += [f"  • {pair[1] if lang == 'zh' else pair[0]}" for pair in DEFINITIONS]
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text


__all__ = ["render_sequence_estimate"]
