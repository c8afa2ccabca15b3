/* The page's whole state, and the URL hash that holds it: any view is a link that can be shared or bookmarked.
 *
 * `#fw=keras&t=35&lang=zh&L=embedding+gru(u=256,bi=1,m=sum)+dense(u=10)`: the stack (`L`) is the neutral
 * layers, each its family's key and the values that differ from the family's defaults under the fields' short
 * keys (the catalogue's `short`).
 */

import {family, frameworkIds, hasFamily, languages, newLayer} from "./catalog.js";

export const DEFAULTS = {
  mode: "build", fw: "pytorch", T: "", F: "", code: "", cfw: "", shape: "", pick: "", lang: "en", tensors: true,
  claimed: "", batch: "32", seq: "50", dtype: "float32", opt: "adam", emode: "train", device: "cpu", mp: false,
  sv: "", sr: "", sm: "params", qv: "", qb: "", qk: "params", qm: "1", qs: false,
};
const KEYS = {mode: "m", fw: "fw", T: "t", F: "f", code: "code", cfw: "cfw", shape: "shape", pick: "pick",
  lang: "lang", tensors: "tensors", claimed: "claimed", batch: "b", seq: "s", dtype: "dt", opt: "opt", emode: "em",
  device: "dev", mp: "mp", sv: "sv", sr: "sr", sm: "sm", qv: "qv", qb: "qb", qk: "qk", qm: "qm", qs: "qs"};

/** The page opens on an example stack: Embedding → LSTM → Dense. */
export const defaultStack = () => [newLayer("embedding", {vocab: 10000, dim: 128}), newLayer("lstm", {units: 256}),
  newLayer("dense", {units: 10})];

export const state = {...DEFAULTS, stack: []};

const encodeValue = (v) => encodeURIComponent(v).replace(/%(2C|28|29|3D|3A|3B|2F|40|21|2A|27|2B|5B|5D)/g,
  (m) => decodeURIComponent(m));

export function stackToText(stack) {
  return stack.map((layer) => {
    const opts = [];
    for (const f of family(layer.family).fields) {
      const v = layer.values[f.name];
      if (v === f.default || v === null || v === undefined || v === "") continue;
      opts.push(f.short + "=" + (f.type === "bool" ? (v ? 1 : 0) : v));
    }
    return layer.family + (opts.length ? "(" + opts.join(",") + ")" : "");
  }).join("+");
}

export function stackFromText(text) {
  const out = [];
  for (const part of text.split("+")) {
    const m = /^([a-z0-9_]+)(?:\((.*)\))?$/.exec(part.trim());
    if (!m || !hasFamily(m[1])) continue;
    const layer = newLayer(m[1]);
    for (const kv of (m[2] || "").split(",")) {
      const [key, raw] = kv.split("=");
      const field = family(m[1]).fields.find((f) => f.short === key);
      if (!field || raw === undefined) continue;
      if (field.type === "bool") layer.values[field.name] = raw === "1";
      else if (field.type === "select") { if (field.options.some((o) => o.value === raw)) layer.values[field.name] = raw; }
      else if (/^\d+(\.\d+)?$/.test(raw)) layer.values[field.name] = Number(raw);
    }
    out.push(layer);
  }
  return out;
}

export function stateToHash() {
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

/** The state a hash describes (defaults for what it leaves out or gets wrong). */
export function stateFromHash(hash) {
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
  if (!frameworkIds().includes(next.fw)) next.fw = DEFAULTS.fw;
  if (next.cfw && !frameworkIds().includes(next.cfw)) next.cfw = "";
  if (!languages().includes(next.lang)) next.lang = DEFAULTS.lang;
  return next;
}

let writing = false;
/** Whether a hashchange is the page's own writing (not a link followed). */
export const writingHash = () => writing;

export function saveHash() {
  const hash = stateToHash();
  if (location.hash !== hash) {
    writing = true;
    history.replaceState(null, "", hash === "#" ? location.pathname : hash);
    writing = false;
  }
}
