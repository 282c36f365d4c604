/* The dispatcher console's case panel (layouts/case_panel.py): live redraws of the open case, keyboard
   shortcuts, and the photo enlarged on click. */
(function () {
  "use strict";
  const noUpdate = () => window.dash_clientside.no_update;
  function live(batch, current) {
    const unseen = window.commandCentre.unseen("casePanel", batch);
    if (current == null || !unseen.some((e) => e.case_id === current)) return noUpdate();
    return Date.now();
  }

  const typing = (target) => target && (target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

  function press(selector) {
    const button = document.querySelector(selector);
    if (button && !button.hidden && !button.disabled) { button.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (!document.getElementById("case-panel")) return;
    const key = event.key.toLowerCase();
    const done = key === "d" ? press("#case-dispatch-top")
      : ["r", "e", "c"].includes(key) ? press(`#case-panel [data-key="${key}"]`) : false;
    if (key === "escape") {
      const modal = document.getElementById("case-photo-modal");
      if (modal) modal.hidden = true;
    }
    if (done) event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    const thumb = event.target.closest && event.target.closest(".case-thumb");
    const modal = document.getElementById("case-photo-modal");
    if (!modal) return;
    if (thumb) {
      document.getElementById("case-photo-large").src = thumb.src;
      modal.hidden = false;
    } else if (event.target.closest(".case-modal")) {
      modal.hidden = true;
    }
  });

  window.casePanel = { live };
})();
