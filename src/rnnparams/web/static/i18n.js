/* The page's words, in the language of the state: the catalogue's `words` (render/i18n.py PAGE) and the
 * {en, zh} labels of its families, fields and options. */

import {catalog} from "./catalog.js";
import {state} from "./state.js";

/** The sentence `key`, its {placeholders} filled. */
export function tr(key, vars) {
  const words = catalog().words;
  let s = (words[state.lang] || words.en)[key] ?? words.en[key] ?? key;
  for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(String(v));
  return s;
}

/** A catalogue label ({en: ..., zh: ...}) in the page's language. */
export const say = (label) => (label ? label[state.lang] ?? label.en : "");

/** The words of the page's fixed elements (data-i18n, data-i18n-label, data-i18n-ph), and its language. */
export function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : state.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = tr(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", tr(el.dataset.i18nLabel));
  for (const el of document.querySelectorAll("[data-i18n-ph]")) el.setAttribute("placeholder", tr(el.dataset.i18nPh));
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
}
