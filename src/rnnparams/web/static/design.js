/* Pictures and sizing on the page: the per-layer share chart (an SVG drawn here from the count's numbers),
 * the cell diagram and the sweep chart (SVG the server draws from the same data, /api/explain and /api/sweep),
 * and the solve form (/api/solve). Their fields live in the URL hash like the rest of the state. */

import {call} from "./api.js";
import {$, fmt, h} from "./format.js";
import {tr} from "./i18n.js";
import {showError} from "./results.js";
import {state} from "./state.js";

const NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** Parameters per layer as horizontal bars, proportional to the largest, each with its share of the total. */
export function renderShare(count) {
  const layers = count.layers || [];
  const total = layers.reduce((s, l) => s + l.params, 0);
  const top = Math.max(0, ...layers.map((l) => l.params));
  const row = 24, labelW = 170, barW = 260, w = 600, hgt = 12 + row * layers.length;
  const title = tr("share_h");
  const chart = svg("svg", {viewBox: `0 0 ${w} ${hgt}`, width: "100%", role: "img", "aria-label": title,
    class: "share", "font-size": 12, "font-family": "sans-serif"}, svg("title", {}, title));
  layers.forEach((l, i) => {
    const y = 6 + i * row;
    const len = top ? (barW * l.params) / top : 0;
    const share = total ? (100 * l.params) / total : 0;
    const label = `${l.name} (${l.type})`;
    chart.append(svg("text", {x: labelW - 6, y: y + 15, "text-anchor": "end", fill: "currentColor"}, label.length > 26 ? label.slice(0, 25) + "…" : label));
    chart.append(svg("rect", {x: labelW, y: y + 3, width: len.toFixed(1), height: 16, fill: PALETTE[i % PALETTE.length],
      "data-value": l.params}, svg("title", {}, `${label}: ${fmt(l.params)} (${share.toFixed(1)}%)`)));
    chart.append(svg("text", {x: labelW + len + 6, y: y + 15, fill: "currentColor"}, `${fmt(l.params)} · ${share.toFixed(1)}%`));
  });
  $("share-chart").replaceChildren(chart);
}

/** The server's SVG (its own escaped XML) placed in `box`, or a sentence when there is none. */
function placeSvg(box, text, otherwise, fit = true) {
  if (!text) { box.replaceChildren(h("p", {class: "muted", text: otherwise})); return; }
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg") { box.replaceChildren(); return; }
  if (fit) { root.setAttribute("width", "100%"); root.removeAttribute("height"); }
  box.replaceChildren(document.importNode(root, true));
}

export function renderCell(explain) {
  placeSvg($("cell-diagram"), explain && explain.cell_svg, tr("no_cell"), false);  // its own size: scrolls on a phone
}

/** The sizes the model can vary (from /api/explain), in both forms' selects; the state's choice kept. */
export function renderVariables(explain) {
  const vars = (explain && explain.variables) || [];
  const preferred = vars.find((v) => /(hidden|units|features)/.test(v.name)) || vars[0];
  for (const [id, key] of [["sweep-vary", "sv"], ["solve-vary", "qv"]]) {
    const select = $(id);
    const options = vars.map((v) => h("option", {value: v.name, text: `${v.name} = ${fmt(v.value)}`}));
    if (key === "sv") options.push(h("option", {value: "seq_len", text: "seq_len"}), h("option", {value: "batch", text: "batch"}));
    if (key === "qv") options.push(h("option", {value: "batch", text: "batch"}));
    select.replaceChildren(...options);
    const wanted = state[key] || (preferred ? preferred.name : "");
    select.value = [...select.options].some((o) => o.value === wanted) ? wanted : (preferred ? preferred.name : "");
  }
  return preferred;
}

function defaultRange(vars, name) {
  const v = (vars || []).find((x) => x.name === name);
  const current = v ? v.value : 64;
  const step = Math.max(1, Math.round((current * 2) / 16));
  return `${step}..${16 * step}:${step}`;
}

function estimateFields() {
  return {batch: Number(state.batch) || 1, seq_len: Number(state.seq) || null, dtype: state.dtype,
    optimizer: state.opt, mode: state.emode, device: state.device, mixed_precision: state.mp};
}

/** The sweep chart of the chosen size and values; the estimate's options come from the estimate form. */
export async function runSweep(base, explain, isCurrent) {
  const name = $("sweep-vary").value;
  if (!name) { $("sweep-chart").replaceChildren(); return; }
  const range = (state.sr || "").trim() || defaultRange(explain && explain.variables, name);
  $("sweep-range").placeholder = defaultRange(explain && explain.variables, name);
  const body = {...base, vary: `${name}=${range}`, metric: state.sm || "params", lang: state.lang};
  if (body.metric !== "params" || name === "seq_len" || name === "batch") Object.assign(body, estimateFields());
  const r = await call("sweep", body);
  if (!isCurrent()) return;
  showError($("sweep-error"), r.ok ? "" : r.data.error);
  if (r.ok) placeSvg($("sweep-chart"), r.data.svg, "");
  else $("sweep-chart").replaceChildren();
}

/** The solve form's answer: the value, its total and the value beyond, in words. */
export async function runSolve(base, isCurrent) {
  const name = $("solve-vary").value;
  const budget = (state.qb || "").trim();
  if (!name || !budget) { $("solve-out").textContent = ""; showError($("solve-error"), ""); return; }
  const kind = state.qk || "params";
  const body = {...base, vary: name, [kind]: /^\d+$/.test(budget) ? Number(budget) : budget,
    multiple_of: Number(state.qm) || 1, smallest: state.qs, lang: state.lang};
  if (kind !== "params" || name === "batch") Object.assign(body, estimateFields());
  const r = await call("solve", body);
  if (!isCurrent()) return;
  showError($("solve-error"), r.ok ? "" : r.data.error);
  $("solve-out").textContent = r.ok ? r.data.text : "";
}
