// Shoebox: one edit for the selected photos (issue 26, item 3), with one Undo.
// Plain JavaScript next to app.js (selected, needSelection, api, flash, toast come from it);
// uses POST /api/v1/photos/batch-edit and the place-name search of the map.
"use strict";

(() => {
  const el = element;  // app.js

  function field(label, input, hint) {
    input.id = `batch-${input.name}`;
    const wrap = el("div", { className: "batch-field" }, el("label", { htmlFor: input.id, textContent: label }), input);
    if (hint) wrap.append(el("small", { className: "muted", textContent: hint }));
    return wrap;
  }

  const placeText = (p) => [p.city, p.region, p.country].filter(Boolean).join(", ");

  // A town name: the map's offline place search, chosen from the list under the field.
  function placeField() {
    const input = el("input", { name: "place", placeholder: "A town or city", autocomplete: "off" });
    const hits = el("ul", { className: "plain batch-place-hits" });
    let typing = 0;
    input.addEventListener("input", () => {
      delete input.dataset.latitude;
      clearTimeout(typing);
      typing = setTimeout(async () => {
        const q = input.value.trim();
        if (q.length < 2) { hits.replaceChildren(); return; }
        let found = [];
        try { found = (await api("GET", `/api/v1/place-names?q=${encodeURIComponent(q)}`)).places; } catch (e) { found = []; }
        hits.replaceChildren(...found.map((p) => {
          const b = el("button", { type: "button", textContent: placeText(p) });
          b.addEventListener("click", () => {
            input.value = placeText(p);
            input.dataset.latitude = p.latitude;
            input.dataset.longitude = p.longitude;
            hits.replaceChildren();
          });
          return el("li", {}, b);
        }));
      }, 200);
    });
    const wrap = field("Place", input, "Type a town, then choose it from the list");
    wrap.append(hits);
    return wrap;
  }

  // A person: a name of the family's people (offered as they type) or a new one.
  function personField() {
    const list = el("datalist", { id: "batch-people" });
    api("GET", "/api/v1/people").then(({ people }) => {
      for (const p of people) if (p.name) list.append(el("option", { value: p.name }));
    }).catch(() => {});
    const input = el("input", { name: "person", maxLength: 100, autocomplete: "off" });
    input.setAttribute("list", "batch-people");
    const wrap = field("Who is in them", input, "A name: the face that is this person is named on each photo");
    wrap.append(list);
    return wrap;
  }

  function collect(form) {
    const v = (name) => form.elements[name].value.trim();
    const changes = {};
    if (v("title")) changes.title = v("title");
    if (v("description")) changes.description = v("description");
    if (v("taken_at")) changes.taken_at = v("taken_at");
    if (v("shift")) changes.shift = v("shift");
    if (v("offset")) changes.offset = v("offset");
    const place = form.elements.place;
    if (place.value.trim()) {
      if (!place.dataset.latitude) throw new Error("Choose the place from the list under it");
      changes.place = { latitude: Number(place.dataset.latitude), longitude: Number(place.dataset.longitude) };
    }
    if (v("label")) changes.add_labels = [v("label")];
    if (v("person")) changes.add_people = [v("person")];
    if (form.elements.favorite.checked) changes.favorite = true;
    if (form.elements.archived && form.elements.archived.checked) changes.archived = true;
    if (v("album_id")) changes.album_id = Number(v("album_id"));
    return changes;
  }

  function editDialog(count) {
    const form = el("form", { method: "dialog", className: "batch-form" });
    const dlg = el("dialog", { className: "batch-dialog" }, form);
    dlg.setAttribute("aria-labelledby", "batch-title");
    const favourite = el("input", { type: "checkbox", name: "favorite", id: "batch-favorite" });
    const archive = el("input", { type: "checkbox", name: "archived", id: "batch-archived" });
    const album = el("select", { name: "album_id" }, el("option", { value: "", textContent: "None" }));
    api("GET", "/api/v1/albums").then(({ albums }) => {
      for (const a of albums) album.append(el("option", { value: String(a.id), textContent: a.title }));
    }).catch(() => {});
    const cancel = el("button", { type: "button", textContent: "Cancel" });
    const save = el("button", { type: "submit", className: "primary", textContent: `Change ${count} photo${count === 1 ? "" : "s"}` });
    const error = el("p", { className: "batch-error", role: "alert" });
    form.append(
      el("h2", { id: "batch-title", textContent: `Edit ${count} photo${count === 1 ? "" : "s"}` }),
      el("p", { className: "muted", textContent: "Fill in only what should change; the rest stays as it is." }),
      field("Title", el("input", { name: "title", maxLength: 2000 })),
      field("Description", el("textarea", { name: "description", rows: 2, maxLength: 2000 })),
      field("Date and time", el("input", { name: "taken_at", type: "datetime-local", step: 1 }), "The same for all of them (scans, one day's photos)"),
      field("Move the time by", el("input", { name: "shift", placeholder: "+1h, -30m, +1d" }), "When the camera's clock was wrong"),
      field("Time zone", el("input", { name: "offset", placeholder: "+02:00" })),
      placeField(),
      field("Add a label", el("input", { name: "label", maxLength: 100 })),
      personField(),
      field("Add to the album", album),
      el("div", { className: "batch-check" }, favourite, el("label", { htmlFor: "batch-favorite", textContent: "Mark as favourites" })),
      el("div", { className: "batch-check" }, archive, el("label", { htmlFor: "batch-archived", textContent: "Archive them (out of the timeline)" })),
      error,
      el("div", { className: "row" }, cancel, save),
    );
    cancel.addEventListener("click", () => { dlg.close(); dlg.remove(); });
    dlg.addEventListener("cancel", () => dlg.remove());
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      let changes;
      try { changes = collect(form); } catch (err) { error.textContent = err.message; return; }
      if (!Object.keys(changes).length) { error.textContent = "Nothing to change: fill in a field"; return; }
      save.disabled = true;
      try {
        const done = await api("POST", "/api/v1/photos/batch-edit", { ids: [...selected], set: changes });
        let told = `${done.updated} photo${done.updated === 1 ? "" : "s"} changed.`;
        if (changes.add_people) told += ` ${changes.add_people[0]} named on ${done.faces_named} of them` + (done.faces_named < done.updated ? " (on the others no face was found, or it is named already)." : ".");
        flash(told, ["batch", done.undo_id]);
        location.reload();
      } catch (err) {
        error.textContent = err.message;
        save.disabled = false;
      }
    });
    document.body.append(dlg);
    dlg.showModal();
    form.elements.title.focus();
  }

  document.addEventListener("click", (e) => {
    if (!e.target.closest("[data-batch-edit]")) return;
    e.preventDefault();
    if (needSelection()) editDialog(selected.size);
  });
})();
