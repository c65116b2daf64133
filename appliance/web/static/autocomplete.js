// Shoebox: search suggestions while typing (labels, people, places, albums, cameras).
// An ARIA combobox on the search box; the list comes from GET /api/v1/search/suggest.
"use strict";

(() => {
  const input = document.querySelector('.searchbox input[name="q"]');
  if (!input) return;
  const form = input.form;
  const list = document.createElement("ul");
  list.id = "search-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  form.append(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  let items = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  // The word being typed: after the last space outside quotes.
  function lastToken(text) {
    let quoted = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '"') quoted = !quoted;
      else if (text[i] === " " && !quoted) start = i + 1;
    }
    return { start, token: text.slice(start) };
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(i) {
    const s = items[i];
    if (!s) return;
    const { start } = lastToken(input.value);
    input.value = input.value.slice(0, start) + s.query;
    close();
    form.submit();
  }

  function highlight(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i >= 0) input.setAttribute("aria-activedescendant", `suggestion-${i}`);
  }

  function render(suggestions) {
    items = suggestions;
    list.replaceChildren(...suggestions.map((s, i) => {
      const li = document.createElement("li");
      li.id = `suggestion-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.query = s.query;
      const text = document.createElement("span");
      text.textContent = s.text;
      const kind = document.createElement("small");
      kind.textContent = `${s.kind} · ${s.count}`;
      li.append(text, kind);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
      return li;
    }));
    list.hidden = !suggestions.length;
    input.setAttribute("aria-expanded", String(!!suggestions.length));
    active = -1;
  }

  async function ask() {
    const { token } = lastToken(input.value);
    if (token.replace(/^[a-z]+:/i, "").replace(/"/g, "").length < 2) { render([]); return; }
    const mine = ++asked;
    try {
      const res = await fetch(`/api/v1/search/suggest?q=${encodeURIComponent(token)}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok || mine !== asked) return;
      render((await res.json()).suggestions);
    } catch (e) { /* offline for a moment: no suggestions */ }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 120); });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight((active - 1 + items.length) % items.length); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
    else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
})();
