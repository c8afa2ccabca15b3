/* The stack editor: the layers of the state, each a neutral family's values, rendered with the controls the
 * catalogue gives the chosen framework's writer of that family (its fields, their types, labels and options).
 * The page never writes an expression itself: /api/build does (main.js), and its answer tells each layer's
 * automatic input size, shown as "auto (128)".
 */

import {catalog, family, framework, newLayer, offered, takes, visibleFields} from "./catalog.js";
import {$, empty, fmt, h} from "./format.js";
import {say, tr} from "./i18n.js";
import {state} from "./state.js";

let changed = () => {};
/** What to call when the stack changes (`now`: no debounce, for clicks rather than typing). */
export const onChange = (fn) => { changed = fn; };

let built = null;  // the last /api/build answer for this stack (its `stack`: layers written, input sizes)
let counted = null;  // the last /api/count answer

const label = (key) => say(family(key).label);

export function renderFrameworkSelects() {
  const options = () => catalog().frameworks.map((f) => h("option", {value: f.id, text: f.display}));
  $("fw").replaceChildren(...options());
  const infer = $("cfw").querySelector('option[value=""]');
  $("cfw").replaceChildren(infer, ...options());
}

export function renderAddKinds() {
  const select = $("add-kind");
  const keep = select.value || "lstm";
  const kinds = offered(state.fw);
  select.replaceChildren(...kinds.map((f) => h("option", {value: f.key, text: say(f.label)})));
  select.value = kinds.some((f) => f.key === keep) ? keep : kinds.some((f) => f.key === "lstm") ? "lstm" : kinds[0].key;
}

function autoText(i) {
  const size = built && built.stack[i] ? built.stack[i].input_size : null;
  return size === null || size === undefined ? tr("auto_plain") : tr("auto", {v: size});
}

function fieldControl(layer, i, field) {
  const {name, type} = field;
  const id = `l${i}-${name}`;
  const text = say(field.label);
  const onInput = (ev) => {
    const el = ev.target;
    if (type === "bool") layer.values[name] = el.checked;
    else if (type === "select") layer.values[name] = el.value;
    else if (type === "auto") layer.values[name] = el.value === "" ? null : Number(el.value);
    else layer.values[name] = el.value === "" ? "" : Number(el.value);
    if (type === "bool" || type === "select") renderStack(`#${id}`);  // other fields may appear or go
    changed(type === "bool" || type === "select");
  };
  if (type === "bool") {
    return h("label", {class: "check", for: id}, h("input", {type: "checkbox", id, checked: !!layer.values[name],
      "data-field": name, onchange: onInput}), " ", h("span", {text}));
  }
  if (type === "select") {
    const select = h("select", {id, "data-field": name, onchange: onInput},
      field.options.map((o) => h("option", {value: o.value, text: say(o.label)})));
    select.value = layer.values[name];
    return h("label", {class: "field", for: id}, h("span", {text}), select);
  }
  const input = h("input", {type: "number", id, "data-field": name, inputmode: type === "rate" ? "decimal" : "numeric",
    min: type === "rate" || type === "count" ? "0" : "1", step: type === "rate" ? "0.05" : "1",
    max: type === "rate" ? "1" : null, placeholder: type === "auto" ? autoText(i) : null, oninput: onInput});
  input.value = empty(layer.values[name]) ? "" : String(layer.values[name]);
  return h("label", {class: "field", for: id}, h("span", {text}), input);
}

export function renderStack(focus) {
  const list = $("stack");
  const kinds = offered(state.fw);
  list.replaceChildren(...state.stack.map((layer, i) => {
    const n = i + 1;
    const type = label(layer.family);
    const kindSelect = h("select", {id: `l${i}-kind`, "data-act": "kind", "aria-label": tr("layer_type", {n}),
      onchange: (ev) => changeKind(i, ev.target.value)}, kinds.map((f) => h("option", {value: f.key, text: say(f.label)})));
    kindSelect.value = layer.family;
    const tools = h("div", {class: "tools"},
      h("button", {type: "button", class: "icon", "data-act": "up", "aria-label": tr("move_up", {n}),
        title: tr("move_up", {n}), disabled: i === 0, onclick: () => move(i, -1)}, "↑"),
      h("button", {type: "button", class: "icon", "data-act": "down", "aria-label": tr("move_down", {n}),
        title: tr("move_down", {n}), disabled: i === state.stack.length - 1, onclick: () => move(i, 1)}, "↓"),
      h("button", {type: "button", class: "icon danger", "data-act": "remove", "aria-label": tr("remove", {n, type}),
        title: tr("remove", {n, type}), onclick: () => remove(i)}, "✕"));
    const fields = visibleFields(state.fw, layer).map((f) => fieldControl(layer, i, f));
    return h("li", {class: "layer", "data-i": i},
      h("div", {class: "layer-head"}, h("span", {class: "layer-n", "aria-hidden": "true", text: String(n)}),
        kindSelect, h("span", {class: "layer-params num", id: `l${i}-params`}), tools),
      h("div", {class: "fields"}, fields));
  }));
  $("stack-empty").hidden = state.stack.length > 0;
  $("add").disabled = state.stack.length >= catalog().limits.build_layers;
  if (focus) {
    const el = document.querySelector(focus);
    if (el && !el.disabled) el.focus();
    else if (el) (el.parentElement.querySelector("button:not([disabled])") || $("add")).focus();
    else $("add").focus();
  }
  showLayerParams();
}

/** A layer turned into another family keeps the values of the fields both have (selects aside: their options
 * differ). */
