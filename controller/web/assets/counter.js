"use strict";
(() => {
  const counter = document.getElementById("counter").dataset.counter;
  let state = JSON.parse(document.getElementById("state").textContent);
  let busy = false; // one command at a time, as on the keypad

  function waited(iso) { return Math.max(0, Math.round((Date.now() - new Date(iso)) / 60000)) + " " + Q.t("min"); }

  function render(s) {
    state = s;
    const st = s.state;
    document.getElementById("status").textContent = Q.t("status." + st.status);
    document.getElementById("served").textContent = s.served_today;
    document.getElementById("skills").textContent = (s.skills || []).map((k) => k.service + " · " + Q.service(k.service)).join(", ");
    const cur = s.current;
    document.getElementById("current").textContent = cur ? cur.number : "–";
    document.getElementById("current-detail").textContent = cur
      ? Q.service(cur.service) + (cur.priority ? " · " + Q.t("counter.priority") : "") + " · " + Q.clock(cur.since)
      : Q.t("counter.none");
    for (const id of ["btn-again", "btn-complete", "btn-noshow", "btn-park", "btn-transfer"]) document.getElementById(id).disabled = !cur;
    document.getElementById("btn-pause").hidden = st.status === "paused";
    document.getElementById("btn-pause").disabled = !!cur;
    document.getElementById("btn-resume").hidden = st.status !== "paused";
    document.getElementById("waiting-count").textContent = s.waiting.length;
    Q.fill(document.querySelector("#waiting tbody"), s.waiting.length ? s.waiting.map((t) =>
      Q.el("tr", { "data-ticket": t.number, class: t.priority ? "priority" : "" },
        Q.el("td", {}, t.number + (t.priority ? " ★" : "")), Q.el("td", {}, Q.service(t.service)), Q.el("td", { class: "n" }, waited(t.since))))
      : [Q.el("tr", {}, Q.el("td", { colspan: "3", class: "none" }, Q.t("counter.empty")))]);
    document.getElementById("parked").replaceChildren(...s.parked.map((t) =>
      Q.el("li", {}, t.number + " · " + Q.service(t.service) + " ",
        Q.el("button", { class: "small", onclick: () => act("recall", { ticket: t.number }) }, Q.t("counter.recall")))));
  }

  async function act(op, extra) {
    if (busy) return;
    busy = true;
    document.body.classList.add("busy");
    const msg = document.getElementById("message");
    msg.textContent = "";
    msg.className = "message";
    const r = await Q.post("/counter/act", Object.assign({ counter, op, key: Q.key() }, extra || {}));
    busy = false;
    document.body.classList.remove("busy");
    if (!r.ok) {
      const e = r.data.error || {};
      const known = e.code && Q.t("code." + e.code) !== "code." + e.code;
      // The controller's own message (English) stays beside the translation.
      msg.textContent = known ? Q.t("code." + e.code) + (Q.meta.lang === "en" ? "" : " (" + e.message + ")") : (e.message || e || String(r.status));
      msg.className = "message problem";
      return;
    }
    msg.textContent = Q.t("counter.done") + ": " + Q.t("counter." + ({ call_next: "next", call_again: "again", no_show: "noshow" }[op] || op)) +
      (r.data.ticket ? " " + r.data.ticket.number : "");
    if (r.data.counter) state.state = r.data.counter;
  }

  for (const b of document.querySelectorAll("button[data-op]")) b.addEventListener("click", () => act(b.dataset.op));
  document.getElementById("transfer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = document.getElementById("to-service").value, c = document.getElementById("to-counter").value;
    if (!s && !c) return;
    act("transfer", s ? { to_service: s } : { to_counter: c });
  });

  render(state);
  Q.live("/counter/events?counter=" + encodeURIComponent(counter), render);
  setInterval(() => render(state), 30000); // waited minutes
})();
