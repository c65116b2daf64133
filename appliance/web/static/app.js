// Shoebox web UI: plain JavaScript, no build step, no external resources.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const csrf = () => ($('meta[name="csrf-token"]') || {}).content || "";

const PRELOAD_PX = 800;  // the grid loads its next page this far below the screen

// A new element with its properties and children (the dialogs of people.js, batch_edit.js).
function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

async function api(method, url, body) {
  const opts = { method, headers: { "X-CSRF-Token": csrf(), Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(url, opts);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) throw new Error((data && data.error) || `request failed (${res.status})`);
  return data;
}

// A message for the next page (an action that navigates or reloads would lose its toast),
// with an Undo: ["restore", photoId] for a photo just moved to the trash, ["unmerge",
// {person_id, ...the merge's undo}] for two people just merged, ["batch", undoId] for a
// batch edit.
const FLASH_KEY = "shoebox.flash";
function flash(message, undo) {
  sessionStorage.setItem(FLASH_KEY, JSON.stringify({ message, undo }));
}
function showFlash() {
  const raw = sessionStorage.getItem(FLASH_KEY);
  if (!raw) return;
  sessionStorage.removeItem(FLASH_KEY);
  let f;
  try { f = JSON.parse(raw); } catch (err) { return; }
  if (Array.isArray(f.undo) && UNDO[f.undo[0]]) toastUndo(f.message, f.undo);
  else toast(f.message, 5000);
}
const UNDO = {
  async restore(photoId) {
    await api("POST", `/api/v1/photos/${photoId}/restore`);
    flash("Restored");
    location.href = `/photo/${photoId}`;
  },
  async batch(undoId) {
    await api("POST", `/api/v1/photos/batch-edit/${undoId}/undo`);
    flash("Undone: the photos are as they were");
    location.reload();
  },
  async unmerge(undo) {
    await api("POST", `/api/v1/people/${undo.person_id}/unmerge`, undo);
    flash("Merge undone: they are two people again");
    location.reload();
  },
};
function toastUndo(message, [kind, arg]) {
  const el = $("#toast");
  if (!el) return;
  el.textContent = message + " ";
  const undo = document.createElement("button");
  undo.type = "button";
  undo.className = "toast-undo";
  undo.textContent = "Undo";
  undo.addEventListener("click", () => UNDO[kind](arg).catch((err) => toast(err.message)));
  el.append(undo);
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 10000);
}

function toast(message, ms = 2600) {
  const el = $("#toast");
  if (!el) return;
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, ms);
}

// A small modal asking for text (or a choice); resolves to the value or null.
function ask(title, { value = "", choices = null, placeholder = "", ok = "OK" } = {}) {
  return new Promise((resolve) => {
    const dlg = document.createElement("dialog");
    const form = document.createElement("form");
    form.method = "dialog";
    const h = document.createElement("h2");
    h.textContent = title;
    form.append(h);
    let field;
    if (choices) {
      field = document.createElement("select");
      for (const [val, label] of choices) field.append(new Option(label, val));
    } else {
      field = document.createElement("input");
      field.value = value;
      field.placeholder = placeholder;
    }
    field.name = "value";
    form.append(field);
    const row = document.createElement("div");
    row.className = "row";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Cancel";
    const okb = document.createElement("button");
    okb.type = "submit";
    okb.className = "primary";
    okb.textContent = ok;
    row.append(cancel, okb);
    form.append(row);
    dlg.append(form);
    document.body.append(dlg);
    const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    cancel.addEventListener("click", () => done(null));
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
    form.addEventListener("submit", (e) => { e.preventDefault(); const v = field.value.trim(); done(v || null); });
    dlg.showModal();
    field.focus();
  });
}

// ---- grid: keyset pages, month headers, lazy thumbnails, infinite scroll, selection ----

const monthFmt = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });
const selected = new Set();

// A tile's width for its height in the justified rows: the photo's own shape, kept between
// a tall portrait (1:2) and a wide panorama (3:1) so that no tile is a sliver.
function tileAspect(p) {
  const ratio = p.width && p.height ? p.width / p.height : 1;
  return Math.min(3, Math.max(0.5, ratio)).toFixed(3);
}