function changeKind(i, key) {
  const old = state.stack[i].values;
  const keep = {};
  for (const f of family(key).fields) if (f.name in old && f.type !== "select") keep[f.name] = old[f.name];
  state.stack[i] = newLayer(key, keep);
  forget();
  renderStack(`#l${i}-kind`);
  changed(true);
}

function move(i, delta) {
  const j = i + delta;
  if (j < 0 || j >= state.stack.length) return;
  [state.stack[i], state.stack[j]] = [state.stack[j], state.stack[i]];
  forget();
  renderStack(`[data-i="${j}"] [data-act="${delta < 0 ? "up" : "down"}"]`);
  changed(true);
}

function remove(i) {
  state.stack.splice(i, 1);
  forget();
  const next = Math.min(i, state.stack.length - 1);
  renderStack(next >= 0 ? `[data-i="${next}"] [data-act="remove"]` : "#add");
  changed(true);
}

export function add() {
  const key = $("add-kind").value;
  const layer = newLayer(key);
  const taken = takes(state.fw, key);
  if (state.stack.length === 0 && taken && taken.has("in")) layer.values.in = 100;
  state.stack.push(layer);
  const i = state.stack.length - 1;
  const first = visibleFields(state.fw, layer).find((f) => f.type !== "bool" && f.type !== "select");
  renderStack(first ? `#l${i}-${first.name}` : `#l${i}-kind`);
  changed(true);
}

// ---- switching framework ---------------------------------------------------------------------------------

/** Keeps the stack's layers that `fw` can write; the sentence that says which it took out, or null. A layer
 * that read its input size from a layer taken out keeps that size (`sizes`: the input sizes it read). */
export function fitStack(fw, sizes) {
  const out = state.stack.filter((l) => !takes(fw, l.family));
  if (!out.length) return null;
  let after = false;
  state.stack = state.stack.filter((layer, i) => {
    const taken = takes(fw, layer.family);
    if (!taken) { after = true; return false; }
    const size = sizes ? sizes[i] : null;
    if (after && taken.has("in") && empty(layer.values.in) && !empty(size)) layer.values.in = size;
    after = false;
    return true;
  });
  const types = [...new Set(out.map((l) => label(l.family)))].join(", ");
  return tr("fw_dropped", {fw: framework(fw).display, types});
}

/** Switching framework keeps the neutral stack: layers the new framework has no writer for are taken out (the
 * note under the framework select offers to undo it), and the model input's features follow (carryInputSize). */
export function switchFramework(to) {
  const before = {fw: state.fw, F: state.F, stack: structuredClone(state.stack)};
  const from = state.fw;
  state.fw = to;
  const sizes = built ? built.stack.map((s) => s.input_size) : null;
  const first = state.stack.findIndex((l) => takes(to, l.family));
  forget();
  const dropped = fitStack(to, sizes);
  carryInputSize(from, to, sizes && first >= 0 ? sizes[first] : null);
  note(dropped, () => Object.assign(state, structuredClone(before)));
}

/** The model input's features move between the first layer's input size (`size`: the one it read, when it was
 * left empty) and the input fields, as the frameworks read them. */
function carryInputSize(from, to, size) {
  const first = state.stack[0];
  if (!first) return;
  const reads = (fw) => { const t = takes(fw, first.family); return !!t && t.has("in"); };
  const infers = (fw) => framework(fw).infers_input;
  const given = empty(first.values.in) ? size : first.values.in;
  if (!infers(from) && infers(to) && reads(from) && state.F === "" && !empty(given)) state.F = String(given);
  if (infers(from) && !infers(to) && reads(to) && empty(first.values.in) && state.F !== "") {
    first.values.in = Number(state.F);
  }
}

let undo = null;
/** The note under the framework select (null: none), with an Undo button when `restore` is given. */
export function note(text, restore) {
  $("fw-note").hidden = text === null;
  $("fw-note-text").textContent = text || "";
  undo = text === null ? null : restore || null;
  $("fw-undo").hidden = !undo;
}

/** Undoes the last switch of framework (the layers it took out come back); false when there is none. */
export function undoSwitch() {
  if (!undo) return false;
  undo();
  forget();
  note(null);
  return true;
}

// ---- what the server said about the stack ------------------------------------------------------------------

/** Forget the answers about the stack as it was (layers moved: their sizes and params no longer line up). */
function forget() {
  built = null;
  counted = null;
}

/** The /api/build answer (null: the stack could not be written): each empty input size shows what it became. */
export function showBuilt(answer) {
  built = answer;
  if (!answer) counted = null;
  state.stack.forEach((layer, i) => {
    const el = $(`l${i}-in`);
    if (el) el.placeholder = autoText(i);
  });
  showLayerParams();
}

/** The /api/count answer: each layer of the stack shows its parameters (the layers it was written as). */
export function showCount(answer) {
  counted = answer;
  showLayerParams();
}

function showLayerParams() {
  const spans = built && counted && state.mode === "build" ? built.stack.map((s) => s.layers) : null;
  const fits = spans && spans.length === state.stack.length && spans.reduce((a, b) => a + b, 0) === counted.layers.length;
  let at = 0;
  state.stack.forEach((_, i) => {
    const el = $(`l${i}-params`);
    if (!el) return;
    if (!fits) { el.textContent = ""; return; }
    const params = counted.layers.slice(at, at + spans[i]).reduce((a, l) => a + l.params, 0);
    at += spans[i];
    el.textContent = tr("params_short", {v: fmt(params)});
  });
}
