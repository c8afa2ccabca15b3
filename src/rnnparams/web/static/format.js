/* Small helpers of every module: the DOM, and numbers and shapes as the page writes them. */

export const $ = (id) => document.getElementById(id);

/** An element with attributes (`class`, `text`, `on<event>`, the rest as they are) and children. */
export function h(tag, attrs, ...children) {
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
}

export const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : n === null || n === undefined ? "–" : String(n));

export const signed = (n) => (n > 0 ? "+" : n < 0 ? "−" : "±") + Math.abs(n).toLocaleString("en-US");

export function shapeText(s) {
  if (!Array.isArray(s)) return "";
  if (s.length && Array.isArray(s[0])) return s.map(shapeText).join(", ");
  const dims = s.map((d) => (d === null ? "None" : String(d)));
  return "(" + dims.join(", ") + (dims.length === 1 ? ",)" : ")");
}

export function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
  return u === 0 ? `${fmt(n)} B` : `${v.toFixed(2)} ${units[u]}`;
}

export const empty = (v) => v === null || v === undefined || v === "";
