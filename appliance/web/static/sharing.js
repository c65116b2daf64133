// Shoebox: share links with expiry, optional password and a download toggle; the admin's
// share-link address (issue 14). Runs on the album page and the settings page.
"use strict";

(() => {
  // $, api() and toast() come from app.js (loaded first, deferred in order).

  function shareDialog(albumId) {
    const dlg = document.createElement("dialog");
    dlg.className = "share-dialog";
    dlg.setAttribute("aria-labelledby", "share-title");
    dlg.innerHTML = `
      <form method="dialog">
        <h2 id="share-title">Share this album</h2>
        <label for="share-expiry">Link expires</label>
        <select id="share-expiry" name="expiry">
          <option value="" selected>Never (until you turn it off)</option><option value="1">In 1 day</option>
          <option value="7">In 7 days</option><option value="30">In 30 days</option>
        </select>
        <label for="share-password">Password (optional)</label>
        <input id="share-password" name="password" type="password" autocomplete="new-password" placeholder="none" maxlength="200">
        <label class="check"><input id="share-download" name="download" type="checkbox"> Visitors may download the photos (zip)</label>
        <p class="error" role="alert" hidden></p>
        <div class="row"><button type="button" data-cancel>Cancel</button><button type="submit" class="primary">Create link</button></div>
      </form>`;
    document.body.append(dlg);
    const form = $("form", dlg);
    const close = () => { dlg.close(); dlg.remove(); };
    $("[data-cancel]", dlg).addEventListener("click", close);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = form.elements;
      try {
        const share = await api("POST", `/api/v1/albums/${albumId}/shares`, {
          expires_days: f.expiry.value ? Number(f.expiry.value) : null,
          password: f.password.value || null,
          allow_download: f.download.checked,
        });
        showLink(dlg, share.url);
      } catch (err) {
        const msg = $(".error", dlg);
        msg.textContent = err.message;
        msg.hidden = false;
      }
    });
    dlg.showModal();
  }

  // Only at home: a link to a loopback or private address cannot be opened from outside.
  function homeOnly(url) {
    const host = new URL(url, location.href).hostname;
    return /^(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|\[?::1\]?$|\[?f[cd])/.test(host) || host.endsWith(".local");
  }

  // The second step: the whole link, Copy and (phones) Share, and a word when it works
  // only at home. Done reloads the album page (its list of links).
  function showLink(dlg, url) {
    dlg.innerHTML = `
      <form method="dialog">
        <h2 id="share-title">The link is ready</h2>
        <label for="share-url">Send this link to whoever should see the album</label>
        <textarea id="share-url" readonly rows="3" spellcheck="false"></textarea>
        <p class="error" id="share-home-only" hidden>This link works only on your home network. For family elsewhere, an admin sets the box's public address in Settings, "Share links".</p>
        <div class="row">
          <button type="button" data-copy>Copy</button>
          <button type="button" data-share hidden>Share…</button>
          <button type="submit" class="primary">Done</button>
        </div>
      </form>`;
    const input = $("#share-url", dlg);
    input.value = url;
    $("#share-home-only", dlg).hidden = !homeOnly(url);
    $("[data-copy]", dlg).addEventListener("click", async () => {
      input.select();
      try { await navigator.clipboard.writeText(url); toast("Link copied"); } catch (err) { toast("Selected: copy it with your device's Copy"); }
    });
    if (navigator.share) {
      const share = $("[data-share]", dlg);
      share.hidden = false;
      share.addEventListener("click", () => navigator.share({ title: "Photos", url }).catch(() => {}));
    }
    $("form", dlg).addEventListener("submit", () => { dlg.close(); dlg.remove(); location.reload(); });
    input.focus();
    input.select();
  }

  // Capture phase: this dialog replaces app.js's plain expiry choice.
  document.addEventListener("click", (e) => {
    const button = e.target.closest('[data-action="share-album"]');
    if (!button) return;
    e.stopPropagation();
    e.preventDefault();
    shareDialog(button.dataset.album);
  }, true);

  const screens = $("#screenshot-form");  // screenshots and documents: saved on each change
  if (screens) screens.addEventListener("change", async (e) => {
    const box = e.target;
    try {
      const saved = await api("PATCH", "/api/v1/settings", { [box.name]: box.checked });
      box.checked = saved[box.name];
      toast("Saved");
    } catch (err) { box.checked = !box.checked; toast(err.message); }
  });
  const base = $("#share-base-form");
  if (base) base.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const saved = await api("PATCH", "/api/v1/settings", { share_base_url: base.elements.share_base_url.value.trim() || null });
      base.elements.share_base_url.value = saved.share_base_url || "";
      toast("Saved");
    } catch (err) { toast(err.message); }
  });
})();
