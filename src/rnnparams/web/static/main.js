/* rnnparams calculator page.
 *
 * The page never counts and never writes an expression: it loads its catalogue (GET /api/catalog), has the
 * server write the stack as the chosen framework's expression (POST /api/build), sends that to the other verbs
 * (count, explain, formula, compare, estimate, check) and shows the answers. Its whole state lives in the URL
 * hash (state.js), so any view is a link that can be shared or bookmarked.
 */

import {call} from "./api.js";
import {
  add, fitStack, note, onChange, renderAddKinds, renderFrameworkSelects, renderStack, showBuilt, showCount,
  switchFramework, undoSwitch,
} from "./builder.js";
import {catalog, framework, loadCatalog, sentValues} from "./catalog.js";
import {renderCell, renderShare, renderVariables, runSolve, runSweep} from "./design.js";
import {$, h} from "./format.js";
import {applyLanguage, say, tr} from "./i18n.js";
import {markdown, mini, renderCheck, renderCompare, renderCount, renderEstimate, showError} from "./results.js";
import {saveHash, state, stateFromHash, writingHash} from "./state.js";

let lastCount = null;
let lastExplain = null;
let lastExpression = "";
let lastBuild = null;
let lastBase = null;
let generation = 0;
let designGeneration = 0;
let timer = null;

function changed(now) {
  saveHash();
  clearTimeout(timer);
  timer = setTimeout(refresh, now ? 0 : 200);
}

const number = (text) => (String(text).trim() === "" ? null : Number(text));

/** The /api/build body of the stack: each layer's family and the values of the fields its writer takes. */
function buildBody() {
  const infers = framework(state.fw).infers_input;
  return {framework: state.fw, lang: state.lang,
    layers: state.stack.map((l) => ({family: l.family, values: sentValues(state.fw, l)})),
    timesteps: infers ? number(state.T) : null, features: infers ? number(state.F) : null};
}

/** What the other verbs are asked about: {body: {model, framework, input_shape}, expression}, {empty} or
 * {problem} (the server's message on why the stack cannot be written, or why a shape cannot be read). */
