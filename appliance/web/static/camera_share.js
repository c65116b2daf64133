// Shoebox: the camera share's account on the settings page (GET/PUT/DELETE
// /api/v1/camera-share). The box applies a change a moment later: poll until it has.
"use strict";

(() => {
  // $, api() and toast() come from app.js (loaded first, deferred in order).
  const form = $("#camera-share-form");
  const said = $("#camera-share-state");
  if (!form || !said) return;

  function describe(state) {
    if (!state.available) return "Samba is not installed on this box: the camera share is not available.";
    if (state.pending) return "Saving…";
    if (state.error) return `Not changed: ${state.error}.`;
    if (!state.username) return "Nobody can use the share yet.";
    return state.enabled
      ? `On: user “${state.username}” (since ${new Date(state.applied_at).toLocaleString()}).`
      : `Off: “${state.username}” can no longer use the share.`;
  }

  async function show(state) {
    said.textContent = describe(state);
    for (let i = 0; state.pending && i < 30; i++) {
      await new Promise((done) => setTimeout(done, 1000));
      state = await api("GET", "/api/v1/camera-share");
      said.textContent = describe(state);
    }
    if (state.username && !form.elements.username.value) form.elements.username.value = state.username;
    return state;
  }

  api("GET", "/api/v1/camera-share").then(show).catch((err) => { said.textContent = err.message; });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const state = await show(await api("PUT", "/api/v1/camera-share", {
        username: form.elements.username.value.trim(),
        password: form.elements.password.value,
      }));
      form.elements.password.value = "";
      toast(state.error ? "Not changed" : "Saved");
    } catch (err) { toast(err.message); }
  });

  form.querySelector('[data-action="camera-share-off"]').addEventListener("click", async () => {
    try { await show(await api("DELETE", "/api/v1/camera-share")); } catch (err) { toast(err.message); }
  });
})();
