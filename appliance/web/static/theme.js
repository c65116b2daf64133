// Theme before the first paint (loaded without defer): automatic (the system's light or
// dark), or what the toggle in the account menu chose, remembered in this browser.
"use strict";
(function () {
  const KEY = "shoebox.theme";
  const NAMES = { auto: "automatic", light: "light", dark: "dark" };
  const apply = (theme) => {
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
    else delete document.documentElement.dataset.theme;
  };
  let theme = localStorage.getItem(KEY) || "auto";
  apply(theme);
  document.addEventListener("DOMContentLoaded", () => {
    const button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    const label = () => { button.textContent = `Theme: ${NAMES[theme] || NAMES.auto}`; };
    label();
    button.addEventListener("click", () => {
      theme = { auto: "dark", dark: "light", light: "auto" }[theme] || "auto";
      if (theme === "auto") localStorage.removeItem(KEY); else localStorage.setItem(KEY, theme);
      apply(theme);
      label();
    });
  });
})();
