// Shoebox: the photo editor (issue 26, item 1). The edit is a recipe (rotate, straighten,
// crop, exposure, contrast, warmth, black & white) saved with PATCH /api/v1/photos/<id>
// {"edits": ...}; the original is never written. The preview draws the recipe on a canvas
// in the server's order (appliance/media/edit_render.py), from the picture before its edit.
// Plain JavaScript next to app.js (api, flash come from it).
"use strict";

(() => {
  const template = document.getElementById("editor-template");
  if (!template) return;
  let open = null;  // made with the dialog, the first time Edit is pressed
  document.addEventListener("click", (e) => {
    if (!e.target.closest("[data-editor-open]")) return;
    if (!open) {
      document.body.append(template.content.cloneNode(true));
      open = setup(document.getElementById("editor"));
    }
    open();
  });

  function setup(dialog) {
    const form = dialog.querySelector("form");
    const canvas = document.getElementById("editor-canvas");
    const cropBox = dialog.querySelector(".editor-crop");
    const error = dialog.querySelector(".batch-error");
    const source = new Image();
    let recipe = {};
    const PREVIEW = 900;  // the canvas's long side (CSS scales it to the dialog)

    const rad = (deg) => (deg * Math.PI) / 180;
    const input = (name) => form.elements[name];

    // The rotated picture's size, and the straightened frame inside it (server: _straighten).
    function frame() {
      const turned = (recipe.rotate || 0) % 180 !== 0;
      const w = turned ? source.naturalHeight : source.naturalWidth;
      const h = turned ? source.naturalWidth : source.naturalHeight;
      const a = rad(Math.abs(recipe.straighten || 0));
      const s = Math.min(w / (w * Math.cos(a) + h * Math.sin(a)), h / (w * Math.sin(a) + h * Math.cos(a)));
      return { w, h, fw: w * s, fh: h * s };
    }

    function draw() {
      if (!source.naturalWidth) return;
      const f = frame();
      const c = recipe.crop || { x: 0, y: 0, w: 1, h: 1 };
      const cw = c.w * f.fw, ch = c.h * f.fh;
      const k = Math.min(1, PREVIEW / Math.max(cw, ch));
      canvas.width = Math.max(1, Math.round(cw * k));
      canvas.height = Math.max(1, Math.round(ch * k));
      const ctx = canvas.getContext("2d");
      ctx.save();
      ctx.filter = `brightness(${2 ** (recipe.exposure || 0)}) contrast(${1 + (recipe.contrast || 0)}) grayscale(${recipe.bw ? 1 : 0})`;
      ctx.scale(k, k);
      ctx.translate(-((f.w - f.fw) / 2 + c.x * f.fw), -((f.h - f.fh) / 2 + c.y * f.fh));
      ctx.translate(f.w / 2, f.h / 2);
      ctx.rotate(rad(recipe.straighten || 0));
      ctx.rotate(rad(recipe.rotate || 0));
      ctx.drawImage(source, -source.naturalWidth / 2, -source.naturalHeight / 2);
      ctx.restore();
      if (recipe.warmth && !recipe.bw) warm(ctx, recipe.warmth);
    }

    function warm(ctx, amount) {  // server: _warmth, red up and blue down by up to 15%
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const d = px.data, gain = 0.15 * amount;
      for (let i = 0; i < d.length; i += 4) {
        d[i] = Math.min(255, d[i] * (1 + gain));
        d[i + 2] = Math.min(255, d[i + 2] * (1 - gain));
      }
      ctx.putImageData(px, 0, 0);
    }

    // A crop of one shape (width / height), as large as fits, centred.
    function cropOfRatio(ratio) {
      const f = frame();
      const shape = f.fw / f.fh;
      const w = ratio < shape ? ratio / shape : 1, h = ratio < shape ? 1 : shape / ratio;
      return { x: (1 - w) / 2, y: (1 - h) / 2, w, h };
    }

    const round = (v) => Math.round(v * 10000) / 10000;

    function cropFromEdges() {
      const l = +input("left").value / 100, r = +input("right").value / 100;
      const t = +input("top").value / 100, b = +input("bottom").value / 100;
      const w = Math.max(0.02, 1 - l - r), h = Math.max(0.02, 1 - t - b);
      return { x: round(Math.min(l, 1 - w)), y: round(Math.min(t, 1 - h)), w: round(w), h: round(h) };
    }

    function showEdges(crop) {
      const c = crop || { x: 0, y: 0, w: 1, h: 1 };
      input("left").value = Math.round(c.x * 100);
      input("top").value = Math.round(c.y * 100);
      input("right").value = Math.round((1 - c.x - c.w) * 100);
      input("bottom").value = Math.round((1 - c.y - c.h) * 100);
    }

    function fromForm(changed) {
      for (const name of ["straighten", "exposure", "contrast", "warmth"]) {
        recipe[name] = +input(name).value;
        input(name).nextElementSibling.textContent = recipe[name] > 0 ? `+${recipe[name]}` : `${recipe[name]}`;
      }
      recipe.bw = input("bw").checked;
      const ratio = input("ratio").value;
      cropBox.hidden = ratio !== "free";
      if (changed === "ratio" || changed === "straighten") {
        if (ratio === "none") delete recipe.crop;
        else if (ratio === "original") recipe.crop = cropOfRatio(source.naturalWidth / source.naturalHeight);
        else if (ratio !== "free") recipe.crop = cropOfRatio(+ratio);
        if (recipe.crop) recipe.crop = Object.fromEntries(Object.entries(recipe.crop).map(([k, v]) => [k, round(v)]));
        showEdges(recipe.crop);
      }
      if (["left", "right", "top", "bottom"].includes(changed)) recipe.crop = cropFromEdges();
      draw();
    }

    function show() {
      recipe = JSON.parse(dialog.dataset.edits || "{}");
      for (const name of ["straighten", "exposure", "contrast", "warmth"]) input(name).value = recipe[name] || 0;
      input("bw").checked = !!recipe.bw;
      input("ratio").value = recipe.crop ? "free" : "none";
      showEdges(recipe.crop);
      error.textContent = "";
      dialog.showModal();
      if (source.src) fromForm(); else source.src = dialog.dataset.source;
    }

    function turn(by) {
      recipe.rotate = (((recipe.rotate || 0) + by) % 360 + 360) % 360;
      if (recipe.crop) {  // the same part of the picture, turned with it (server: _turned_crop)
        let { x, y, w, h } = recipe.crop;
        for (let i = 0; i < ((by + 360) % 360) / 90; i++) [x, y, w, h] = [1 - y - h, x, h, w];
        recipe.crop = { x: round(x), y: round(y), w: round(w), h: round(h) };
        showEdges(recipe.crop);
      }
      draw();
    }

    async function save(edits) {
      try {
        await api("PATCH", `/api/v1/photos/${dialog.dataset.photo}`, { edits });
      } catch (err) {
        error.textContent = err.message;
        return;
      }
      flash(edits ? "Edit saved: the original is kept" : "Back to the original");
      location.reload();
    }

    function cleaned() {
      const out = { ...recipe };
      for (const [k, v] of Object.entries(out)) if (!v) delete out[k];
      return Object.keys(out).length ? out : null;
    }

    source.addEventListener("load", () => fromForm());
    form.addEventListener("input", (e) => fromForm(e.target.name));
    form.addEventListener("submit", (e) => { e.preventDefault(); save(cleaned()); });
    dialog.addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (!b) return;
      if (b.dataset.turn) turn(+b.dataset.turn);
      if (b.hasAttribute("data-editor-revert")) save(null);
    });
    return show;
  }
})();