function neighbourTile(all, tile, key) {
  const i = all.indexOf(tile);
  if (key === "ArrowRight") return all[i + 1] || null;
  if (key === "ArrowLeft") return all[i - 1] || null;
  if (key !== "ArrowDown" && key !== "ArrowUp") return null;
  const here = tile.getBoundingClientRect();
  const x = here.left + here.width / 2;
  const down = key === "ArrowDown";
  const rows = all.filter((t) => {
    const r = t.getBoundingClientRect();
    return down ? r.top >= here.bottom - 1 : r.bottom <= here.top + 1;
  });
  if (!rows.length) return null;
  const edge = (t) => (down ? t.getBoundingClientRect().top : -t.getBoundingClientRect().bottom);
  const nearestRow = Math.min(...rows.map(edge));
  const row = rows.filter((t) => Math.abs(edge(t) - nearestRow) < 2);
  const dist = (t) => { const r = t.getBoundingClientRect(); return Math.abs(r.left + r.width / 2 - x); };
  return row.reduce((best, t) => (dist(t) < dist(best) ? t : best));
}

function initGrid() {
  const grid = $("#grid");
  if (!grid) return;
  if (grid.dataset.link) sessionStorage.setItem("shoebox.grid", location.pathname + location.search);
  const sentinel = $("#sentinel");
  const items = [];
  let cursor = null, loading = false, finished = false, lastMonth = null, lastDay = null, tiles = null;
  // timeline.js pages on (jump to a month, restore a position) and starts over (new photos)
  grid.loadMore = () => loadMore();
  grid.isFinished = () => finished;
  grid.reset = () => {
    items.length = 0;
    cursor = null; finished = false; lastMonth = null; lastDay = null; tiles = null;
    grid.replaceChildren();
    sentinel.classList.remove("done");
    $("#grid-empty").hidden = true;
    return loadMore();
  };

  async function loadMore() {
    if (loading || finished) return;
    loading = true;
    try {
      const sep = grid.dataset.src.includes("?") ? "&" : "?";
      const url = grid.dataset.src + (cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : "");
      const page = await api("GET", url);
      for (const p of page.items) addTile(p);
      cursor = page.next_cursor;
      finished = !cursor;
      if (finished) {
        sentinel.classList.add("done");
        if (!items.length) $("#grid-empty").hidden = false;
      }
    } catch (err) {
      toast(err.message);
      finished = true;
      sentinel.classList.add("done");
    } finally {
      loading = false;
    }
    grid.dispatchEvent(new CustomEvent("grid:page", { detail: { finished } }));  // timeline.js
    // Keep loading while the sentinel is still within the observer's margin: the observer
    // fires only when that changes, so a sentinel left inside it would stop the grid.
    if (!finished && sentinel.getBoundingClientRect().top < innerHeight + PRELOAD_PX) loadMore();
  }

  function addTile(p) {
    const month = (p.time || "").slice(0, 7);
    if (month !== lastMonth || !tiles) {
      lastMonth = month;
      lastDay = null;
      const h = document.createElement("h2");
      h.className = "month";
      h.dataset.month = month;
      const [y, m] = month.split("-").map(Number);
      h.textContent = y ? monthFmt.format(new Date(y, (m || 1) - 1, 1)) : "Undated";
      tiles = document.createElement("div");
      tiles.className = "tiles";
      const group = document.createElement("section");  // a short month sits beside the next
      group.className = "monthgroup";
      group.append(h, tiles);
      grid.append(group);
    }
    const day = (p.time || "").slice(0, 10);
    if (day !== lastDay) {  // a day header, shown while selecting: its date, "Select day"
      lastDay = day;
      tiles.append(dayHeader(day));
    }
    const a = document.createElement("a");
    a.className = "tile";
    a.dataset.id = p.id;
    a.dataset.day = day;
    a.style.setProperty("--ar", tileAspect(p));  // justified rows keep the photo's shape
    a.setAttribute("aria-label", tileName(p));
    a.dataset.index = items.length;
    items.push(p);
    if (grid.dataset.link) {
      const ctx = grid.dataset.context;
      a.href = grid.dataset.link + p.id + (ctx ? "?" + ctx : "");
    } else {
      a.href = "#";
    }
    const img = document.createElement("img");
    img.loading = "lazy";
    img.decoding = "async";
    img.alt = "";
    img.addEventListener("load", () => img.classList.add("ready"));
    img.addEventListener("error", () => { img.classList.add("ready"); img.style.visibility = "hidden"; });
    img.src = thumbUrl(grid.dataset.thumbs, p);
    a.append(img);
    if (p.favorite) a.insertAdjacentHTML("beforeend", '<span class="badge">♥</span>');
    if (p.why) {  // a search found it by its text: the line that says the word
      const why = document.createElement("span");
      why.className = "why";
      why.textContent = p.why;
      a.append(why);
    }
    if (p.stack && p.stack.count > 1) {
      const st = document.createElement("span");
      st.className = "badge stack";
      st.dataset.stack = p.stack.id;
      st.title = `Stack of ${p.stack.count}: open`;
      st.textContent = `❐ ${p.stack.count}`;
      a.append(st);
    }
    if (p.kind === "video" || p.kind === "raw" || p.motion) {
      const k = document.createElement("span");
      k.className = "badge kind";
      k.textContent = tileBadge(p);
      a.append(k);
    }
    tiles.append(a);
  }

  // arrow keys move between tiles as on a photo grid: left/right in order, up/down to the
  // nearest tile of the row above or below (months included)
  grid.addEventListener("keydown", (e) => {
    const tile = e.target.closest(".tile");
    if (!tile || e.altKey || e.ctrlKey || e.metaKey) return;
    const next = neighbourTile($$(".tile", grid), tile, e.key);
    if (!next) return;
    e.preventDefault();
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  });

  grid.addEventListener("click", (e) => {
    const stackBadge = e.target.closest(".badge.stack");
    if (stackBadge && !document.body.classList.contains("selecting")) {
      e.preventDefault();
      location.href = `/stacks/${stackBadge.dataset.stack}`;
      return;
    }
    const tile = e.target.closest(".tile");
    if (!tile) return;
    if (document.body.classList.contains("selecting")) {
      e.preventDefault();
      const id = Number(tile.dataset.id);
      if (selected.has(id)) { selected.delete(id); tile.classList.remove("sel"); }
      else { selected.add(id); tile.classList.add("sel"); }
      updateSelbar();
    } else if (!grid.dataset.link) {
      e.preventDefault();
      openLightbox(items, Number(tile.dataset.index), grid.dataset.viewer, grid.dataset.save);
    }
  });

  new IntersectionObserver((entries) => {
    if (entries.some((en) => en.isIntersecting)) loadMore();
  }, { rootMargin: `${PRELOAD_PX}px` }).observe(sentinel);
  loadMore();
}

