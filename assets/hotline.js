/* The hotline's helpers (callbacks/hotline.py). Every assets/ file adds to one namespace: Dash loads them in
   alphabetical order. */
(function (cc) {
  function fitArea(bounds) {
    return { bounds, transition: "fitBounds", options: { padding: [16, 16], animate: false } };
  }

  // A quick category button sets the searchable list to its code.
  function quickCategory(clicks) {
    const trigger = window.dash_clientside.callback_context.triggered_id;
    return trigger && clicks.some(Boolean) ? trigger.code : window.dash_clientside.no_update;
  }

  // Mantine's searchable Select sometimes drops the option that typing highlighted when Tab or Enter follows at
  // once (its keyboard handling races its re-render); the hotline takes the highlighted option itself.
  document.addEventListener("keydown", (event) => {
    if (event.target.id !== "hotline-category" || !["Tab", "Enter"].includes(event.key)) return;
    document.getElementById(event.target.getAttribute("aria-controls"))
      ?.querySelector("[data-combobox-selected]")?.click();
  }, true);

  // Focus after Mantine has re-rendered the field (an error message changes its layout).
  function focusField(request) {
    requestAnimationFrame(() => document.getElementById(request?.id)?.focus());
  }

  Object.assign(cc, { fitArea, quickCategory, focusField });
})(window.commandCentre = window.commandCentre || {});
