// Viewer on phones and for lean-back viewing (issue 14a): swipe down to close (app.js
// already swipes left/right), face boxes shown without hover (a remembered toggle, on by
// default where there is no hover), and a slideshow.
"use strict";

const FACES_KEY = "shoebox.faces";
const SLIDESHOW_KEY = "shoebox.slideshow";
const SLIDE_SECONDS = 4;

function viewerBack(v) {
  location.href = sessionStorage.getItem("shoebox.grid") || v.dataset.back;
}

function initSwipeDown(v) {
  const stage = $(".stage", v);
  let x0 = null, y0 = null;
  stage.addEventListener("touchstart", (e) => {
    if (e.touches.length !== 1) { x0 = null; return; }
    x0 = e.touches[0].clientX; y0 = e.touches[0].clientY;
  }, { passive: true });
  stage.addEventListener("touchend", (e) => {
    if (x0 === null) return;
    const dx = e.changedTouches[0].clientX - x0, dy = e.changedTouches[0].clientY - y0;
    x0 = null;
    if (dy > 90 && dy > 1.5 * Math.abs(dx)) viewerBack(v);
  });
}

function initFaceToggle() {
  const button = $("#faces-toggle");
  const wrap = $(".imgwrap");
  if (!button || !wrap) return;
  const stored = localStorage.getItem(FACES_KEY);
  const noHover = matchMedia("(hover: none)").matches;
  const set = (on) => {
    wrap.classList.toggle("show-faces", on);
    button.setAttribute("aria-pressed", String(on));
    button.setAttribute("aria-label", on ? "Hide face boxes" : "Show face boxes");
    button.title = button.getAttribute("aria-label");
  };
  set(stored ? stored === "on" : noHover);
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    localStorage.setItem(FACES_KEY, on ? "on" : "off");
    set(on);
  });
}

function stopSlideshow() {
  sessionStorage.removeItem(SLIDESHOW_KEY);
  document.body.classList.remove("slideshow");
  clearTimeout(runSlideshow.timer);
  const note = $(".slide-note");
  if (note) note.remove();
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
}

// Show this photo for a few seconds, then the next older one (the list it was opened from).
function runSlideshow(v) {
  document.body.classList.add("slideshow");
  const note = document.createElement("p");
  note.className = "slide-note";
  note.setAttribute("role", "status");
  note.textContent = "Slideshow: tap or press any key to stop";
  document.body.append(note);
  runSlideshow.timer = setTimeout(() => {
    if (v.dataset.older) location.replace(v.dataset.older); else stopSlideshow();
  }, SLIDE_SECONDS * 1000);
  const end = (e) => {
    e.stopPropagation();  // the key that stops the show does nothing else
    if (e.type === "keydown") e.preventDefault();
    stopSlideshow();
    document.removeEventListener("keydown", end, true);
    document.removeEventListener("pointerdown", end, true);
  };
  setTimeout(() => {
    document.addEventListener("keydown", end, true);
    document.addEventListener("pointerdown", end, true);
  }, 0);
}

function initSlideshow(v) {
  const start = $("#slideshow-start");
  if (start) start.addEventListener("click", () => {
    sessionStorage.setItem(SLIDESHOW_KEY, "on");
    if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
    runSlideshow(v);
  });
  if (sessionStorage.getItem(SLIDESHOW_KEY) === "on") runSlideshow(v);
}

document.addEventListener("DOMContentLoaded", () => {
  const v = $("#viewer");
  if (!v) return;
  initSwipeDown(v);
  initFaceToggle();
  initSlideshow(v);
});
