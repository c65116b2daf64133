// Timeline (issue 14a): keeps its place across the viewer, a year/month scrubber, live
// updates while imports land, shift-range and day selection, download as zip.
// Uses app.js's globals ($, $$, api, toast, selected, updateSelbar, actions) and the grid's
// hooks (grid.loadMore, grid.reset, the "grid:page" event).
"use strict";

const POSITION_KEY = "shoebox.position";   // {url, id}: the tile opened from this grid
const LAST_SEEN_KEY = "shoebox.last";      // the photo the viewer showed last

// Wait for the grid's next page (or its end).
function nextPage(grid) {
  return new Promise((resolve) => grid.addEventListener("grid:page", (e) => resolve(e.detail), { once: true }));
}

// Page on until `found()` returns an element or the grid ends; return the element.
async function pageUntil(grid, found, maxPages = 400) {
  for (let i = 0; i < maxPages; i++) {
    const el = found();
    if (el || grid.isFinished()) return el;
    const wait = nextPage(grid);
    grid.loadMore();
    await wait;
  }
  return found();
}

// ---- keep the position: remember the opened tile, come back to the last photo seen ----

function initPosition(grid) {
  if (!grid.dataset.link) return;
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";
  const here = location.pathname + location.search;
  grid.addEventListener("click", (e) => {
    const tile = e.target.closest(".tile");
    if (!tile || document.body.classList.contains("selecting") || e.defaultPrevented) return;
    sessionStorage.setItem(POSITION_KEY, JSON.stringify({ url: here, id: tile.dataset.id, y: scrollY }));
    history.replaceState({ ...(history.state || {}), tile: tile.dataset.id, y: scrollY }, "");
  });
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(POSITION_KEY) || "null"); } catch (e) { saved = null; }
  if (!saved || saved.url !== here) return;
  const target = sessionStorage.getItem(LAST_SEEN_KEY) || saved.id;
  sessionStorage.removeItem(POSITION_KEY);
  (async () => {
    await nextPage(grid);  // the first page (app.js loads it)
    const find = (id) => grid.querySelector(`.tile[data-id="${CSS.escape(String(id))}"]`);
    // the last photo seen (it may have left this list: then the one first opened)
    const tile = (await pageUntil(grid, () => find(target), 40)) || find(saved.id);
    if (!tile) return;
    tile.scrollIntoView({ block: "center" });
    tile.focus({ preventScroll: true });
  })();
}

// ---- scrubber: years (and months, on phones a select) from /api/v1/timeline/months ----

const scrubMonthFmt = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });

async function jumpTo(grid, month) {
  const header = await pageUntil(grid, () => grid.querySelector(`.month[data-month^="${CSS.escape(month)}"]`));
  if (header) {
    header.scrollIntoView({ block: "start" });
    const first = header.nextElementSibling && header.nextElementSibling.querySelector(".tile");
    if (first) first.focus({ preventScroll: true });
  }
}

async function initScrubber(grid) {
  const nav = $("#scrubber");
  if (!nav) return;
  let months = [];
  try { ({ months } = await api("GET", "/api/v1/timeline/months")); } catch (e) { return; }
  if (months.length < 2) return;
  const years = [...new Set(months.map((m) => m.month.slice(0, 4)))];
  for (const year of years) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = year;
    b.dataset.jump = months.find((m) => m.month.startsWith(year)).month;
    b.setAttribute("aria-label", `Jump to ${year}`);
    nav.append(b);
  }
  const select = document.createElement("select");
  select.className = "scrub-select";
  select.setAttribute("aria-label", "Jump to a month");
  select.append(new Option("Jump to…", ""));
  for (const m of months) {
    const [y, mo] = m.month.split("-").map(Number);
    select.append(new Option(`${scrubMonthFmt.format(new Date(y, mo - 1, 1))} (${m.count})`, m.month));
  }
  const tools = $(".titlebar .tools");
  if (tools) tools.prepend(select);
  nav.hidden = false;
  nav.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-jump]");
    if (!b) return;
    $$("button", nav).forEach((x) => x.classList.toggle("on", x === b));
    jumpTo(grid, b.dataset.jump);
  });
  select.addEventListener("change", () => { if (select.value) jumpTo(grid, select.value); });
}

