/* The catalogue the page is built from (GET /api/catalog, render/catalog.py): frameworks, the layer families
 * their writers offer and the fields each writer takes, the families' fields, limits, words and examples.
 * The page keeps no layer, field or word table of its own: everything here comes from the server.
 */

let data = null;
const frameworks = new Map();
const families = new Map();
const offers = new Map();  // framework id -> Map(family key -> Set of the fields its writer takes)

export async function loadCatalog() {
  const r = await fetch("/api/catalog");
  if (!r.ok) throw new Error(`GET /api/catalog: HTTP ${r.status}`);
  data = await r.json();
  for (const fw of data.frameworks) {
    frameworks.set(fw.id, fw);
    offers.set(fw.id, new Map(fw.families.map((f) => [f.key, new Set(f.fields)])));
  }
  for (const fam of data.families) families.set(fam.key, fam);
  return data;
}

export const catalog = () => data;
export const frameworkIds = () => data.frameworks.map((f) => f.id);
export const framework = (id) => frameworks.get(id);
export const family = (key) => families.get(key);
export const hasFamily = (key) => families.has(key);

/** The families `fw` can write, in the catalogue's order. */
export const offered = (fw) => data.families.filter((f) => offers.get(fw).has(f.key));

/** The fields the framework's writer of `key` takes (a Set), or null when it has no writer for it. */
export const takes = (fw, key) => (offers.get(fw) && offers.get(fw).get(key)) || null;

/** A neutral layer of `key`: its family's defaults, then `values`. */
export function newLayer(key, values) {
  const out = {};
  for (const f of family(key).fields) out[f.name] = f.default;
  return {family: key, values: Object.assign(out, values || {})};
}

/** A field's value as the framework's writer sees it: the layer's own where the writer takes the field, else the
 * family's default (a Keras 2 CuDNN flag means nothing to Keras 3). */
function effective(fw, layer, name) {
  const field = family(layer.family).fields.find((f) => f.name === name);
  const taken = takes(fw, layer.family);
  return taken && taken.has(name) ? layer.values[name] : field && field.default;
}

const matches = (fw, layer, [name, value]) => effective(fw, layer, name) === value;

/** The fields of `layer` the page shows for `fw`: those its writer takes, where shown_if holds and hidden_if
 * does not, in the family's order. */
export function visibleFields(fw, layer) {
  const taken = takes(fw, layer.family);
  if (!taken) return [];
  return family(layer.family).fields.filter((f) => taken.has(f.name)
    && f.shown_if.every((c) => matches(fw, layer, c)) && !f.hidden_if.some((c) => matches(fw, layer, c)));
}

/** What /api/build is sent for `layer`: the values of the fields shown (an empty input size is null: auto). */
export function sentValues(fw, layer) {
  const out = {};
  for (const f of visibleFields(fw, layer)) {
    const v = layer.values[f.name];
    out[f.name] = f.type === "auto" && (v === "" || v === undefined) ? null : v === undefined ? f.default : v;
  }
  return out;
}

/** The language of the page's words: one the catalogue has. */
export const languages = () => data.languages;