const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const tileFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit" });

function dayHeader(day) {
  const box = document.createElement("div");
  box.className = "day";
  box.dataset.day = day;
  const [y, m, d] = day.split("-").map(Number);
  const text = document.createElement("span");
  text.textContent = y ? dayFmt.format(new Date(y, m - 1, d)) : "Undated";
  const pick = document.createElement("button");
  pick.type = "button";
  pick.dataset.selectDay = day;
  pick.textContent = "Select day";
  box.append(text, pick);
  return box;
}

// A tile's accessible name: what it is, when, and its marks.
function tileName(p) {
  const what = p.kind === "video" ? "Video" : (p.motion === "live" || p.motion === "motion") ? "Live photo" : "Photo";
  const when = p.time ? tileFmt.format(new Date(p.time.slice(0, 19))) : "undated";
  return `${what}, ${when}${p.favorite ? ", favourite" : ""}${p.stack && p.stack.count > 1 ? `, stack of ${p.stack.count}` : ""}${p.why ? `. ${p.why}` : ""}`;
}

// The tile's corner mark: ▶ 0:05 for a video, LIVE for a Live/Motion Photo, GIF, RAW.
function tileBadge(p) {
  if (p.kind === "video") {
    const s = Math.round(p.duration || 0);
    return `▶ ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }
  if (p.motion === "live" || p.motion === "motion") return "LIVE";
  if (p.motion === "animated") return "GIF";
  return p.kind.toUpperCase();
}

function updateSelbar() {
  const count = $("#selcount");
  if (count) count.textContent = `${selected.size} selected`;
}

function toggleSelect() {
  const on = document.body.classList.toggle("selecting");
  const bar = $("#selbar");
  if (bar) bar.hidden = !on;
  if (!on) {
    selected.clear();
    $$(".tile.sel").forEach((t) => t.classList.remove("sel"));
  }
  updateSelbar();
}

function needSelection() {
  if (!selected.size) { toast("Select some photos first"); return false; }
  return true;
}

// ---- share page lightbox ----

// A thumbnail's URL: by content hash, and by the edit's key when the photo is edited
// (the edited rendition is cached for good at its own URL).
function thumbUrl(base, p) {
  return base + p.sha256 + ".jpg" + (p.edit ? "?e=" + p.edit : "");
}

function openLightbox(items, index, base, saveBase) {
  const lb = $("#lightbox");
  if (!lb) return;
  const img = $("img", lb);
  const save = $(".lb-save", lb);  // when the link allows downloads: this photo, as a JPEG
  const show = (i) => {
    index = (i + items.length) % items.length;
    img.src = thumbUrl(base, items[index]);
    if (save && saveBase) save.href = `${saveBase}${items[index].sha256}?as=jpeg`;
  };
  show(index);
  lb.hidden = false;
  const close = () => { lb.hidden = true; document.removeEventListener("keydown", keys); };
  const keys = (e) => {
    if (e.key === "Escape") close();
    if (e.key === "ArrowLeft") show(index - 1);
    if (e.key === "ArrowRight") show(index + 1);
  };
  document.addEventListener("keydown", keys);
  $(".lb-close", lb).onclick = close;
  $(".lb-prev", lb).onclick = () => show(index - 1);
  $(".lb-next", lb).onclick = () => show(index + 1);
  swipe(lb, () => show(index + 1), () => show(index - 1));
}

function swipe(el, onLeft, onRight) {
  let x0 = null, y0 = null;
  el.addEventListener("touchstart", (e) => { x0 = e.touches[0].clientX; y0 = e.touches[0].clientY; }, { passive: true });
  el.addEventListener("touchend", (e) => {
    if (x0 === null) return;
    const dx = e.changedTouches[0].clientX - x0, dy = e.changedTouches[0].clientY - y0;
    x0 = null;
    if (Math.abs(dx) > 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) (dx < 0 ? onLeft : onRight)();
  });
}

// ---- viewer ----

function initViewer() {
  const v = $("#viewer");
  if (!v) return;
  const id = v.dataset.photo;
  const go = (url) => { if (url) location.replace(url); };
  const back = () => { location.href = sessionStorage.getItem("shoebox.grid") || v.dataset.back; };
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, textarea, select") || $("dialog[open]")) return;
    if (e.key === "ArrowLeft") go(v.dataset.newer);
    else if (e.key === "ArrowRight") go(v.dataset.older);
    else if (e.key === "Escape") back();
    else if (e.key === "f") $('[data-action="favorite"]').click();
    else if (e.key === "i") $('[data-action="info"]').click();
  });
  swipe($(".stage", v), () => go(v.dataset.older), () => go(v.dataset.newer));
  $('[data-action="back"]', v).addEventListener("click", (e) => { e.preventDefault(); back(); });
  $$("a.nav", v).forEach((a) => a.addEventListener("click", (e) => { e.preventDefault(); go(a.href); }));

  initMovie(id);

  const labelForm = $('form[data-action="add-label"]', v);
  labelForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = labelForm.name.value.trim();
    if (!name) return;
    try {
      await api("POST", `/api/v1/photos/${id}/labels`, { name });
      location.reload();
    } catch (err) { toast(err.message); }
  });

  v.addEventListener("click", async (e) => {
    const face = e.target.closest("[data-face]:not([data-action])");
    if (!face) return;
    const name = await ask("Who is this?", { value: face.dataset.name, placeholder: "Name", ok: "Save" });
    if (!name) return;
    try {
      await api("POST", `/api/v1/faces/${face.dataset.face}/name`, { name });
      location.reload();
    } catch (err) { toast(err.message); }
  });
}

// ---- movies: a video plays in place; a Live/Motion Photo plays while pressed or hovered ----

function initMovie(id) {
  const main = $("#main-video");
  const motion = $("#motion-video");
  const el = main || motion;
  if (!el) return;
  // Until the transcode exists the poster shows "preparing video"; ask again now and then.
  if (el.dataset.state === "preparing") {
    const poll = setInterval(async () => {
      try {
        const p = await api("GET", `/api/v1/photos/${id}`);
        if (p.video_state === "preparing") return;
        clearInterval(poll);
        el.dataset.state = p.video_state;
        const note = $("#video-note");
        if (p.video_state === "ready") {
          if (main) main.src = main.dataset.src;
          if (note) note.remove();
          const badge = $("#live-badge");
          if (badge) badge.textContent = "LIVE";
        } else if (note) {
          note.textContent = "This video cannot be played here; download the original.";
        }
      } catch (err) { /* offline for a moment: keep the poster */ }
    }, 5000);
  }
  if (!motion) return;
  const wrap = motion.closest(".imgwrap");
  const play = () => {
    if (motion.dataset.state !== "ready") return;
    if (!motion.src) motion.src = motion.dataset.src;
    motion.hidden = false;
    motion.currentTime = 0;
    motion.play().catch(() => { motion.hidden = true; });
  };
  const stop = () => { motion.pause(); motion.hidden = true; };
  const badge = $("#live-badge");
  // A mouse plays while hovering; a finger while pressing (the badge plays it once).
  const mouse = (e) => e.pointerType === "mouse";
  const press = (e) => !mouse(e) && !badge.contains(e.target);
  wrap.addEventListener("pointerenter", (e) => { if (mouse(e)) play(); });
  wrap.addEventListener("pointerleave", (e) => { if (mouse(e)) stop(); });
  wrap.addEventListener("pointerdown", (e) => { if (press(e)) play(); });
  wrap.addEventListener("pointerup", (e) => { if (press(e)) stop(); });
  wrap.addEventListener("pointercancel", (e) => { if (press(e)) stop(); });
  motion.addEventListener("ended", stop);
  badge.addEventListener("click", (e) => { e.stopPropagation(); play(); });
}

// ---- actions (event delegation on data-action) ----

const actions = {
  "select-mode": toggleSelect,
  async favorite(el) {
    const on = el.getAttribute("aria-pressed") !== "true";
    await api("PATCH", `/api/v1/photos/${$("#viewer").dataset.photo}`, { favorite: on });
    el.setAttribute("aria-pressed", String(on));
    el.classList.toggle("on", on);
    toast(on ? "Added to favourites" : "Removed from favourites");
  },
  async archive(el) {
    const on = el.dataset.archived !== "true";
    await api("PATCH", `/api/v1/photos/${$("#viewer").dataset.photo}`, { archived: on });
    toast(on ? "Archived: hidden from the timeline" : "Back in the timeline");
    el.dataset.archived = String(on);
    el.setAttribute("aria-pressed", String(on));  // the button shows the state, and says it
    el.setAttribute("aria-label", on ? "Unarchive" : "Archive");
    const label = $(".act-label", el);
    if (label) label.textContent = on ? "Unarchive" : "Archive";
    el.title = on ? "Archived: tap to put it back in the timeline" : "Archive (hide from the timeline)";
  },
  async private(el) {  // only its owner sees a private photo, in Private (catalog/private.py)
    const on = el.dataset.private !== "true";
    await api("PATCH", `/api/v1/photos/${$("#viewer").dataset.photo}`, { private: on });
    flash(on ? "Moved to Private: only you see it now" : "Back with the family's photos");
    location.href = on ? ($("#viewer").dataset.newer || $("#viewer").dataset.older || $("#viewer").dataset.back) : "/private";
  },
  async "sel-rotate"() {  // each photo turned a quarter clockwise: kept as its edit
    if (!needSelection()) return;
    await api("POST", "/api/v1/photos/batch", { ids: [...selected], rotate: 90 });
    flash(`${selected.size} turned a quarter to the right (the originals are kept)`);
    location.reload();
  },
  async "sel-private"(el) {
    if (!needSelection()) return;
    const on = el.dataset.private === "true";
    await api("POST", "/api/v1/photos/batch", { ids: [...selected], private: on });
    flash(on ? `${selected.size} moved to Private: only you see them now` : `${selected.size} back with the family's photos`);
    location.reload();
  },
  info() { $("#panel").classList.toggle("hidden"); },
  async "remove-label"(el) {
    await api("DELETE", `/api/v1/photos/${$("#viewer").dataset.photo}/labels/${encodeURIComponent(el.dataset.label)}`);
    el.closest(".chip").remove();
  },
  async "remove-face"(el) {
    await api("DELETE", `/api/v1/faces/${el.dataset.face}/person`);
    location.reload();
  },
  async "rename-person"(el) {
    const name = await ask("Name this person", { value: el.dataset.name, placeholder: "Name", ok: "Save" });
    if (!name) return;
    await api("PATCH", `/api/v1/people/${el.dataset.person}`, { name });
    location.reload();
  },
  async "new-album"() {
    const title = await ask("New album", { placeholder: "Title", ok: "Create" });
    if (!title) return;
    const album = await api("POST", "/api/v1/albums", { title, photo_ids: [] });
    location.href = album.url;
  },
  async "rename-album"(el) {
    const title = await ask("Rename album", { value: el.dataset.name, ok: "Save" });
    if (!title) return;
    await api("PATCH", `/api/v1/albums/${el.dataset.album}`, { title });
    location.reload();
  },
  async "delete-album"(el) {
    const ok = await ask("Delete this album? The photos stay in the library.", { choices: [["yes", "Delete the album"]], ok: "Delete" });
    if (!ok) return;
    await api("DELETE", `/api/v1/albums/${el.dataset.album}`);
    location.href = "/albums";
  },
  async "share-album"(el) {
    const days = await ask("Share this album (read-only link)", {
      choices: [["never", "Link never expires"], ["7", "Expires in 7 days"], ["30", "Expires in 30 days"]], ok: "Create link" });
    if (!days) return;
    const expires = days === "never" ? null : Number(days);
    const share = await api("POST", `/api/v1/albums/${el.dataset.album}/shares`, { expires_days: expires });
    try { await navigator.clipboard.writeText(share.url); toast("Link copied"); } catch (e) { toast("Link created"); }
    location.reload();
  },
  async "copy-text"() {  // the viewer's "Text in the picture"
    const text = $("#photo-text").textContent;
    try { await navigator.clipboard.writeText(text); toast("Text copied"); }
    catch (e) {  // no clipboard (plain http on the LAN): select it for a long-press copy
      getSelection().selectAllChildren($("#photo-text"));
      toast("The text is selected: copy it");
    }
  },
  async "revoke-share"(el) {
    await api("DELETE", `/api/v1/shares/${el.dataset.share}`);
    el.closest(".share").remove();
    toast("Link revoked");
  },
  async "sel-favorite"() {
    if (!needSelection()) return;
    await api("POST", "/api/v1/photos/batch", { ids: [...selected], favorite: true });
    toast(`${selected.size} added to favourites`);
    toggleSelect();
  },
  async "sel-archive"(el) {
    if (!needSelection()) return;
    await api("POST", "/api/v1/photos/batch", { ids: [...selected], archived: el.dataset.archived === "true" });
    location.reload();
  },
  async "sel-album"() {
    if (!needSelection()) return;
    const { albums } = await api("GET", "/api/v1/albums");
    const choice = await ask(`Add ${selected.size} photo(s) to`, {
      choices: [["new", "A new album…"], ...albums.map((a) => [String(a.id), a.title])], ok: "Add" });
    if (!choice) return;
    let url;
    if (choice === "new") {
      const title = await ask("New album", { placeholder: "Title", ok: "Create" });
      if (!title) return;
      url = (await api("POST", "/api/v1/albums", { title, photo_ids: [...selected] })).url;
    } else {
      await api("POST", `/api/v1/albums/${choice}/photos`, { add: [...selected] });
      url = `/albums/${choice}`;
    }
    toggleSelect();
    toast("Added to the album");
    location.href = url;
  },
  async "sel-remove"(el) {
    if (!needSelection()) return;
    await api("POST", `/api/v1/albums/${el.dataset.album}/photos`, { remove: [...selected] });
    location.reload();
  },
  async "sel-cover"(el) {
    if (selected.size !== 1) { toast("Select exactly one photo"); return; }
    await api("PATCH", `/api/v1/albums/${el.dataset.album}`, { cover_photo_id: [...selected][0] });
    toggleSelect();
    toast("Cover set");
  },
  // ---- trash, stacks, duplicates (moments) ----
  async "sel-trash"() {
    if (!needSelection()) return;
    let moved = 0, refused = 0, why = "";
    for (const id of selected) {
      try { await api("DELETE", `/api/v1/photos/${id}`); moved++; } catch (err) { refused++; why = err.message; }
    }
    if (!refused) { toast(`${moved} moved to the trash`); location.reload(); return; }
    // a member's selection may hold photos someone else added: say so, and stay
    toast(`${moved} moved to the trash; ${refused} not: ${why.replace(/^this photo was /, "")}`, 6000);
    if (moved) setTimeout(() => location.reload(), 6000);
  },
  async "sel-restore"() {
    if (!needSelection()) return;
    for (const id of selected) await api("POST", `/api/v1/photos/${id}/restore`);
    flash(selected.size === 1 ? "Restored: it is back in the timeline" : `${selected.size} restored: back in the timeline`);
    location.reload();
  },
  async "move-in"(el) {
    el.disabled = true;
    await api("POST", "/api/v1/moving-in", { folder: el.dataset.folder });
    el.textContent = "Asked";
    toast("It starts in a moment: follow it under Moving in", 5000);
  },
  async "restore-photo"(el) {
    const id = el.dataset.photo;
    await api("POST", `/api/v1/photos/${id}/restore`);
    flash("Restored: it is back in the timeline");
    location.href = `/photo/${id}`;
  },
  async "empty-trash"() {
    const ok = await ask("Delete everything in the trash for good?", { choices: [["yes", "Delete for good"]], ok: "Delete" });
    if (!ok) return;
    const { deleted } = await api("DELETE", "/api/v1/trash");
    flash(`${deleted} photo${deleted === 1 ? "" : "s"} deleted for good`);
    location.reload();
  },
  async "restore-album"(el) {
    await api("POST", `/api/v1/albums/${el.dataset.album}/restore`);
    location.reload();
  },
  async "trash-photo"(el) {
    const id = el.dataset.photo;
    if (el.dataset.confirm && !(await ask(el.dataset.confirm, { choices: [["yes", "Move to the trash"]], ok: "Delete" }))) return;
    await api("DELETE", `/api/v1/photos/${id}`);
    const item = el.closest("[data-item]");
    if (item) { toastUndo("Moved to the trash.", ["restore", id]); item.classList.add("gone"); el.disabled = true; return; }
    // the viewer goes on to the next photo; the message (and its Undo) goes with it
    flash("Moved to the trash.", ["restore", id]);
    const v = $("#viewer");
    location.href = (v && (v.dataset.older || v.dataset.newer || v.dataset.back)) || "/";
  },
  async "stack-cover"(el) {
    await api("POST", `/api/v1/stacks/${el.dataset.stack}/cover`, { photo_id: Number(el.dataset.photo) });
    toast("Chosen as the best shot");
    location.reload();
  },
  async "stack-unstack"(el) {
    await api("DELETE", `/api/v1/stacks/${el.dataset.stack}/photos/${el.dataset.photo}`);
    location.reload();
  },
  async "stack-dissolve"(el) {
    await api("DELETE", `/api/v1/stacks/${el.dataset.stack}`);
    location.href = "/";
  },
  async "keep-only"(el) {
    const group = el.closest("[data-group]");
    const others = $$("[data-item]", group).filter((o) => o.dataset.item !== el.dataset.photo && !o.classList.contains("gone")).length;
    if (!(await ask(`Keep only this one and move the ${others} other${others === 1 ? "" : "s"} to the trash?`, { choices: [["yes", "Keep only this one"]], ok: "Keep" }))) return;
    for (const other of $$("[data-item]", group)) {
      if (other.dataset.item !== el.dataset.photo && !other.classList.contains("gone")) {
        await api("DELETE", `/api/v1/photos/${other.dataset.item}`);
        other.classList.add("gone");
      }
    }
    await api("POST", `/api/v1/stacks/${el.dataset.stack}/cover`, { photo_id: Number(el.dataset.photo) }).catch(() => {});
    toast("Kept one; the others are in the trash");
  },
  async "user-role"(el) {
    await api("PATCH", `/api/v1/users/${el.dataset.user}`, { role: el.value });
    toast("Role changed");
  },
  async "user-password"(el) {
    const password = await ask("New password (8 or more characters)", { ok: "Set" });
    if (!password) return;
    await api("PATCH", `/api/v1/users/${el.dataset.user}`, { password });
    toast("Password changed");
  },
  async "user-delete"(el) {
    const ok = await ask("Delete this user?", { choices: [["yes", "Delete"]], ok: "Delete" });
    if (!ok) return;
    await api("DELETE", `/api/v1/users/${el.dataset.user}`);
    el.closest("tr").remove();
  },
};

