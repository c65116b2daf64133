// Upload from the browser (issue 14a): the Upload button or a drop anywhere on the page;
// each file is sent on its own (POST /api/v1/uploads, progress per file), then followed
// through the import queue (GET /api/v1/uploads?ids=) until it is added, found to be
// already in the library, or failed with its reason.
"use strict";

const UPLOADS_AT_ONCE = 2;
const FINAL = new Set(["added", "duplicate", "restored", "failed"]);
const STATE_TEXT = {
  queued: "queued", sending: "sending", waiting: "waiting for import", importing: "importing",
  added: "added", duplicate: "already in the library",
  restored: "was in the trash: restored", failed: "failed",
};

function uploadPanel() {
  let panel = $("#uploads");
  if (panel) return panel;
  panel = document.createElement("section");
  panel.id = "uploads";
  panel.className = "uploads";
  panel.setAttribute("aria-label", "Uploads");
  panel.innerHTML = '<header><h2>Uploads</h2><button type="button" class="close">Close</button></header><ul aria-live="polite"></ul>';
  $(".close", panel).addEventListener("click", () => { panel.hidden = true; });
  document.body.append(panel);
  return panel;
}

function uploadRow(file) {
  const li = document.createElement("li");
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = file.name;
  const state = document.createElement("span");
  state.className = "state";
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", `Progress of ${file.name}`);
  li.append(name, state, bar);
  return li;
}

function setRow(li, state, detail, photoId) {
  li.dataset.state = state;
  $(".state", li).textContent = STATE_TEXT[state] + (detail ? `: ${detail}` : "");
  if (FINAL.has(state) || state === "waiting" || state === "importing") $("progress", li).value = 100;
  if (photoId && state !== "failed" && !$("a.see", li)) {
    // it went to its capture date, maybe far down the timeline: a way straight to it
    const see = document.createElement("a");
    see.className = "see";
    see.href = `/photo/${photoId}`;
    see.textContent = "See it";
    see.setAttribute("aria-label", `See ${$(".name", li).textContent}`);
    li.append(see);
  }
}

function sendFile(file, li, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/uploads?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 201 && data) resolve({ id: data.id });
      else resolve({ error: (data && data.error) || `refused (${xhr.status})` });
    });
    xhr.addEventListener("error", () => resolve({ error: "the connection failed" }));
    xhr.send(file);
  });
}

async function followImports(rows) {
  while (rows.size) {
    await new Promise((r) => setTimeout(r, 1500));
    let data;
    try { data = await api("GET", `/api/v1/uploads?ids=${[...rows.keys()].join(",")}`); } catch (e) { continue; }
    for (const u of data.uploads) {
      const li = rows.get(u.id);
      if (!li) continue;
      setRow(li, u.state, u.error, u.photo_id);
      if (FINAL.has(u.state)) rows.delete(u.id);
    }
  }
}

async function uploadFiles(files, maxMb) {
  if (!files.length) return;
  const panel = uploadPanel();
  panel.hidden = false;
  const list = $("ul", panel);
  const todo = files.map((file) => {
    const li = uploadRow(file);
    list.append(li);
    if (file.size > maxMb * 1024 * 1024) setRow(li, "failed", `larger than the upload limit of ${maxMb} MiB`);
    else if (!file.size) setRow(li, "failed", "the file is empty");
    else setRow(li, "queued");
    return { file, li };
  }).filter((t) => t.li.dataset.state === "queued");
  const following = new Map();
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { file, li } = todo[next++];
      setRow(li, "sending");
      const sent = await sendFile(file, li, (f) => { $("progress", li).value = Math.round(f * 100); });
      if (sent.error) { setRow(li, "failed", sent.error); continue; }
      setRow(li, "waiting");
      following.set(sent.id, li);
    }
  };
  await Promise.all(Array.from({ length: UPLOADS_AT_ONCE }, worker));
  await followImports(following);
}

function initUpload() {
  const button = $("[data-upload]");
  if (!button) return;
  const maxMb = Number(button.dataset.uploadMax) || 2048;
  const input = document.createElement("input");
  input.type = "file";
  input.multiple = true;
  input.accept = "image/*,video/*,.heic,.heif,.dng,.cr2,.cr3,.nef,.arw,.orf,.rw2,.raf";
  input.hidden = true;
  input.id = "upload-input";
  input.setAttribute("aria-label", "Photos to upload");
  document.body.append(input);
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => { uploadFiles([...input.files], maxMb); input.value = ""; });

  if ($("#viewer")) return;  // dropping works on the list pages
  const zone = document.createElement("div");
  zone.className = "dropzone";
  zone.hidden = true;
  zone.innerHTML = "<p>Drop photos to add them</p>";
  document.body.append(zone);
  let depth = 0;
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes("Files");
  document.addEventListener("dragenter", (e) => { if (hasFiles(e)) { depth++; zone.hidden = false; } });
  document.addEventListener("dragleave", () => { depth = Math.max(0, depth - 1); if (!depth) zone.hidden = true; });
  document.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
  document.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    zone.hidden = true;
    uploadFiles([...e.dataTransfer.files], maxMb);
  });
}

// Photos shared from Android's share sheet: the service worker (sw.js) kept them and opened
// "/?shared=N"; they go up like any upload (signed in, with the CSRF token), then leave the
// cache.
async function uploadShared(maxMb) {
  const wanted = new URLSearchParams(location.search).get("shared");
  if (wanted === null || !("caches" in window)) return;
  history.replaceState(null, "", location.pathname);
  const cache = await caches.open("shoebox-shared");
  const files = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const blob = await response.blob();
    const name = decodeURIComponent(response.headers.get("X-Name") || "shared photo");
    files.push(new File([blob], name, { type: blob.type }));
    await cache.delete(request);
  }
  if (!files.length) { toast("Nothing came with the share"); return; }
  await uploadFiles(files, maxMb);
}

document.addEventListener("DOMContentLoaded", () => {
  initUpload();
  const button = $("[data-upload]");
  if (button) uploadShared(Number(button.dataset.uploadMax) || 2048).catch((err) => toast(err.message));
});