// ---- live: polled while imports land ----

const LIVE_POLL_MS = 5000;  // a visible timeline
const LIVE_HIDDEN_MS = 60000;  // a tab in the background

function initLive(grid) {
  if (!$("#scrubber")) return;  // the plain timeline only
  const pill = $("#newpill");
  let known = null;
  const refresh = () => {
    pill.hidden = true;
    scrollTo(0, 0);
    grid.reset();
  };
  pill.addEventListener("click", refresh);
  // Polled, not streamed: a poll takes the server a few milliseconds, where a stream held
  // one of its request threads (twelve open tabs stalled every page).
  let timer = 0;
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    clearTimeout(timer);
    try {
      const reply = await fetch("/api/v1/live", { headers: { Accept: "application/json" } });
      if (reply.ok) show(await reply.json());
    } catch { /* the box restarts or the network drops: try again later */ }
    busy = false;
    timer = setTimeout(poll, document.hidden ? LIVE_HIDDEN_MS : LIVE_POLL_MS);
  };
  const show = (now) => {
    const empty = $("#grid-empty-text");
    if (empty && now.queue > 0) {
      empty.textContent = now.importing
        ? `${now.queue} file(s) are being imported: they appear here as they land.`
        : `${now.queue} file(s) are waiting to be imported; the import service is not running.`;
    }
    const changed = known && (now.newest !== known.newest || now.count !== known.count);
    known = now;
    if (!changed) return;
    const atTop = scrollY < 200 && !document.body.classList.contains("selecting");
    if (atTop || !grid.querySelector(".tile")) refresh();
    else pill.hidden = false;
  };
  poll();
  addEventListener("pagehide", () => clearTimeout(timer));
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();  // back on the tab: news at once
  });
}

// ---- selection: shift-click a range, select a whole day ----

function setSelected(tile, on) {
  const id = Number(tile.dataset.id);
  if (on) selected.add(id); else selected.delete(id);
  tile.classList.toggle("sel", on);
}

function initSelection(grid) {
  let anchor = null;
  // Capture phase: runs before app.js's click handler, which toggles single tiles.
  grid.addEventListener("click", (e) => {
    if (!document.body.classList.contains("selecting")) return;
    const dayButton = e.target.closest("[data-select-day]");
    if (dayButton) {
      e.preventDefault();
      e.stopPropagation();
      const tiles = $$(`.tile[data-day="${CSS.escape(dayButton.dataset.selectDay)}"]`, grid);
      const all = tiles.every((t) => selected.has(Number(t.dataset.id)));
      tiles.forEach((t) => setSelected(t, !all));
      updateSelbar();
      return;
    }
    const tile = e.target.closest(".tile");
    if (!tile) return;
    if (e.shiftKey && anchor && anchor.isConnected) {
      e.preventDefault();
      e.stopPropagation();
      const tiles = $$(".tile", grid);
      const [a, b] = [tiles.indexOf(anchor), tiles.indexOf(tile)].sort((x, y) => x - y);
      tiles.slice(a, b + 1).forEach((t) => setSelected(t, true));
      updateSelbar();
      return;
    }
    anchor = tile;
  }, true);
}

actions["sel-zip"] = () => {
  if (!needSelection()) return;
  const link = document.createElement("a");
  link.href = `/api/v1/photos/zip?ids=${[...selected].join(",")}`;
  link.download = "shoebox-photos.zip";
  document.body.append(link);
  link.click();
  link.remove();
  toast(`Downloading ${selected.size} photo(s) as a zip`);
};

document.addEventListener("DOMContentLoaded", () => {
  const viewer = $("#viewer");
  if (viewer) sessionStorage.setItem(LAST_SEEN_KEY, viewer.dataset.photo);
  const grid = $("#grid");
  if (!grid) return;
  initPosition(grid);
  initScrubber(grid);
  initLive(grid);
  initSelection(grid);
});