async function modelRequest(my) {
  if (state.mode === "build") {
    if (!state.stack.length) { $("expr").textContent = ""; return {empty: true}; }
    const r = await call("build", buildBody());
    if (my !== generation) return {stale: true};
    lastBuild = r.ok ? r.data : null;
    $("expr").textContent = r.ok ? r.data.model : "";
    showBuilt(lastBuild);
    if (!r.ok) return {problem: r.data.error || `HTTP ${r.status}`};
    const {model, framework: fw, input_shape: shape} = r.data;
    return {body: {model, framework: fw, input_shape: shape}, expression: model};
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

function fixedSteps() {
  if (state.mode === "build" && framework(state.fw).infers_input && state.T !== "") return state.T;
  return null;
}

function showProblem(message) {
  lastCount = null;
  mini("bad");
  $("error-text").textContent = message;
  $("error").hidden = false;
  $("out").hidden = true;
  showCount(null);
}

async function refresh() {
  const my = ++generation;
  mini(null);
  const req = await modelRequest(my);
  if (req.stale) return;
  if (req.empty) {
    lastCount = null;
    $("out").hidden = true;
    $("error").hidden = true;
    return;
  }
  if (req.problem) { showProblem(req.problem); return; }
  lastExpression = req.expression;
  const base = req.body;
  const count = await call("count", base);
  if (my !== generation) return;
  if (!count.ok) { showProblem(count.data.error || `HTTP ${count.status}`); return; }
  $("error").hidden = true;
  $("out").hidden = false;
  mini("ok");
  lastCount = count.data;
  renderCount(count.data);
  showCount(count.data);
  renderShare(count.data);
  lastBase = base;
  const lang = state.lang;
  const jobs = [
    call("explain", {...base, lang}).then((r) => {
      if (my !== generation) return;
      lastExplain = r.ok ? r.data : null;
      $("explain").textContent = r.ok ? r.data.text : r.data.error;
      renderCell(lastExplain);
      renderVariables(lastExplain);
      return design();
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
    estimate(my, base, count.data.framework),
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

/** The sweep chart and the solve answer, again for the same model (a design field changed). */
function design() {
  if (!lastBase) return Promise.resolve();
  const mine = ++designGeneration;
  const current = () => mine === designGeneration;
  return Promise.all([runSweep(lastBase, lastExplain, current), runSolve(lastBase, current)]);
}

function designChanged() {
  saveHash();
  clearTimeout(designChanged.timer);
  designChanged.timer = setTimeout(design, 250);
}

/** Memory and FLOPs, for the frameworks whose runtime is modelled; the others say they are counted exactly. */
async function estimate(my, base, fw) {
  const estimated = !framework(fw) || framework(fw).estimated;
  const names = [...new Set(catalog().frameworks.filter((f) => f.estimated).map((f) => f.short))];
  $("est-unavailable").hidden = estimated;
  $("est-unavailable").textContent = estimated ? "" : tr("est_unavailable",
    {frameworks: names.join(tr("and")), fw: framework(fw).display});
  for (const el of document.querySelectorAll("#estimate-box .est-form :is(input, select)")) el.disabled = !estimated;
  const fixed = fixedSteps();
  $("est-fixed").hidden = fixed === null || !estimated;
  $("est-fixed").textContent = fixed === null ? "" : tr("fixed_len", {v: fixed});
  if (fixed !== null) $("est-seq").disabled = true;
  if (!estimated) {
    showError($("estimate-error"), "");
    $("estimate-out").replaceChildren();
    $("estimate-text").textContent = "";
    return;
  }
  const body = {...base, batch: Number(state.batch) || 0, seq_len: fixed !== null ? null : Number(state.seq) || null,
    dtype: state.dtype, optimizer: state.opt, mode: state.emode, device: state.device, mixed_precision: state.mp,
    lang: state.lang};
  const r = await call("estimate", body);
  if (my !== generation) return;
  if (r.status === 501) { $("estimate-box").hidden = true; return; }
  showError($("estimate-error"), r.ok ? "" : r.data.error);
  if (r.ok) renderEstimate(r.data);
  else { $("estimate-out").replaceChildren(); $("estimate-text").textContent = ""; }
}

// ---- copying -----------------------------------------------------------------------------------------------

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

// ---- the whole page ------------------------------------------------------------------------------------------

function renderExamples() {
  $("examples").replaceChildren(...catalog().examples.map((ex) => h("button", {type: "button", class: "chip",
    onclick: () => { state.code = ex.code; state.shape = ""; state.cfw = ""; state.pick = ""; applyState(); changed(true); }},
  say(ex.label))));
}

function applyState() {
  for (const b of document.querySelectorAll("[data-mode]")) b.setAttribute("aria-pressed", String(b.dataset.mode === state.mode));
  $("build-mode").hidden = state.mode !== "build";
  $("code-mode").hidden = state.mode !== "code";
  $("fw").value = state.fw;
  $("input-row").hidden = !framework(state.fw).infers_input;
  const values = {"in-t": "T", "in-f": "F", code: "code", cfw: "cfw", shape: "shape", pick: "pick", claimed: "claimed",
    "est-batch": "batch", "est-seq": "seq", "est-dtype": "dtype", "est-opt": "opt", "est-mode": "emode",
    "est-device": "device", "sweep-range": "sr", "sweep-metric": "sm", "solve-kind": "qk", "solve-budget": "qb",
    "solve-multiple": "qm"};
  for (const [id, name] of Object.entries(values)) $(id).value = state[name];
  $("solve-smallest").checked = state.qs;
  $("show-tensors").checked = state.tensors;
  $("est-mp").checked = state.mp;
  applyLanguage();
  renderAddKinds();
  renderExamples();
  renderStack();
}

function bind() {
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", () => { state.lang = b.dataset.lang; applyState(); changed(true); });
  }
  for (const b of document.querySelectorAll("[data-mode]")) {
    b.addEventListener("click", () => { state.mode = b.dataset.mode; applyState(); changed(true); });
  }
  $("fw").addEventListener("change", (e) => { switchFramework(e.target.value); applyState(); changed(true); });
  $("fw-undo").addEventListener("click", () => {
    if (undoSwitch()) { applyState(); changed(true); $("fw").focus(); }
  });
  $("in-t").addEventListener("input", (e) => { state.T = e.target.value; changed(); });
  $("in-f").addEventListener("input", (e) => { state.F = e.target.value; changed(); });
  $("add").addEventListener("click", add);
  $("edit-code").addEventListener("click", () => {
    if (!lastBuild) return;
    state.code = lastBuild.model;
    state.cfw = lastBuild.framework;
    state.shape = lastBuild.input_shape ? lastBuild.input_shape.map((d) => (d === null ? "None" : d)).join(", ") : "";
    state.mode = "code";
    applyState();
    changed(true);
    $("code").focus();
  });
  $("code").addEventListener("input", (e) => { state.code = e.target.value; changed(); });
  $("cfw").addEventListener("change", (e) => { state.cfw = e.target.value; changed(true); });
  $("shape").addEventListener("input", (e) => { state.shape = e.target.value; changed(); });
  $("pick").addEventListener("input", (e) => { state.pick = e.target.value; changed(); });
  $("show-tensors").addEventListener("change", (e) => {
    state.tensors = e.target.checked;
    saveHash();
    if (lastCount) renderCount(lastCount);
  });
  $("claimed").addEventListener("input", (e) => { state.claimed = e.target.value; changed(); });
  const est = {"est-batch": "batch", "est-seq": "seq", "est-dtype": "dtype", "est-opt": "opt", "est-mode": "emode",
    "est-device": "device"};
  for (const [id, name] of Object.entries(est)) {
    $(id).addEventListener(id.includes("batch") || id.includes("seq") ? "input" : "change",
      (e) => { state[name] = e.target.value; changed(); });
  }
  $("est-mp").addEventListener("change", (e) => { state.mp = e.target.checked; changed(true); });
  const designFields = {"sweep-vary": "sv", "sweep-range": "sr", "sweep-metric": "sm", "solve-vary": "qv",
    "solve-kind": "qk", "solve-budget": "qb", "solve-multiple": "qm"};
  for (const [id, name] of Object.entries(designFields)) {
    $(id).addEventListener($(id).tagName === "SELECT" ? "change" : "input", (e) => {
      state[name] = e.target.value;
      if (id === "sweep-vary") { state.sr = ""; $("sweep-range").value = ""; }
      designChanged();
    });
  }
  $("solve-smallest").addEventListener("change", (e) => { state.qs = e.target.checked; designChanged(); });
  $("copy-json").addEventListener("click", () => lastCount && copy(JSON.stringify(lastCount, null, 2) + "\n", "copied_json"));
  $("copy-md").addEventListener("click", () => lastCount && copy(markdown(lastCount, lastExpression, lastExplain), "copied_md"));
  $("copy-link").addEventListener("click", () => { saveHash(); copy(location.href, "copied_link"); });
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
    if (writingHash() || !location.hash.includes("=")) return;
    openHash();
    changed(true);
  });
}

/** The state of the URL's hash; a stack with layers its framework cannot write loses them, said in the note. */
function openHash() {
  Object.assign(state, stateFromHash(location.hash));
  note(fitStack(state.fw));
  applyState();
}

async function start() {
  try {
    await loadCatalog();
  } catch {
    $("page-problem").hidden = false;
    $("no-catalog").hidden = false;
    return;
  }
  renderFrameworkSelects();
  onChange(changed);
  bind();
  openHash();
  changed(true);
  fetch("/api/info").then((r) => r.json()).then((info) => {
    $("version").textContent = info.version || "";
    if (info.verbs && !info.verbs.includes("estimate")) $("estimate-box").hidden = true;
  }).catch(() => {});
}

start();