function initActions() {
  const run = async (el) => {
    try { await actions[el.dataset.action](el); } catch (err) { toast(err.message); }
  };
  document.addEventListener("click", (e) => {
    const el = e.target.closest("[data-action]");
    if (!el || el.tagName === "SELECT" || el.tagName === "FORM" || !actions[el.dataset.action]) return;
    e.preventDefault();
    run(el);
  });
  document.addEventListener("change", (e) => {
    const el = e.target.closest("select[data-action]");
    if (el && actions[el.dataset.action]) run(el);
  });
  const newUser = $("#new-user");
  if (newUser) newUser.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = newUser.elements;
    try {
      await api("POST", "/api/v1/users", { username: f.username.value, password: f.password.value, role: f.role.value });
      location.reload();
    } catch (err) { toast(err.message); }
  });
}

// ---- people: face crops from the viewer thumbnail ----

function initFaces() {
  $$(".face[data-bg]").forEach((el) => {
    el.style.backgroundImage = `url("${el.dataset.bg}")`;
    if (el.dataset.crop) {
      const [w, h, x, y] = el.dataset.crop.split(",");
      el.style.backgroundSize = `${w}% ${h}%`;
      el.style.backgroundPosition = `${x}% ${y}%`;
    }
  });
}

// ---- import status: strip on every page, live page ----

