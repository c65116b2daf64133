// Shoebox: naming faces, faces of nobody, merge with previews, covers, hiding (issue 14).
// Plain JavaScript next to app.js; uses only the JSON API.
"use strict";

(() => {
  // $, api(), flash() and toast() come from app.js (loaded first, deferred in order).

  const el = element;  // app.js

  // The name dialog: the face, clustering's suggestion first, existing names as quick
  // choices and as the input's autocomplete list.
  async function nameDialog(faceId, current) {
    let names = [];
    try { names = (await api("GET", `/api/v1/faces/${faceId}/names`)).names; } catch (e) { names = []; }
    return new Promise((resolve) => {
      const listId = `names-${faceId}`;
      const input = el("input", { name: "name", value: current || "", placeholder: "Name", autocomplete: "off", maxLength: 200 });
      input.setAttribute("list", listId);
      input.setAttribute("aria-label", "Name");
      const datalist = el("datalist", { id: listId }, ...names.map((n) => el("option", { value: n.name })));
      const form = el("form", { method: "dialog", className: "name-form" });
      const dlg = el("dialog", { className: "name-dialog" }, form);
      dlg.setAttribute("aria-label", "Who is this?");
      const done = (value) => { dlg.close(); dlg.remove(); resolve(value); };
      const quick = el("div", { className: "name-choices" });
      names.slice(0, 6).forEach((n) => {
        const b = el("button", { type: "button", className: n.suggested ? "primary suggested" : "", textContent: n.suggested ? `${n.name}?` : n.name });
        b.dataset.choice = n.name;
        b.addEventListener("click", () => done(n.name));
        quick.append(b);
      });
      const cancel = el("button", { type: "button", textContent: "Cancel" });
      cancel.addEventListener("click", () => done(null));
      const save = el("button", { type: "submit", className: "primary", textContent: "Save" });
      form.append(
        el("h2", { textContent: "Who is this?" }),
        el("img", { src: `/media/face/${faceId}.jpg`, alt: "", width: 96, height: 96, className: "name-face" }),
        quick, input, datalist,
        el("div", { className: "row" }, cancel, save),
      );
      dlg.addEventListener("cancel", (e) => { e.preventDefault(); done(null); });
      form.addEventListener("submit", (e) => { e.preventDefault(); done(input.value.trim() || null); });
      document.body.append(dlg);
      dlg.showModal();
      input.focus();
    });
  }

  async function nameFace(faceId, current) {
    const name = await nameDialog(faceId, current);
    if (!name) return;
    await api("POST", `/api/v1/faces/${faceId}/name`, { name });
    location.reload();
  }

  async function coverDialog(personId) {
    const { faces } = await api("GET", `/api/v1/people/${personId}/faces`);
    const dlg = el("dialog", { className: "cover-dialog" });
    dlg.setAttribute("aria-label", "Choose the cover face");
    const list = el("ul", { className: "plain merge-choices" });
    faces.forEach((f) => {
      const b = el("button", { type: "button", className: "merge-choice" }, el("img", { src: f.crop_url, alt: `Face ${f.id}`, width: 64, height: 64 }));
      b.dataset.coverFace = String(f.id);
      b.addEventListener("click", async () => {
        await api("POST", `/api/v1/people/${personId}/cover`, { face_id: f.id });
        dlg.close(); dlg.remove(); toast("Cover chosen");
      });
      list.append(el("li", {}, b));
    });
    const cancel = el("button", { type: "button", textContent: "Cancel" });
    cancel.addEventListener("click", () => { dlg.close(); dlg.remove(); });
    dlg.append(el("h2", { textContent: "Choose the cover face" }), list, el("div", { className: "row" }, cancel));
    document.body.append(dlg);
    dlg.showModal();
  }

  // Merging asks with both faces side by side, and the merge can be undone from the
  // message on the reloaded page (the merge answers what undoes it).
  function faceFigure(faceId, name) {
    const fig = el("figure", { className: "merge-face" });
    if (faceId) fig.append(el("img", { src: `/media/face/${faceId}.jpg`, alt: `Face of ${name}`, width: 120, height: 120 }));
    fig.append(el("figcaption", { textContent: name }));
    return fig;
  }

  async function confirmMerge(b) {
    const list = b.closest("dialog");
    const intoName = list.dataset.intoName || "This person";
    const fromName = b.dataset.mergeName;
    list.close();
    const dlg = el("dialog", { className: "merge-dialog merge-confirm" });
    dlg.setAttribute("aria-labelledby", "merge-confirm-title");
    const no = el("button", { type: "button", textContent: "No, not the same" });
    const yes = el("button", { type: "button", className: "primary", textContent: "Yes, merge them" });
    yes.dataset.mergeYes = "";
    dlg.append(
      el("h2", { id: "merge-confirm-title", textContent: "Are they the same person?" }),
      el("div", { className: "merge-pair" }, faceFigure(list.dataset.intoFace, intoName), faceFigure(b.dataset.mergeFace, fromName)),
      el("p", { className: "muted", textContent: "Their faces become one person. You can undo it right after." }),
      el("div", { className: "row" }, no, yes),
    );
    const close = () => { dlg.close(); dlg.remove(); };
    no.addEventListener("click", close);
    dlg.addEventListener("cancel", close);
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      try {
        const merged = await api("POST", `/api/v1/people/${b.dataset.mergeInto}/merge`, { from_id: Number(b.dataset.mergeFrom) });
        flash(`Merged ${fromName} into ${merged.name || "this person"}.`, ["unmerge", { person_id: merged.id, ...merged.undo }]);
        location.reload();
      } catch (err) { close(); toast(err.message); }
    });
    document.body.append(dlg);
    dlg.showModal();
    yes.focus();
  }

  // A group of faces that look like one person: one name for all of them.
  async function nameGroup(ids) {
    const faceIds = ids.split(",");
    const name = await nameDialog(faceIds[0], "");
    if (!name) return;
    for (const id of faceIds) await api("POST", `/api/v1/faces/${id}/name`, { name });
    flash(`${faceIds.length} faces named ${name}`);
    location.reload();
  }

  const handlers = [
    ["[data-group-name]", (b) => nameGroup(b.dataset.groupName)],
    ["[data-face-name]", (b) => nameFace(b.dataset.faceName, b.dataset.name)],
    ["[data-face-accept]", async (b) => {
      await api("POST", `/api/v1/faces/${b.dataset.faceAccept}/name`, { name: b.dataset.name });
      b.closest("[data-unknown-face]").remove();
      toast(`Named ${b.dataset.name}`);
    }],
    ["[data-face-dismiss]", async (b) => {
      await api("POST", `/api/v1/faces/${b.dataset.faceDismiss}/dismiss`, { dismissed: true });
      b.closest("[data-unknown-face]").remove();
      toast("Dismissed");
    }],
    ["[data-people-merge]", () => $("#merge-dialog").showModal()],
    ["[data-close-dialog]", (b) => b.closest("dialog").close()],
    ["[data-merge-from]", (b) => confirmMerge(b)],
    ["[data-people-cover]", (b) => coverDialog(b.dataset.peopleCover)],
    ["[data-people-hide]", async (b) => {
      const hidden = b.dataset.hidden !== "true";
      await api("POST", `/api/v1/people/${b.dataset.peopleHide}/hide`, { hidden });
      location.href = hidden ? "/people" : location.href;
    }],
  ];

  // Capture phase: the face boxes on the photo open this dialog too (before app.js's
  // plain prompt, which listens on the viewer).
  document.addEventListener("click", (e) => {
    const box = e.target.closest(".facebox[data-face]");
    if (box) {
      e.stopPropagation();
      e.preventDefault();
      nameFace(box.dataset.face, box.dataset.name).catch((err) => toast(err.message));
      return;
    }
    for (const [selector, run] of handlers) {
      const target = e.target.closest(selector);
      if (target) {
        e.preventDefault();
        Promise.resolve(run(target)).catch((err) => toast(err.message));
        return;
      }
    }
  }, true);
})();
