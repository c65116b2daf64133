// Shoebox: the Phones page (GET/POST /api/v1/phones, DELETE /api/v1/phones/<id>).
"use strict";

(() => {
  // $, api() and toast() come from app.js (loaded first, deferred in order).
  const form = $("#phone-add-form");
  const list = $("#phone-list");
  const shown = $("#phone-new");
  if (!form || !list || !shown) return;

  function lastBackup(phone) {
    if (!phone.last_backup_at) return "no backup yet";
    const when = new Date(phone.last_backup_at).toLocaleString();
    const mb = (phone.bytes / 1e6).toFixed(phone.bytes < 1e7 ? 1 : 0);
    return `last backup ${when} · ${phone.files} files, ${mb} MB`;
  }

  function render(phones) {
    list.replaceChildren();
    if (!phones.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "No phone backs up yet.";
      list.append(li);
    }
    for (const phone of phones) {
      const li = document.createElement("li");
      li.className = "phone-row" + (phone.stale ? " error" : "");
      const text = document.createElement("span");
      text.textContent = `${phone.name}: ${lastBackup(phone)}` +
        (phone.stale ? " · no backup for more than 7 days: open the app on the phone" : "");
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.textContent = "Revoke";
      revoke.setAttribute("aria-label", `Revoke ${phone.name}`);
      revoke.addEventListener("click", async () => {
        if (!confirm(`Revoke ${phone.name}? Its app password stops working; its photos stay.`)) return;
        try { await api("DELETE", `/api/v1/phones/${phone.id}`); toast("Revoked"); load(); } catch (err) { toast(err.message); }
      });
      li.append(text, " ", revoke);
      list.append(li);
    }
  }

  async function load() {
    try { render((await api("GET", "/api/v1/phones")).phones); } catch (err) { toast(err.message); }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const added = await api("POST", "/api/v1/phones", { name: form.elements.name.value.trim() });
      for (const el of shown.querySelectorAll("[data-field]")) {
        const value = added[el.dataset.field] || "";
        if (el.dataset.field === "qr_svg") el.innerHTML = value; // an SVG made by the server
        else el.textContent = value;
      }
      shown.hidden = false;
      form.reset();
      load();
    } catch (err) { toast(err.message); }
  });

  load();
})();
