// Shared by the centre's live view and counter page and the city view.
"use strict";
const Q = {
  meta: JSON.parse(document.getElementById("meta").textContent),
  csrf: document.querySelector('meta[name="csrf"]').content,
  t(key) { return Q.meta.dict[key] || key; },
  name(list, id) { const x = list.find((e) => e.id === id); return x ? x.name : id; },
  service(id) { return Q.name(Q.meta.services, id); },
  counter(id) { return Q.name(Q.meta.counters, id); },
  minutes(seconds) { return Math.round(seconds / 60) + " " + Q.t("min"); },
  clock(iso) {
    return new Date(iso).toLocaleTimeString(Q.meta.lang === "en" ? "en-GB" : "vi-VN",
      { hour: "2-digit", minute: "2-digit", timeZone: Q.meta.zone });
  },
  el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
    return e;
  },
  fill(tbody, rows) { tbody.replaceChildren(...rows); },
  // post sends a change with the session's CSRF token; a network failure is
  // retried with the same fields (and so the same key).
  async post(path, fields) {
    const body = new URLSearchParams(fields);
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch(path, { method: "POST", body, headers: { "X-CSRF-Token": Q.csrf, "Accept": "application/json" } });
        const data = await r.json().catch(() => ({}));
        return { ok: r.ok, status: r.status, data };
      } catch (e) {
        if (attempt >= 3) return { ok: false, status: 0, data: { error: String(e) } };
        await new Promise((res) => setTimeout(res, 500 * (attempt + 1)));
      }
    }
  },
  key() {
    const b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return "web-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  },
  // live opens the event stream at path and calls render with each state;
  // the banner shows while the stream is broken.
  live(path, render) {
    const banner = document.getElementById("offline");
    let es;
    const open = () => {
      es = new EventSource(path);
      es.onmessage = (m) => { banner.hidden = true; render(JSON.parse(m.data)); document.body.dataset.updated = Date.now(); };
      es.onerror = () => { banner.hidden = false; if (es.readyState === EventSource.CLOSED) setTimeout(open, 2000); };
    };
    open();
  },
};
