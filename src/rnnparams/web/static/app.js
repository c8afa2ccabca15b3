/* rnnparams calculator page.
 *
 * The page never counts: it turns the layer stack into the framework's own expression text, sends that to
 * the server (POST /api/count, explain, compare, estimate, check, formula) and shows the answers. Its whole
 * state lives in the URL hash, so any view is a link that can be shared or bookmarked.
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const h = (tag, attrs, ...children) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
    return el;
  };

  // ---- words --------------------------------------------------------------------------------------------
  const UI = {
    en: {
      skip: "Skip to the results", language: "Language", mode: "How to give the model",
      tagline: "Parameter counts of recurrent networks, exactly as each framework counts them.",
      model: "Model", build: "Build", paste: "Paste code", framework: "Framework",
      input: "Input (one sample, without the batch)", timesteps: "Time steps", features: "Features",
      free: "None", layers: "Layers", stack_empty: "No layers yet: add one below.", new_layer: "New layer",
      add_layer: "Add layer", expression: "Expression sent to the server", edit_code: "Edit as code",
      code_label: "Expression or model code", infer: "Infer from the names", input_shape: "Input shape (optional)",
      pick: "Model name (when the code defines several)", pick_ph: "the only one",
      examples: "Examples", parameters: "Parameters", copy_json: "Copy JSON", copy_md: "Copy Markdown",
      copy_link: "Copy link", error_title: "This model cannot be counted", total: "Total parameters",
      trainable: "Trainable", non_trainable: "Non-trainable", buffers: "Buffers (not parameters)",
      formula: "Formula", show_tensors: "Show tensors", col_layer: "Layer (type)", col_output: "Output shape",
      col_params: "Params", explain: "Step by step", compare: "Across frameworks",
      compare_details: "Tensor by tensor, and why they differ", estimate: "Memory and FLOPs", batch: "Batch size",
      seq_len: "Time steps", dtype: "Number format", optimizer: "Optimizer", est_mode: "Step", train: "training",
      inference: "inference", device: "Kernels", mixed: "Mixed precision", est_details: "Per layer, with definitions",
      check: "Check a claimed count", claimed: "Claimed count (from a paper, a blog, an exam)",
      api_link: "JSON API (OpenAPI)", offline: "Runs on your machine; nothing leaves it.",
      move_up: "Move layer {n} up", move_down: "Move layer {n} down", remove: "Remove layer {n} ({type})",
      layer_type: "Type of layer {n}", layer_n: "Layer {n}", auto: "auto ({v})", auto_plain: "auto",
      params_short: "{v} params", tensor_nt: "non-trainable", tensor_buffer: "buffer",
      copied_json: "Copied the count as JSON.", copied_md: "Copied a Markdown summary.",
      copied_link: "Copied a link to this model.", copy_failed: "Could not copy; select the text by hand.",
      unreachable: "Cannot reach the rnnparams server. Is `rnnparams serve` still running?",
      required: "Layer {n} ({type}): {field} is required.", keras_input: "Give the input's features (or start with an Embedding).",
      fixed_len: "The model's input fixes the time steps at {v}.", correct: "✓ {v} is right.",
      wrong: "✗ {v} is not the {fw} count: the right count is {total} ({diff}).", total_row: "Total",
      mem_weights: "Weights", mem_master_weights: "Master weights (float32)", mem_gradients: "Gradients",
      mem_optimizer_state: "Optimizer state", mem_activations: "Activations kept for backward",
      mem_states: "Recurrent states", mem_total: "Total (upper bound of the peak)",
      flops_fwd: "FLOPs per batch, forward", flops_train: "FLOPs per batch, forward + backward",
      macs: "MACs per batch", na: "not in this framework", of_layers: "{n} layers",
      f_in: "Input size", f_units: "Units", f_hidden: "Hidden size", f_layers: "Stacked layers",
      f_bidir: "Bidirectional", f_merge: "Merge", f_bias: "Bias", f_bf: "batch_first", f_proj: "Projection size",
      f_rs: "Return sequences", f_ra: "reset_after", f_cudnn: "CuDNN layer", f_vocab: "Vocabulary size",
      f_dim: "Embedding size", f_out: "Output features", f_filters: "Filters", f_kernel: "Kernel size",
      f_stride: "Stride", f_pad: "Padding", f_groups: "Groups", f_rate: "Rate", o_auto: "auto", o_default: "default",
      o_yes: "yes", o_no: "no",
    },
    zh: {
      skip: "跳到结果", language: "语言", mode: "模型的给出方式",
      tagline: "循环神经网络的参数量，与各框架的计算方式完全一致。",
      model: "模型", build: "搭建", paste: "粘贴代码", framework: "框架",
      input: "输入（单个样本，不含批次维）", timesteps: "时间步", features: "特征数",
      free: "None", layers: "层", stack_empty: "还没有层：在下面添加。", new_layer: "新的层",
      add_layer: "添加层", expression: "发送给服务器的表达式", edit_code: "改为编辑代码",
      code_label: "表达式或模型代码", infer: "根据名称推断", input_shape: "输入形状（可选）",
      pick: "模型名（代码定义了多个模型时填写）", pick_ph: "唯一的那个",
      examples: "示例", parameters: "参数量", copy_json: "复制 JSON", copy_md: "复制 Markdown",
      copy_link: "复制链接", error_title: "无法计算这个模型", total: "总参数量",
      trainable: "可训练", non_trainable: "不可训练", buffers: "缓冲区（不是参数）",
      formula: "公式", show_tensors: "显示张量", col_layer: "层（类型）", col_output: "输出形状",
      col_params: "参数量", explain: "逐步推导", compare: "跨框架对比",
      compare_details: "逐个张量对比，以及差异的原因", estimate: "内存与计算量", batch: "批大小",
      seq_len: "时间步", dtype: "数值格式", optimizer: "优化器", est_mode: "步骤", train: "训练",
      inference: "推理", device: "内核", mixed: "混合精度", est_details: "逐层明细与定义",
      check: "核对一个参数量", claimed: "待核对的参数量（来自论文、博客或考试）",
      api_link: "JSON API(OpenAPI)", offline: "在你的机器上运行，数据不会离开本机。",
      move_up: "将第 {n} 层上移", move_down: "将第 {n} 层下移", remove: "删除第 {n} 层（{type}）",
      layer_type: "第 {n} 层的类型", layer_n: "第 {n} 层", auto: "自动（{v}）", auto_plain: "自动",
      params_short: "{v} 个参数", tensor_nt: "不可训练", tensor_buffer: "缓冲区",
      copied_json: "已复制 JSON。", copied_md: "已复制 Markdown 摘要。",
      copied_link: "已复制这个模型的链接。", copy_failed: "无法复制，请手动选择文本。",
      unreachable: "无法连接 rnnparams 服务器。`rnnparams serve` 还在运行吗？",
      required: "第 {n} 层（{type}）：请填写{field}。", keras_input: "请填写输入的特征数（或以 Embedding 层开头）。",
      fixed_len: "模型的输入已固定时间步为 {v}。", correct: "✓ {v} 是正确的。",
      wrong: "✗ {v} 不是 {fw} 的参数量：正确的是 {total}（相差 {diff}）。", total_row: "合计",
      mem_weights: "权重", mem_master_weights: "主权重（float32）", mem_gradients: "梯度",
      mem_optimizer_state: "优化器状态", mem_activations: "反向传播保存的激活",
      mem_states: "循环状态", mem_total: "合计（峰值上界）",
      flops_fwd: "每批 FLOPs（前向）", flops_train: "每批 FLOPs（前向 + 反向）",
      macs: "每批 MACs", na: "该框架没有对应层", of_layers: "{n} 层",
      f_in: "输入维度", f_units: "单元数", f_hidden: "隐藏单元数", f_layers: "堆叠层数",
      f_bidir: "双向", f_merge: "合并方式", f_bias: "偏置", f_bf: "batch_first", f_proj: "投影维度",
      f_rs: "返回序列", f_ra: "reset_after", f_cudnn: "CuDNN 层", f_vocab: "词表大小",
      f_dim: "嵌入维度", f_out: "输出维度", f_filters: "卷积核个数", f_kernel: "卷积核大小",
      f_stride: "步幅", f_pad: "填充", f_groups: "分组数", f_rate: "丢弃率", o_auto: "自动", o_default: "默认",
      o_yes: "是", o_no: "否",
    },
  };
  const tr = (key, vars) => {
    let s = (UI[state.lang] || UI.en)[key] ?? UI.en[key] ?? key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(String(v));
    return s;
  };

  // ---- the layer catalogue ------------------------------------------------------------------------------
  // Each layer is framework-neutral data ({k: "lstm", units: 256, ...}); `syntax` writes it in the chosen
  // framework's own words. Fields: [name, type, default, label key, shown when (fw, layer) => bool, options].
  const PT = (fw) => fw === "pytorch";
  const KE = (fw) => fw !== "pytorch";
  const RECURRENT = ["rnn", "lstm", "gru"];
  const recurrentFields = (kind) => [
    ["in", "auto", null, "f_in", PT],
    ["units", "size", 64, "f_hidden"],
    ["layers", "size", 1, "f_layers", PT],
    ["proj", "count", 0, "f_proj", (fw) => PT(fw) && kind === "lstm"],
    ["bidir", "bool", false, "f_bidir"],
    ["merge", "select", "concat", "f_merge", (fw, l) => KE(fw) && l.bidir, ["concat", "sum", "mul", "ave"]],
    ["bias", "bool", true, "f_bias", (fw, l) => !(fw === "keras2" && l.cudnn)],
    ["bf", "bool", true, "f_bf", PT],
    ["rs", "select", "auto", "f_rs", KE, ["auto", "yes", "no"]],
    ["ra", "select", "default", "f_ra", (fw, l) => KE(fw) && kind === "gru" && !(fw === "keras2" && l.cudnn),
      ["default", "yes", "no"]],
    ["cudnn", "bool", false, "f_cudnn", (fw) => fw === "keras2" && kind !== "rnn"],
  ];
  const KINDS = {
    embedding: {label: "Embedding", fields: [["vocab", "size", 10000, "f_vocab"], ["dim", "size", 128, "f_dim"]]},
    rnn: {label: "RNN / SimpleRNN", fields: recurrentFields("rnn")},
    lstm: {label: "LSTM", fields: recurrentFields("lstm")},
    gru: {label: "GRU", fields: recurrentFields("gru")},
    dense: {label: "Dense / Linear", fields: [["in", "auto", null, "f_in", PT], ["units", "size", 10, "f_out"],
      ["bias", "bool", true, "f_bias"]]},
    conv1d: {label: "Conv1D", fields: [["in", "auto", null, "f_in", PT], ["filters", "size", 32, "f_filters"],
      ["kernel", "size", 3, "f_kernel"], ["stride", "size", 1, "f_stride"],
      ["pad", "select", "valid", "f_pad", null, ["valid", "same"]], ["groups", "size", 1, "f_groups"],
      ["bias", "bool", true, "f_bias"]]},
    layernorm: {label: "LayerNorm", fields: [["in", "auto", null, "f_in", PT]]},
    batchnorm: {label: "BatchNorm", fields: [["in", "auto", null, "f_in", PT]]},
    dropout: {label: "Dropout", fields: [["rate", "rate", 0.5, "f_rate"]]},
  };
  const SHORT = {vocab: "v", dim: "d", units: "u", layers: "n", proj: "p", bidir: "bi", merge: "m", bias: "b",
    bf: "bf", rs: "rs", ra: "ra", cudnn: "cu", in: "i", filters: "f", kernel: "k", stride: "s", pad: "pad",
    groups: "g", rate: "r"};
  const LONG = Object.fromEntries(Object.entries(SHORT).map(([k, v]) => [v, k]));

  const newLayer = (k, overrides) => {
    const layer = {k};
    for (const [name, , def] of KINDS[k].fields) layer[name] = def;
    return Object.assign(layer, overrides || {});
  };
  const shown = (field, layer) => !field[4] || field[4](state.fw, layer);

  // ---- state, and the URL that holds it ------------------------------------------------------------------
  const DEFAULTS = {
    mode: "build", fw: "pytorch", T: "", F: "", code: "", cfw: "", shape: "", pick: "", lang: "en", tensors: true,
    claimed: "", batch: "32", seq: "50", dtype: "float32", opt: "adam", emode: "train", device: "cpu", mp: false,
  };
  const defaultStack = () => [newLayer("embedding", {vocab: 10000, dim: 128}),
    newLayer("lstm", {units: 256}), newLayer("dense", {units: 10})];
  const KEYS = {mode: "m", fw: "fw", T: "t", F: "f", code: "code", cfw: "cfw", shape: "shape", pick: "pick", lang: "lang",
    tensors: "tensors", claimed: "claimed", batch: "b", seq: "s", dtype: "dt", opt: "opt", emode: "em",
    device: "dev", mp: "mp"};
  let state = {...DEFAULTS, stack: defaultStack()};

  const encodeValue = (v) => encodeURIComponent(v).replace(/%(2C|28|29|3D|3A|3B|2F|40|21|2A|27|2B|5B|5D)/g,
    (m) => decodeURIComponent(m));

  function stackToText(stack) {
    return stack.map((layer) => {
      const opts = [];
      for (const [name, type, def] of KINDS[layer.k].fields) {
        const v = layer[name];
        if (v === def || v === null || v === undefined || v === "") continue;
        opts.push(SHORT[name] + "=" + (type === "bool" ? (v ? 1 : 0) : v));
      }
      return layer.k + (opts.length ? "(" + opts.join(",") + ")" : "");
    }).join("+");
  }

  function stackFromText(text) {
    const out = [];
    for (const part of text.split("+")) {
      const m = /^([a-z0-9]+)(?:\((.*)\))?$/.exec(part.trim());
      if (!m || !KINDS[m[1]]) continue;
      const layer = newLayer(m[1]);
      for (const kv of (m[2] || "").split(",")) {
        const [key, raw] = kv.split("=");
        const name = LONG[key];
        const field = KINDS[m[1]].fields.find((f) => f[0] === name);
        if (!field || raw === undefined) continue;
        const type = field[1];
        if (type === "bool") layer[name] = raw === "1";
        else if (type === "select") { if (field[5].includes(raw)) layer[name] = raw; }
        else if (/^\d+(\.\d+)?$/.test(raw)) layer[name] = Number(raw);
      }
      out.push(layer);
    }
    return out;
  }

  function stateToHash() {
    const pairs = [];
    for (const [name, key] of Object.entries(KEYS)) {
      const v = state[name];
      if (v === DEFAULTS[name]) continue;
      if (state.mode === "code" && ["fw", "T", "F"].includes(name)) continue;
      if (state.mode === "build" && ["code", "cfw", "shape"].includes(name)) continue;
      pairs.push(key + "=" + encodeValue(typeof v === "boolean" ? (v ? "1" : "0") : v));
    }
    if (state.mode === "build") pairs.push("L=" + encodeValue(stackToText(state.stack)));
    return "#" + pairs.join("&");
  }

  function stateFromHash(hash) {
    const next = {...DEFAULTS, stack: defaultStack()};
    const text = hash.replace(/^#/, "");
    if (!text) return next;
    const byKey = Object.fromEntries(Object.entries(KEYS).map(([n, k]) => [k, n]));
    for (const pair of text.split("&")) {
      const i = pair.indexOf("=");
      if (i < 0) continue;
      let value;
      try { value = decodeURIComponent(pair.slice(i + 1)); } catch { continue; }
      const key = pair.slice(0, i);
      if (key === "L") { next.stack = stackFromText(value); continue; }
      const name = byKey[key];
      if (!name) continue;
      next[name] = typeof DEFAULTS[name] === "boolean" ? value === "1" : value;
    }
    if (!["build", "code"].includes(next.mode)) next.mode = "build";
    if (!["pytorch", "keras", "keras2"].includes(next.fw)) next.fw = "pytorch";
    if (!UI[next.lang]) next.lang = "en";
    return next;
  }

  let writingHash = false;
  function saveHash() {
    const hash = stateToHash();
    if (location.hash !== hash) {
      writingHash = true;
      history.replaceState(null, "", hash === "#" ? location.pathname : hash);
      writingHash = false;
    }
  }

  // ---- turning the stack into the framework's expression ------------------------------------------------
  function outFeatures(layer, inF) {
    switch (layer.k) {
      case "embedding": return layer.dim;
      case "rnn": case "lstm": case "gru":
        return (layer.k === "lstm" && layer.proj > 0 ? layer.proj : layer.units) * (layer.bidir ? 2 : 1);
      case "dense": return layer.units;
      case "conv1d": return layer.filters;
      default: return inF;
    }
  }

  /** Input sizes of the PyTorch stack: given, or "auto" = the previous layer's output features. */
  function inputSizes(stack) {
    const sizes = [];
    let prev = null;
    for (const layer of stack) {
      const given = layer.in !== null && layer.in !== undefined && layer.in !== "";
      const size = given ? Number(layer.in) : prev;
      sizes.push({size, auto: !given});
      prev = outFeatures(layer, size);
    }
    return sizes;
  }

  const kw = (name, value) => `${name}=${value}`;
  const pyBool = (b) => (b ? "True" : "False");
  const num = (v) => String(v);

  function pytorchLayer(layer, inSize) {
    const args = [];
    switch (layer.k) {
      case "embedding": return `nn.Embedding(${layer.vocab}, ${layer.dim})`;
      case "rnn": case "lstm": case "gru": {
        const name = {rnn: "RNN", lstm: "LSTM", gru: "GRU"}[layer.k];
        args.push(inSize, layer.units);
        if (layer.layers > 1) args.push(kw("num_layers", layer.layers));
        if (!layer.bias) args.push(kw("bias", "False"));
        if (layer.bf) args.push(kw("batch_first", "True"));
        if (layer.bidir) args.push(kw("bidirectional", "True"));
        if (layer.k === "lstm" && layer.proj > 0) args.push(kw("proj_size", layer.proj));
        return `nn.${name}(${args.join(", ")})`;
      }
      case "dense": return `nn.Linear(${inSize}, ${layer.units}${layer.bias ? "" : ", bias=False"})`;
      case "conv1d":
        args.push(inSize, layer.filters, layer.kernel);
        if (layer.stride > 1) args.push(kw("stride", layer.stride));
        if (layer.pad === "same") args.push(kw("padding", '"same"'));
        if (layer.groups > 1) args.push(kw("groups", layer.groups));
        if (!layer.bias) args.push(kw("bias", "False"));
        return `nn.Conv1d(${args.join(", ")})`;
      case "layernorm": return `nn.LayerNorm(${inSize})`;
      case "batchnorm": return `nn.BatchNorm1d(${inSize})`;
      case "dropout": return `nn.Dropout(${num(layer.rate)})`;
    }
    return "";
  }

  function kerasLayer(layer, later, fw) {
    switch (layer.k) {
      case "embedding": return `Embedding(${layer.vocab}, ${layer.dim})`;
      case "rnn": case "lstm": case "gru": {
        const cudnn = fw === "keras2" && layer.cudnn && layer.k !== "rnn";
        const name = cudnn ? {lstm: "CuDNNLSTM", gru: "CuDNNGRU"}[layer.k] : {rnn: "SimpleRNN", lstm: "LSTM", gru: "GRU"}[layer.k];
        const args = [layer.units];
        if (!layer.bias && !cudnn) args.push(kw("use_bias", "False"));
        const sequences = layer.rs === "yes" || (layer.rs === "auto" && later.some((l) => RECURRENT.includes(l.k) || l.k === "conv1d"));
        if (sequences) args.push(kw("return_sequences", "True"));
        if (layer.k === "gru" && !cudnn && layer.ra !== "default") args.push(kw("reset_after", pyBool(layer.ra === "yes")));
        const inner = `${name}(${args.join(", ")})`;
        if (!layer.bidir) return inner;
        return `Bidirectional(${inner}${layer.merge !== "concat" ? `, merge_mode="${layer.merge}"` : ""})`;
      }
      case "dense": return `Dense(${layer.units}${layer.bias ? "" : ", use_bias=False"})`;
      case "conv1d": {
        const args = [layer.filters, layer.kernel];
        if (layer.stride > 1) args.push(kw("strides", layer.stride));
        if (layer.pad === "same") args.push(kw("padding", '"same"'));
        if (layer.groups > 1) args.push(kw("groups", layer.groups));
        if (!layer.bias) args.push(kw("use_bias", "False"));
        return `Conv1D(${args.join(", ")})`;
      }
      case "layernorm": return "LayerNormalization()";
      case "batchnorm": return "BatchNormalization()";
      case "dropout": return `Dropout(${num(layer.rate)})`;
    }
    return "";
  }

  /** {text, framework} of the stack, or {problem} when a field the syntax needs is empty. */
  function stackExpression() {
    const stack = state.stack;
    const missing = (i, layer, field) => ({problem: tr("required", {n: i + 1, type: KINDS[layer.k].label,
      field: tr(field[3]).toLowerCase()})});
    for (const [i, layer] of stack.entries()) {
      for (const field of KINDS[layer.k].fields) {
        if (!shown(field, layer) || field[1] === "auto" || field[1] === "bool" || field[1] === "select") continue;
        const v = layer[field[0]];
        if (v === null || v === undefined || v === "" || Number.isNaN(v)) return missing(i, layer, field);
      }
    }
    if (state.fw === "pytorch") {
      const sizes = inputSizes(stack);
      for (const [i, layer] of stack.entries()) {
        if (layer.k !== "embedding" && layer.k !== "dropout" && (sizes[i].size === null || sizes[i].size === undefined)) {
          return missing(i, layer, KINDS[layer.k].fields[0]);
        }
      }
      return {text: stack.map((l, i) => pytorchLayer(l, sizes[i].size)).join("; "), framework: "pytorch"};
    }
    const parts = stack.map((l, i) => kerasLayer(l, stack.slice(i + 1), state.fw));
    const T = state.T === "" ? "None" : state.T;
    if (state.F !== "") parts.unshift(`Input((${T}, ${state.F}))`);
    else if (stack[0] && stack[0].k === "embedding") parts.unshift(`Input((${T},))`);
    else return {problem: tr("keras_input")};
    return {text: `Sequential([${parts.join(", ")}])`, framework: state.fw};
  }

  /** What the server is asked about: {model, framework, input_shape}, or {problem}. */
  function modelRequest() {
    if (state.mode === "build") {
      if (!state.stack.length) return {empty: true};
      const e = stackExpression();
      if (e.problem) return e;
      return {body: {model: e.text, framework: e.framework}, expression: e.text};
    }
    const code = state.code.trim();
    if (!code) return {empty: true};
    const body = {model: code, framework: state.cfw || null};
    if (state.pick.trim()) body.select = state.pick.trim();
    const shape = state.shape.trim();
    if (shape) {
      const dims = shape.replace(/^[([]|[)\]]$/g, "").split(",").map((d) => d.trim()).filter((d) => d !== "");
      const parsed = dims.map((d) => (/^(none|null|\?)$/i.test(d) ? null : /^\d+$/.test(d) ? Number(d) : NaN));
      if (parsed.some((d) => Number.isNaN(d))) return {problem: `input shape ${JSON.stringify(shape)}: write it like 35, 100`};
      body.input_shape = parsed;
    }
    return {body, expression: code};
  }

  // ---- talking to the server -----------------------------------------------------------------------------
  async function call(verb, body) {
    try {
      const r = await fetch("/api/" + verb, {method: "POST", headers: {"content-type": "application/json"},
        body: JSON.stringify(body)});
      let data;
      try { data = await r.json(); } catch { data = {error: `HTTP ${r.status}`}; }
      return {ok: r.ok, status: r.status, data};
    } catch {
      return {ok: false, status: 0, data: {error: tr("unreachable")}};
    }
  }

  // ---- formatting ----------------------------------------------------------------------------------------
  const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : n === null || n === undefined ? "–" : String(n));
  const signed = (n) => (n > 0 ? "+" : n < 0 ? "−" : "±") + Math.abs(n).toLocaleString("en-US");
  const shapeText = (s) => {
    if (!Array.isArray(s)) return "";
    if (s.length && Array.isArray(s[0])) return s.map(shapeText).join(", ");
    const dims = s.map((d) => (d === null ? "None" : String(d)));
    return "(" + dims.join(", ") + (dims.length === 1 ? ",)" : ")");
  };
  function bytes(n) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let v = n, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
    return u === 0 ? `${fmt(n)} B` : `${v.toFixed(2)} ${units[u]}`;
  }

  // ---- rendering: the builder ----------------------------------------------------------------------------
  function renderAddKinds() {
    const select = $("add-kind");
    const keep = select.value || "lstm";
    select.replaceChildren(...Object.entries(KINDS).map(([k, d]) => h("option", {value: k, text: d.label})));
    select.value = keep;
  }

  function fieldControl(layer, i, field, autoSizes) {
    const [name, type, , label, , options] = field;
    const id = `l${i}-${name}`;
    const onInput = (ev) => {
      const el = ev.target;
      if (type === "bool") layer[name] = el.checked;
      else if (type === "select") layer[name] = el.value;
      else if (type === "rate") layer[name] = el.value === "" ? "" : Number(el.value);
      else if (type === "auto") layer[name] = el.value === "" ? null : Number(el.value);
      else layer[name] = el.value === "" ? "" : Number(el.value);
      if (type === "bool" || type === "select") renderStack(`#${id}`);  // other fields may appear or go
      changed(type === "bool" || type === "select");
    };
    if (type === "bool") {
      return h("label", {class: "check", for: id}, h("input", {type: "checkbox", id, checked: !!layer[name],
        "data-field": name, onchange: onInput}), " ", h("span", {text: tr(label)}));
    }
    if (type === "select") {
      const words = {auto: tr("o_auto"), default: tr("o_default"), yes: tr("o_yes"), no: tr("o_no")};
      const select = h("select", {id, "data-field": name, onchange: onInput},
        options.map((o) => h("option", {value: o, text: words[o] || o})));
      select.value = layer[name];
      return h("label", {class: "field", for: id}, h("span", {text: tr(label)}), select);
    }
    const attrs = {type: "number", id, "data-field": name, inputmode: type === "rate" ? "decimal" : "numeric",
      min: type === "rate" ? "0" : type === "count" ? "0" : "1", step: type === "rate" ? "0.05" : "1",
      max: type === "rate" ? "1" : null, oninput: onInput};
    if (type === "auto") {
      const auto = autoSizes[i];
      attrs.placeholder = auto && auto.size !== null && auto.size !== undefined ? tr("auto", {v: auto.size}) : tr("auto_plain");
    }
    const input = h("input", attrs);
    input.value = layer[name] === null || layer[name] === undefined ? "" : String(layer[name]);
    return h("label", {class: "field", for: id}, h("span", {text: tr(label)}), input);
  }

  function renderStack(focus) {
    const list = $("stack");
    const sizes = inputSizes(state.stack);
    list.replaceChildren(...state.stack.map((layer, i) => {
      const n = i + 1;
      const type = KINDS[layer.k].label;
      const kindSelect = h("select", {id: `l${i}-kind`, "data-act": "kind", "aria-label": tr("layer_type", {n}),
        onchange: (ev) => {
          const keep = {};
          for (const f of KINDS[ev.target.value].fields) if (f[0] in layer && f[1] !== "select") keep[f[0]] = layer[f[0]];
          state.stack[i] = newLayer(ev.target.value, keep);
          renderStack(`#l${i}-kind`);
          changed(true);
        }}, Object.entries(KINDS).map(([k, d]) => h("option", {value: k, text: d.label})));
      kindSelect.value = layer.k;
      const tools = h("div", {class: "tools"},
        h("button", {type: "button", class: "icon", "data-act": "up", "aria-label": tr("move_up", {n}),
          title: tr("move_up", {n}), disabled: i === 0, onclick: () => move(i, -1)}, "↑"),
        h("button", {type: "button", class: "icon", "data-act": "down", "aria-label": tr("move_down", {n}),
          title: tr("move_down", {n}), disabled: i === state.stack.length - 1, onclick: () => move(i, 1)}, "↓"),
        h("button", {type: "button", class: "icon danger", "data-act": "remove", "aria-label": tr("remove", {n, type}),
          title: tr("remove", {n, type}), onclick: () => remove(i)}, "✕"));
      const fields = KINDS[layer.k].fields.filter((f) => shown(f, layer)).map((f) => fieldControl(layer, i, f, sizes));
      return h("li", {class: "layer", "data-i": i},
        h("div", {class: "layer-head"}, h("span", {class: "layer-n", "aria-hidden": "true", text: String(n)}),
          kindSelect, h("span", {class: "layer-params num", id: `l${i}-params`}), tools),
        h("div", {class: "fields"}, fields));
    }));
    $("stack-empty").hidden = state.stack.length > 0;
    if (focus) {
      const el = document.querySelector(focus);
      if (el && !el.disabled) el.focus();
      else if (el) (el.parentElement.querySelector("button:not([disabled])") || $("add")).focus();
      else $("add").focus();
    }
    showLayerParams();
  }

  function move(i, delta) {
    const j = i + delta;
    if (j < 0 || j >= state.stack.length) return;
    [state.stack[i], state.stack[j]] = [state.stack[j], state.stack[i]];
    renderStack(`[data-i="${j}"] [data-act="${delta < 0 ? "up" : "down"}"]`);
    changed(true);
  }

  function remove(i) {
    state.stack.splice(i, 1);
    const next = Math.min(i, state.stack.length - 1);
    renderStack(next >= 0 ? `[data-i="${next}"] [data-act="remove"]` : "#add");
    changed(true);
  }

  function add() {
    const k = $("add-kind").value;
    const layer = newLayer(k);
    if (state.stack.length === 0 && "in" in layer) layer.in = 100;
    state.stack.push(layer);
    const i = state.stack.length - 1;
    const first = KINDS[k].fields.find((f) => shown(f, layer) && f[1] !== "bool" && f[1] !== "select");
    renderStack(first ? `#l${i}-${first[0]}` : `#l${i}-kind`);
    changed(true);
  }

  function showLayerParams() {
    const layers = lastCount && state.mode === "build" && lastCount.layers.length === state.stack.length ? lastCount.layers : null;
    state.stack.forEach((_, i) => {
      const el = $(`l${i}-params`);
      if (el) el.textContent = layers ? tr("params_short", {v: fmt(layers[i].params)}) : "";
    });
  }

  // ---- rendering: everything else ------------------------------------------------------------------------
  function applyLanguage() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = tr(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", tr(el.dataset.i18nLabel));
    for (const el of document.querySelectorAll("[data-i18n-ph]")) el.setAttribute("placeholder", tr(el.dataset.i18nPh));
    for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
  }

  function applyState() {
    for (const b of document.querySelectorAll("[data-mode]")) b.setAttribute("aria-pressed", String(b.dataset.mode === state.mode));
    $("build-mode").hidden = state.mode !== "build";
    $("code-mode").hidden = state.mode !== "code";
    $("fw").value = state.fw;
    $("input-row").hidden = state.fw === "pytorch";
    $("in-t").value = state.T;
    $("in-f").value = state.F;
    $("code").value = state.code;
    $("cfw").value = state.cfw;
    $("shape").value = state.shape;
    $("pick").value = state.pick;
    $("show-tensors").checked = state.tensors;
    $("claimed").value = state.claimed;
    $("est-batch").value = state.batch;
    $("est-seq").value = state.seq;
    $("est-dtype").value = state.dtype;
    $("est-opt").value = state.opt;
    $("est-mode").value = state.emode;
    $("est-device").value = state.device;
    $("est-mp").checked = state.mp;
    applyLanguage();
    renderStack();
  }

  function showError(box, message) {
    box.hidden = !message;
    box.querySelector("pre").textContent = message || "";
  }

  function renderCount(data) {
    $("total").textContent = fmt(data.total_params);
    $("mini-value").textContent = fmt(data.total_params);
    $("layers-total").textContent = fmt(data.total_params);
    $("trainable").textContent = fmt(data.trainable_params);
    $("non-trainable").textContent = fmt(data.non_trainable_params);
    $("buffers-box").hidden = !data.buffers;
    $("buffers").textContent = fmt(data.buffers);
    const fwName = {pytorch: "PyTorch", keras: "Keras 3 / tf.keras 2.x", keras2: "Keras 2.x / TF 1.x"}[data.framework] || data.framework;
    $("fw-name").textContent = fwName;
    const warnings = data.warnings || [];
    $("warnings").hidden = !warnings.length;
    $("warnings").replaceChildren(...warnings.map((w) => h("li", {text: w})));
    const rows = [];
    for (const layer of data.layers) {
      const states = () => {
        const items = Object.entries(layer.state_shapes || {}).map(([k, v]) => h("span", {class: "state", text: `${k} ${shapeText(v)}`}));
        return items.length ? h("div", {class: "states"}, items) : null;
      };
      rows.push(h("tr", {class: "layer-row"},
        h("th", {scope: "row"}, h("span", {class: "lname", text: layer.name}), " ", h("span", {class: "ltype", text: `(${layer.type})`}),
          h("div", {class: "mshape"}, shapeText(layer.output_shape), states())),
        h("td", {class: "shape"}, shapeText(layer.output_shape), states()),
        h("td", {class: "num", text: fmt(layer.params)})));
      if (state.tensors) {
        const tensors = [...layer.tensors.map((t) => [t, false]), ...(layer.buffer_tensors || []).map((t) => [t, true])];
        for (const [t, buffer] of tensors) {
          const tag = buffer ? tr("tensor_buffer") : t.trainable ? "" : tr("tensor_nt");
          rows.push(h("tr", {class: "tensor-row" + (buffer ? " buffer" : "")},
            h("td", {class: "tname"}, h("code", {text: t.name}), tag ? h("span", {class: "tag", text: tag}) : null,
              h("div", {class: "mshape", text: shapeText(t.shape)})),
            h("td", {class: "shape", text: shapeText(t.shape)}),
            h("td", {class: "num", text: buffer ? `(${fmt(t.params)})` : fmt(t.params)})));
        }
      }
    }
    document.querySelector("#layers tbody").replaceChildren(...rows);
    showLayerParams();
  }

  function renderCompare(data) {
    const fwNames = {pytorch: "PyTorch", keras: "Keras 3", keras2: "Keras 2"};
    const head = h("thead", {}, h("tr", {}, h("th", {scope: "col", text: tr("col_layer")}),
      data.frameworks.map((f) => h("th", {scope: "col", class: "num", text: fwNames[f] || f}))));
    const first = data.frameworks[0];
    const cell = (value, base) => {
      if (value === null || value === undefined) return h("td", {class: "num muted", text: "—"});
      const diff = base !== null && base !== undefined && value !== base ? signed(value - base) : "";
      return h("td", {class: "num"}, fmt(value), diff ? h("span", {class: "diff", text: ` ${diff}`}) : null);
    };
    const body = h("tbody", {}, data.layers.map((row) => {
      const base = row.frameworks[first] && row.frameworks[first].params;
      return h("tr", {}, h("th", {scope: "row"}, h("span", {class: "lname", text: row.name}), " ",
        h("span", {class: "ltype", text: `(${row.type})`})),
        data.frameworks.map((f) => {
          const c = row.frameworks[f] || {};
          const td = cell(c.params, base);
          if (c.reason) td.title = c.reason;
          return td;
        }));
    }));
    const totals = data.total_params;
    const foot = h("tfoot", {}, h("tr", {}, h("th", {scope: "row", text: tr("total_row")}),
      data.frameworks.map((f) => cell(totals[f], totals[first]))));
    $("compare").replaceChildren(head, body, foot);
    $("compare-text").textContent = data.text || "";
  }

  function renderEstimate(data) {
    const rows = Object.entries(data.memory).map(([k, v]) => h("tr", {class: k === "total" ? "strong" : ""},
      h("th", {scope: "row", text: tr("mem_" + k) === "mem_" + k ? k : tr("mem_" + k)}),
      h("td", {class: "num", text: bytes(v)}), h("td", {class: "num muted", text: `${fmt(v)} B`})));
    const c = data.compute || {};
    const compute = [["macs", c.macs_batch], ["flops_fwd", c.flops_batch], ["flops_train", c.flops_train_batch]]
      .filter(([, v]) => typeof v === "number")
      .map(([k, v]) => h("tr", {}, h("th", {scope: "row", text: tr(k)}), h("td", {class: "num", colspan: "2", text: fmt(v)})));
    $("estimate-out").replaceChildren(h("div", {class: "table-wrap"}, h("table", {class: "grid compact"},
      h("tbody", {}, rows, compute))));
    $("estimate-text").textContent = data.text || "";
  }

  function renderCheck(data) {
    const fwName = {pytorch: "PyTorch", keras: "Keras 3", keras2: "Keras 2"}[data.framework] || data.framework;
    const verdict = data.correct ? tr("correct", {v: fmt(data.claimed)})
      : tr("wrong", {v: fmt(data.claimed), fw: fwName, total: fmt(data.total_params), diff: signed(data.claimed - data.total_params)});
    $("check-out").replaceChildren(h("p", {class: "verdict " + (data.correct ? "ok" : "bad"), text: verdict}),
      h("pre", {class: "derivation", tabindex: "0", text: data.text || ""}));
  }

  // ---- the refresh cycle ---------------------------------------------------------------------------------
  let lastCount = null;
  let lastExplain = null;
  let lastExpression = "";
  let generation = 0;
  let timer = null;

  function changed(now) {
    saveHash();
    if (state.mode === "build") {
      const e = state.stack.length ? stackExpression() : {text: ""};
      $("expr").textContent = e.text || "";
      renderStackAutos();
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, now ? 0 : 200);
  }

  function renderStackAutos() {
    const sizes = inputSizes(state.stack);
    state.stack.forEach((layer, i) => {
      const el = $(`l${i}-in`);
      if (el) el.placeholder = sizes[i].size !== null && sizes[i].size !== undefined ? tr("auto", {v: sizes[i].size}) : tr("auto_plain");
    });
  }

  /** PyTorch writes the input size on the first layer, Keras on Input(): keep it when switching. */
  function carryInputSize(from, to) {
    const first = state.stack[0];
    if (!first || !("in" in first)) return;
    if (from === "pytorch" && to !== "pytorch" && state.F === "" && first.in) state.F = String(first.in);
    if (from !== "pytorch" && to === "pytorch" && (first.in === null || first.in === "") && state.F !== "") {
      first.in = Number(state.F);
    }
  }

  function fixedSteps() {
    if (state.mode === "build" && state.fw !== "pytorch" && state.T !== "") return state.T;
    return null;
  }

  /** The bar that keeps the total (or the trouble) in sight on a phone, where the results are below. */
  function mini(kind) {
    const bar = $("mini-total");
    bar.hidden = kind === null;
    bar.classList.toggle("bad", kind === "bad");
    bar.querySelector("span").textContent = tr(kind === "bad" ? "error_title" : "total");
    if (kind === "bad") $("mini-value").textContent = "";
  }

  async function refresh() {
    const my = ++generation;
    const req = modelRequest();
    const main = $("error");
    mini(null);
    if (req.empty) {
      lastCount = null;
      $("out").hidden = true;
      main.hidden = true;
      return;
    }
    if (req.problem) {
      mini("bad");
      $("error-text").textContent = req.problem;
      main.hidden = false;
      $("out").hidden = true;
      return;
    }
    lastExpression = req.expression;
    const base = req.body;
    const count = await call("count", base);
    if (my !== generation) return;
    if (!count.ok) {
      lastCount = null;
      mini("bad");
      $("error-text").textContent = count.data.error || `HTTP ${count.status}`;
      main.hidden = false;
      $("out").hidden = true;
      showLayerParams();
      return;
    }
    main.hidden = true;
    $("out").hidden = false;
    mini("ok");
    lastCount = count.data;
    renderCount(count.data);
    const lang = state.lang;
    const fixed = fixedSteps();
    $("est-fixed").hidden = fixed === null;
    $("est-fixed").textContent = fixed === null ? "" : tr("fixed_len", {v: fixed});
    $("est-seq").disabled = fixed !== null;
    const estBody = {...base, batch: Number(state.batch) || 0, seq_len: fixed !== null ? null : Number(state.seq) || null,
      dtype: state.dtype, optimizer: state.opt, mode: state.emode, device: state.device, mixed_precision: state.mp, lang};
    const jobs = [
      call("explain", {...base, lang}).then((r) => {
        if (my !== generation) return;
        lastExplain = r.ok ? r.data : null;
        $("explain").textContent = r.ok ? r.data.text : r.data.error;
      }),
      call("formula", base).then((r) => {
        if (my !== generation) return;
        $("formula-line").hidden = !r.ok;
        $("formula").textContent = r.ok ? r.data.formula : "";
      }),
      call("compare", {...base, lang}).then((r) => {
        if (my !== generation) return;
        if (r.ok) renderCompare(r.data);
        else { $("compare").replaceChildren(); $("compare-text").textContent = r.data.error; }
      }),
      call("estimate", estBody).then((r) => {
        if (my !== generation) return;
        if (r.status === 501) { $("estimate-box").hidden = true; return; }
        showError($("estimate-error"), r.ok ? "" : r.data.error);
        if (r.ok) renderEstimate(r.data);
        else { $("estimate-out").replaceChildren(); $("estimate-text").textContent = ""; }
      }),
    ];
    if (state.claimed.trim()) {
      jobs.push(call("check", {...base, claimed: state.claimed.trim(), lang}).then((r) => {
        if (my !== generation) return;
        showError($("check-error"), r.ok ? "" : r.data.error);
        if (r.ok) renderCheck(r.data); else $("check-out").replaceChildren();
      }));
    } else {
      showError($("check-error"), "");
      $("check-out").replaceChildren();
    }
    await Promise.all(jobs);
  }

  // ---- copying -------------------------------------------------------------------------------------------
  function toast(message) {
    const el = $("toast");
    el.textContent = message;
    el.classList.add("show");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => el.classList.remove("show"), 2200);
  }

  async function copy(text, done) {
    window.__lastCopied = text;  // for tests, and for copying by hand from the console
    try {
      await navigator.clipboard.writeText(text);
      toast(tr(done));
    } catch {
      const area = h("textarea", {class: "offscreen", readonly: true});
      area.value = text;
      document.body.append(area);
      area.select();
      const ok = document.execCommand && document.execCommand("copy");
      area.remove();
      toast(tr(ok ? done : "copy_failed"));
    }
  }

  function markdown() {
    const d = lastCount;
    if (!d) return "";
    const out = ["```", lastExpression, "```", "",
      `| ${tr("col_layer")} | ${tr("col_output")} | ${tr("col_params")} |`, "|---|---|---:|"];
    for (const l of d.layers) out.push(`| ${l.name} (${l.type}) | ${shapeText(l.output_shape)} | ${fmt(l.params)} |`);
    out.push(`| **${tr("total")}** | | **${fmt(d.total_params)}** |`, "");
    out.push(`${tr("trainable")}: ${fmt(d.trainable_params)} · ${tr("non_trainable")}: ${fmt(d.non_trainable_params)}` +
      (d.buffers ? ` · ${tr("buffers")}: ${fmt(d.buffers)}` : ""));
    if (lastExplain && lastExplain.markdown) out.push("", lastExplain.markdown.trimEnd());
    return out.join("\n") + "\n";
  }

  // ---- wiring --------------------------------------------------------------------------------------------
  const EXAMPLES = [
    ["nn.LSTM(100, 256)", "nn.LSTM(100, 256)", ""],
    ["SimpleRNN + Dense", "SimpleRNN(4, input_shape=[50, 3]); Dense(1)", ""],
    ["GRU ×2, bidirectional", "nn.GRU(128, 256, num_layers=2, bidirectional=True)", ""],
    ["Keras Sequential", "Sequential([Input((35, 100)), LSTM(256, return_sequences=True), LSTM(128), Dense(10)])", ""],
    ["Embedding → GRU → Linear", "nn.Embedding(10000, 128); nn.GRU(128, 256, batch_first=True); nn.Linear(256, 10)", ""],
    ["nn.Module", ["import torch.nn as nn", "", "", "class Encoder(nn.Module):",
      "    def __init__(self, vocab=10000, emb=128, hidden=256, layers=2):",
      "        super().__init__()", "        self.embedding = nn.Embedding(vocab, emb)",
      "        self.rnn = nn.GRU(emb, hidden, num_layers=layers, batch_first=True, bidirectional=True)",
      "        self.fc = nn.Linear(2 * hidden, 2)", ""].join("\n"), ""],
  ];

  function bind() {
    for (const b of document.querySelectorAll("[data-lang]")) {
      b.addEventListener("click", () => { state.lang = b.dataset.lang; applyLanguage(); renderStack(); changed(true); });
    }
    for (const b of document.querySelectorAll("[data-mode]")) {
      b.addEventListener("click", () => { state.mode = b.dataset.mode; applyState(); changed(true); });
    }
    $("fw").addEventListener("change", (e) => {
      const from = state.fw;
      state.fw = e.target.value;
      carryInputSize(from, state.fw);
      applyState();
      changed(true);
    });
    $("in-t").addEventListener("input", (e) => { state.T = e.target.value; changed(); });
    $("in-f").addEventListener("input", (e) => { state.F = e.target.value; changed(); });
    $("add").addEventListener("click", add);
    $("edit-code").addEventListener("click", () => {
      const e = stackExpression();
      state.code = e.text || "";
      state.cfw = state.fw;
      state.shape = "";
      state.mode = "code";
      applyState();
      changed(true);
      $("code").focus();
    });
    $("code").addEventListener("input", (e) => { state.code = e.target.value; changed(); });
    $("cfw").addEventListener("change", (e) => { state.cfw = e.target.value; changed(true); });
    $("shape").addEventListener("input", (e) => { state.shape = e.target.value; changed(); });
    $("pick").addEventListener("input", (e) => { state.pick = e.target.value; changed(); });
    $("show-tensors").addEventListener("change", (e) => { state.tensors = e.target.checked; saveHash(); if (lastCount) renderCount(lastCount); });
    $("claimed").addEventListener("input", (e) => { state.claimed = e.target.value; changed(); });
    const est = {"est-batch": "batch", "est-seq": "seq", "est-dtype": "dtype", "est-opt": "opt", "est-mode": "emode", "est-device": "device"};
    for (const [id, name] of Object.entries(est)) {
      $(id).addEventListener(id.includes("batch") || id.includes("seq") ? "input" : "change", (e) => { state[name] = e.target.value; changed(); });
    }
    $("est-mp").addEventListener("change", (e) => { state.mp = e.target.checked; changed(true); });
    $("copy-json").addEventListener("click", () => lastCount && copy(JSON.stringify(lastCount, null, 2) + "\n", "copied_json"));
    $("copy-md").addEventListener("click", () => lastCount && copy(markdown(), "copied_md"));
    $("copy-link").addEventListener("click", () => { saveHash(); copy(location.href, "copied_link"); });
    $("examples").replaceChildren(...EXAMPLES.map(([label, code, shape]) => h("button", {type: "button", class: "chip",
      onclick: () => { state.code = code; state.shape = shape; state.cfw = ""; state.pick = ""; applyState(); changed(true); }},
      label)));
    // In-page links (skip link, the phone's total bar) must not replace the state held in the hash.
    document.addEventListener("click", (e) => {
      const link = e.target.closest && e.target.closest('a[href^="#"]');
      if (!link) return;
      const target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      e.preventDefault();
      target.scrollIntoView({block: "start"});
      target.focus({preventScroll: true});
    });
    window.addEventListener("hashchange", () => {
      if (writingHash || !location.hash.includes("=")) return;
      state = stateFromHash(location.hash);
      applyState();
      changed(true);
    });
  }

  function start() {
    state = stateFromHash(location.hash);
    renderAddKinds();
    bind();
    applyState();
    changed(true);
    fetch("/api/info").then((r) => r.json()).then((info) => {
      $("version").textContent = info.version || "";
      if (info.verbs && !info.verbs.includes("estimate")) $("estimate-box").hidden = true;
    }).catch(() => {});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
