/* Browser-side helpers of the command centre: the header clock and the grid map's style functions.
   dash-leaflet calls the map functions with its context (holding `hideout`) as the last argument. */
window.commandCentre = (function () {
    // The configured time zone, not the browser's: the wall shows the city's time wherever it hangs.
  function clock(timeZone) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date()).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  }

  function openClass(count, thresholds) {
    let index = 0;
    while (index < thresholds.length && count >= thresholds[index]) index += 1;
    return index;
  }

  // Outlines are in screen pixels: thicken them on big walls like the type (which scales with vw).
  const lineScale = () => Math.max(1, window.innerWidth / 1600);

  function gridStyle(feature, context) {
    const hideout = context.hideout;
    const selected = feature.id === hideout.selected;
    return {
      fillColor: hideout.colours[openClass(feature.properties.open_cases, hideout.thresholds)],
      fillOpacity: selected ? 0.95 : 0.72,
      color: selected ? "#f8fafc" : "#5eead4",
      weight: (selected ? 4 : 1.5) * lineScale(),
      opacity: selected ? 1 : 0.7,
    };
  }

  function gridHover() {
    return { weight: 3 * lineScale(), color: "#a5f3fc", opacity: 1, fillOpacity: 0.85 };
  }

  function gridLabel(feature, layer, context) {
    if (feature.id === context.hideout.selected) {
      layer.on("add", () => layer.bringToFront());  // so neighbours do not cover its outline
    }
    layer.bindTooltip(feature.properties.tooltip, {
      permanent: context.hideout.labels, direction: "center", className: "wall-grid-label", opacity: 1,
    });
  }

  // The hotline's located community (outlined) and unit grid (filled), drawn over the others.
  function pickedStyle(feature) {
    const unit = feature.properties.level === 3;
    return {
      color: "#fbbf24", weight: (unit ? 2 : 1.5) * lineScale(), opacity: 1, dashArray: unit ? null : "4 4",
      fillColor: "#fbbf24", fillOpacity: unit ? 0.45 : 0.1,
    };
  }

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

  return { clock, gridStyle, gridHover, gridLabel, pickedStyle, fitArea, quickCategory, focusField };
})();
