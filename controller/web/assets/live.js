"use strict";
(() => {
  const manager = document.getElementById("live").dataset.manager === "true";
  let state = JSON.parse(document.getElementById("state").textContent);
  let editing = null; // the counter whose services are being changed

  function status(c) {
    if (c.idle_while_waiting) return Q.el("span", { class: "tag warn" }, Q.t("status.idlewait"));
    if (c.status === "serving") return Q.el("span", { class: "tag busy" }, Q.t("status.serving") + " " + c.ticket + " · " + Q.clock(c.since));
    return Q.el("span", { class: "tag " + c.status }, Q.t("status." + c.status));
  }

  function render(s) {
    state = s;
    document.getElementById("updated").textContent = Q.t("live.updated") + " " + Q.clock(s.at);
    Q.fill(document.querySelector("#services tbody"), s.services.map((v) =>
      Q.el("tr", { "data-service": v.service, class: v.over_target ? "over" : "" },
        Q.el("td", {}, v.service + " · " + Q.service(v.service)),
        Q.el("td", { class: "n waiting" }, v.waiting),
        Q.el("td", { class: "n" }, Q.minutes(v.longest_wait_s)),
        Q.el("td", { class: "n" }, Q.minutes(v.wait_s)),
        Q.el("td", { class: "n" }, Q.minutes(v.target_s)),
        Q.el("td", { class: "n issued" }, v.issued),
        Q.el("td", { class: "n" }, v.served))));
    Q.fill(document.querySelector("#counters tbody"), s.counters.map((c) => {
      const row = Q.el("tr", { "data-counter": c.counter, class: c.idle_while_waiting ? "over" : "" },
        Q.el("td", {}, Q.counter(c.counter)),
        Q.el("td", { class: "status" }, status(c)),
        Q.el("td", { class: "skills" }, (c.skills || []).map((k) => k.service + (k.level > 1 ? "(" + k.level + ")" : "")).join(" ")),
        Q.el("td", { class: "n" }, c.served_today),
        Q.el("td", { class: "n" }, c.served_today ? Q.minutes(c.mean_service_s) : "–"));
      if (manager) row.append(Q.el("td", {}, Q.el("button", { class: "small move-btn", onclick: () => edit(c.counter) }, Q.t("live.move"))));
      return row;
    }));
    Q.fill(document.querySelector("#devices tbody"), s.devices.map((d) => {
      const st = d.since === "0001-01-01T00:00:00Z" ? "never" : d.online ? "online" : "offline";
      const printer = d.health && d.health.printer ? d.health.printer : "";
      return Q.el("tr", { "data-device": d.device, class: st === "online" && !printer.startsWith("paper") ? "" : "over" },
        Q.el("td", {}, d.device), Q.el("td", {}, d.kind),
        Q.el("td", {}, Q.el("span", { class: "tag " + st }, Q.t("status." + st))),
        Q.el("td", {}, printer ? Q.t("alert." + printer) !== "alert." + printer ? Q.t("alert." + printer) : printer : ""));
    }));
    const alerts = document.getElementById("alerts");
    alerts.replaceChildren(...(s.alerts.length ? s.alerts.map((a) =>
      Q.el("li", { "data-kind": a.kind, "data-subject": a.subject },
        Q.el("b", {}, Q.t("alert." + a.kind)), " · ", subject(a), " · ", Q.t("live.since") + " " + Q.clock(a.since),
        // The controller writes details in English; other pages go without.
        a.detail && Q.meta.lang === "en" ? Q.el("small", {}, " (" + a.detail + ")") : "")) : [Q.el("li", { class: "none" }, Q.t("live.noalerts"))]));
    const advice = document.getElementById("advice");
    advice.replaceChildren(...(s.advice && s.advice.length ? s.advice.map((m) => {
      const li = Q.el("li", {}, Q.counter(m.counter) + " → " + (m.return ? Q.t("live.reset") : Q.service(m.service)) +
        " (" + Q.minutes(m.wait_s) + " → " + Q.minutes(m.after_s) + ")");
      if (manager) li.append(" ", Q.el("button", { class: "small", onclick: () => save(m.counter, m.return ? null : m.services.map((id, i) => id + ":" + (i + 1)).join(" ")) }, Q.t("live.apply")));
      return li;
    }) : [Q.el("li", { class: "none" }, Q.t("live.noadvice"))]));
  }

  function subject(a) {
    if (a.kind === "wait_over_target") return Q.service(a.subject);
    if (a.kind === "idle_while_waiting") return Q.counter(a.subject);
    return a.subject;
  }

  function edit(id) {
    editing = id;
    const c = state.counters.find((x) => x.counter === id);
    const levels = Object.fromEntries((c.skills || []).map((k) => [k.service, k.level]));
    document.getElementById("move-name").textContent = Q.counter(id);
    document.getElementById("move-error").hidden = true;
    document.getElementById("move-skills").replaceChildren(...Q.meta.services.map((sv) => {
      const sel = Q.el("select", { name: sv.id, "data-service": sv.id },
        Q.el("option", { value: "" }, "–"), ...[1, 2, 3].map((n) => Q.el("option", { value: String(n) }, String(n))));
      sel.value = levels[sv.id] ? String(levels[sv.id]) : "";
      return Q.el("label", {}, sv.id + " · " + sv.name, sel);
    }));
    const form = document.getElementById("move");
    form.hidden = false;
    form.scrollIntoView({ block: "nearest" });
  }

  async function save(id, skills) {
    const fields = { counter: id };
    if (skills === null) fields.reset = "1"; else fields.skills = skills;
    const r = await Q.post("/manage/move", fields);
    if (!r.ok) {
      const e = document.getElementById("move-error");
      e.textContent = r.data.error || String(r.status);
      e.hidden = false;
      return false;
    }
    document.getElementById("move").hidden = true;
    editing = null;
    return true;
  }

  document.getElementById("move").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const skills = [...document.querySelectorAll("#move-skills select")].filter((s) => s.value)
      .sort((a, b) => a.value - b.value).map((s) => s.dataset.service + ":" + s.value).join(" ");
    save(editing, skills);
  });
  document.getElementById("move-reset").addEventListener("click", () => save(editing, null));
  document.getElementById("move-cancel").addEventListener("click", () => { document.getElementById("move").hidden = true; editing = null; });

  render(state);
  Q.live("/live/events", render);
})();
