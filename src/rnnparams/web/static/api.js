/* Talking to the server: POST /api/<verb> with a JSON body; every answer is {ok, status, data}, an error's
 * data being {error: "<message>"}. */

import {tr} from "./i18n.js";

export async function call(verb, body) {
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
