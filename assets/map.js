/* The grid map's style functions, shared by the wall and the hotline (layouts name them as
   `commandCentre.<name>`). dash-leaflet calls them with its context (holding `hideout`) as the last argument.
   Every assets/ file adds to one namespace: Dash loads them in alphabetical order. */
(function (cc) {
  function openClass(count, thresholds) {
    let index = 0;
    while (index < thresholds.length && count >= thresholds[index]) index += 1;
    return index;
  }

  // Outlines and markers are in screen pixels: thicken them on big walls like the type (which scales with vw).
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

  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

  // Permanent labels never cover one another: where two would, the busier grid's stays and the other's is
  // hidden (its polygon's colour and hover still tell). Run once the map has settled at a new view.
  function declutter(map) {
    const labelled = [];
    map.eachLayer((layer) => {
      const tooltip = layer.getTooltip && layer.getTooltip();
      if (tooltip && tooltip.options.permanent && tooltip.getElement() && layer.feature) labelled.push(layer);
    });
    labelled.sort((a, b) => b.feature.properties.open_cases - a.feature.properties.open_cases);
    const kept = [];
    for (const layer of labelled) {
      const element = layer.getTooltip().getElement();
      const box = element.getBoundingClientRect();
      const hidden = kept.some((other) => overlap(box, other));
      element.classList.toggle("wall-grid-label--hidden", hidden);
      if (!hidden) kept.push(box);
    }
  }

  const scheduled = new WeakSet();
  function scheduleDeclutter(map) {
    if (scheduled.has(map)) return;
    scheduled.add(map);
    // After Leaflet's own handlers have placed the labels for the new view.
    requestAnimationFrame(() => { scheduled.delete(map); declutter(map); });
  }

  function gridLabel(feature, layer, context) {
    if (feature.id === context.hideout.selected) {
      layer.on("add", () => layer.bringToFront());  // so neighbours do not cover its outline
    }
    layer.on("add", () => {
      const map = layer._map;  // Leaflet has no public getter for a layer's map
      if (!map._declutters) {
        map._declutters = true;
        map.on("zoomend moveend resize", () => scheduleDeclutter(map));
      }
      scheduleDeclutter(map);
    });
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

  Object.assign(cc, { gridStyle, gridHover, gridLabel, lineScale, pickedStyle });
})(window.commandCentre = window.commandCentre || {});
