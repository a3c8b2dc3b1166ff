"use strict";
(() => {
  const pct = (x) => (x === null || x === undefined ? "–" : Math.round(100 * x) + " %");
  function render(v) {
    document.getElementById("updated").textContent = Q.t("live.updated") + " " + Q.clock(v.at);
    document.getElementById("n-centres").textContent = v.centres.length;
    document.getElementById("n-waiting").textContent = v.waiting;
    document.getElementById("n-served").textContent = v.served;
    document.getElementById("n-down").textContent = v.down;
    Q.fill(document.querySelector("#centres tbody"), v.centres.map((c) =>
      Q.el("tr", { "data-centre": c.id, class: c.uplink_down ? "over" : "" },
        Q.el("td", { class: "n" }, c.rank),
        Q.el("td", {}, Q.el("a", { href: "/city/centre?id=" + encodeURIComponent(c.id) }, c.name)),
        Q.el("td", { class: "n waiting" }, c.waiting < 0 ? "–" : c.waiting),
        Q.el("td", { class: "n" }, c.issued),
        Q.el("td", { class: "n served" }, c.served),
        Q.el("td", { class: "n" }, c.served || c.p90_s ? Q.minutes(c.p90_s) : "–"),
        Q.el("td", { class: "n within" }, pct(c.within_target)),
        Q.el("td", { class: "n" }, pct(c.satisfied)),
        Q.el("td", { class: "uplink" }, c.uplink_down
          ? Q.el("span", { class: "tag offline" }, Q.t("city.down") + (c.last_to ? " · " + c.last_to : ""))
          : Q.el("span", { class: "tag online" }, Q.t("city.up"))),
        Q.el("td", {}, c.devices_offline || c.devices_faults
          ? Q.el("span", { class: "tag warn" }, c.devices_offline + " " + Q.t("status.offline") + ", " + c.devices_faults + " " + Q.t("city.faults"))
          : "✓"))));
  }
  render(JSON.parse(document.getElementById("state").textContent));
  Q.live("/city/events", render);
})();