function fmtDuration(s) {
  if (s == null) return "–";
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function renderStatus(st) {
  const strip = $("#status-strip");
  if (strip) {
    strip.hidden = !st.active;
    if (st.active) {
      strip.innerHTML = '<span class="bar"><i></i></span>';
      const text = document.createElement("span");
      const running = st.daemon && st.daemon.alive;
      text.textContent = running
        ? `Importing: ${st.queue} waiting` + (st.eta_seconds ? `, about ${fmtDuration(st.eta_seconds)} left` : "")
        : `${st.queue} waiting to be imported: the import service is not running`;
      const link = document.createElement("a");
      link.href = "/status";
      link.textContent = "Details";
      strip.append(text, link);
    }
  }
  if (!$("#status-page")) return;
  const today = st.today || {};
  $("#st-queue").textContent = st.queue ?? "–";
  $("#st-added").textContent = today.added == null ? "–" : today.added + (today.restored || 0);
  $("#st-failed").textContent = today.failed ?? "–";
  $("#st-speed").hidden = !st.queue;  // a speed and time left only while something waits
  $("#st-rate").textContent = st.rate_per_min ?? "–";
  $("#st-eta").textContent = fmtDuration(st.eta_seconds);
  $("#st-current").textContent = st.current || "Idle";
  if (st.health) {
    $("#st-health").dataset.state = st.health.state;
    $("#st-headline").textContent = st.health.headline;
    const details = $("#st-details");
    details.replaceChildren(...st.health.details.map((d) => { const li = document.createElement("li"); li.textContent = d; return li; }));
  }
  const fill = (ul, rows, render) => {
    ul.replaceChildren(...rows.map((r) => { const li = document.createElement("li"); li.textContent = render(r); return li; }));
    if (!rows.length) { const li = document.createElement("li"); li.className = "muted"; li.textContent = "Nothing"; ul.append(li); }
  };
  if ($("#st-sources")) fill($("#st-sources"), st.sources || [], (s) => String(s));
  fill($("#st-errors"), st.errors || [], (e) => `${e.path}: ${e.error}`);
  if ($("#st-migrations")) fill($("#st-migrations"), st.migrations || [], (m) => String(m));
  if ($("#st-text")) $("#st-text").textContent = st.text_backlog
    ? `${st.text_backlog} photos to read, in idle time` : "Every photo is read";
  const age = st.backup ? st.backup.age_seconds : null;
  $("#st-backup").textContent = age == null ? "Newest good backup: none yet" : `Newest good backup: ${fmtDuration(age)} ago`;
}

function initStatus() {
  if (!$("#status-strip") && !$("#status-page")) return;
  const fast = !!$("#status-page");
  let delay = fast ? 2000 : 10000;
  const poll = async () => {
    try {
      const st = await api("GET", "/api/v1/status");
      renderStatus(st);
      delay = fast || st.active ? 2000 : 15000;
    } catch (e) { delay = 30000; }
    if (!document.hidden) setTimeout(poll, delay); else document.addEventListener("visibilitychange", poll, { once: true });
  };
  poll();
}

// The service worker (sw.js): the "cannot be reached" page and Android's share sheet.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});  // http on a LAN address: none
}

document.addEventListener("DOMContentLoaded", () => {
  showFlash();
  initGrid();
  initViewer();
  initActions();
  initFaces();
  initStatus();
});
