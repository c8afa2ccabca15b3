/* The answers, shown: the count (totals, layers and tensors), the comparison across frameworks, the resource
 * estimate, the check of a claimed count, and the Markdown summary that "Copy Markdown" copies. */

import {framework} from "./catalog.js";
import {$, bytes, fmt, h, shapeText, signed} from "./format.js";
import {tr} from "./i18n.js";
import {state} from "./state.js";

const displayName = (id) => (framework(id) ? framework(id).display : id);

export function showError(box, message) {
  box.hidden = !message;
  box.querySelector("pre").textContent = message || "";
}

/** The bar that keeps the total (or the trouble) in sight on a phone, where the results are below. */
export function mini(kind) {
  const bar = $("mini-total");
  bar.hidden = kind === null;
  bar.classList.toggle("bad", kind === "bad");
  bar.querySelector("span").textContent = tr(kind === "bad" ? "error_title" : "total");
  if (kind === "bad") $("mini-value").textContent = "";
}

export function renderCount(data) {
  $("total").textContent = fmt(data.total_params);
  $("mini-value").textContent = fmt(data.total_params);
  $("layers-total").textContent = fmt(data.total_params);
  $("trainable").textContent = fmt(data.trainable_params);
  $("non-trainable").textContent = fmt(data.non_trainable_params);
  $("buffers-box").hidden = !data.buffers;
  $("buffers").textContent = fmt(data.buffers);
  $("fw-name").textContent = displayName(data.framework);
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
    if (!state.tensors) continue;
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
  document.querySelector("#layers tbody").replaceChildren(...rows);
}

export function renderCompare(data) {
  const head = h("thead", {}, h("tr", {}, h("th", {scope: "col", text: tr("col_layer")}),
    data.frameworks.map((f) => h("th", {scope: "col", class: "num", text: displayName(f)}))));
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

export function renderEstimate(data) {
  const rows = Object.entries(data.memory).map(([k, v]) => h("tr", {class: k === "total" ? "strong" : ""},
    h("th", {scope: "row", text: tr("mem_" + k) === "mem_" + k ? k : tr("mem_" + k)}),
    h("td", {class: "num", text: bytes(v)}), h("td", {class: "num muted", text: `${fmt(v)} B`})));
  const c = data.compute || {};
  const pairs = c.prefill  // a sequence model (estimate_sequence): the batch's prefill and one decoding step
    ? [["flops_prefill", (c.prefill || {}).flops_batch], ["flops_decode", (c.decode || {}).flops_batch]]
    : [["macs", c.macs_batch], ["flops_fwd", c.flops_batch], ["flops_train", c.flops_train_batch]];
  const compute = pairs
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => h("tr", {}, h("th", {scope: "row", text: tr(k)}), h("td", {class: "num", colspan: "2", text: fmt(v)})));
  $("estimate-out").replaceChildren(h("div", {class: "table-wrap"}, h("table", {class: "grid compact"},
    h("tbody", {}, rows, compute))));
  $("estimate-text").textContent = data.text || "";
}

export function renderCheck(data) {
  const verdict = data.correct ? tr("correct", {v: fmt(data.claimed)})
    : tr("wrong", {v: fmt(data.claimed), fw: displayName(data.framework), total: fmt(data.total_params),
      diff: signed(data.claimed - data.total_params)});
  $("check-out").replaceChildren(h("p", {class: "verdict " + (data.correct ? "ok" : "bad"), text: verdict}),
    h("pre", {class: "derivation", tabindex: "0", text: data.text || ""}));
}

/** The count as Markdown: the expression, the layer table, the totals and the explanation. */
export function markdown(count, expression, explanation) {
  if (!count) return "";
  const out = ["```", expression, "```", "",
    `| ${tr("col_layer")} | ${tr("col_output")} | ${tr("col_params")} |`, "|---|---|---:|"];
  for (const l of count.layers) out.push(`| ${l.name} (${l.type}) | ${shapeText(l.output_shape)} | ${fmt(l.params)} |`);
  out.push(`| **${tr("total")}** | | **${fmt(count.total_params)}** |`, "");
  out.push(`${tr("trainable")}: ${fmt(count.trainable_params)} · ${tr("non_trainable")}: ${fmt(count.non_trainable_params)}` +
    (count.buffers ? ` · ${tr("buffers")}: ${fmt(count.buffers)}` : ""));
  if (explanation && explanation.markdown) out.push("", explanation.markdown.trimEnd());
  return out.join("\n") + "\n";
}
