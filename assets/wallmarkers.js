/* The wall map's open cases (layouts/wall_markers.py) and the grid panel's open cases by state
   (layouts/grid_panel.py). Each read of the wall sends the open cases packed (backend/geo/markers.py); here they
   become GeoJSON points that dash-leaflet clusters, and the pushed events keep them up with no server request:
   a new case adds its marker and pulses where it happened, a case no longer open loses its marker. Every assets/
   file adds to one namespace: Dash loads them in alphabetical order. */
(function (cc) {
  const noUpdate = () => window.dash_clientside.no_update;
  const KINDS = ["to_register", "under_way", "yellow", "overdue"];  // backend/geo/markers.py KINDS, by code
  const STEPS = 65535;  // backend/geo/markers.py STEPS
  // A new case pulses this long: three beats of the animation in assets/wallmarkers.css.
  const PULSE_MS = 4500;
  // Re-clustering 15,000 points takes the page about a tenth of a second: the markers are redrawn at most
  // once a second (pulses are few and drawn at once).
  const DRAW_EVERY_MS = 1000;

  function bytes(base64) {
    const text = atob(base64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i += 1) out[i] = text.charCodeAt(i);
    return out;
  }

  // id -> {lat, lon, kind} of a packed read (the format is in backend/geo/markers.py; `unpack` there is the same).
  function unpackMarkers(packed) {
    const markers = new Map();
    const [south, west, north, east] = packed.bounds;
    const lats = new DataView(bytes(packed.lat).buffer), lons = new DataView(bytes(packed.lon).buffer);
    let id = 0, value = 0, scale = 1, index = 0;
    for (const byte of bytes(packed.ids)) {
      value += (byte & 0x7f) * scale;  // arithmetic, not shifts: an id may pass 2^31
      scale *= 128;
      if (byte >= 0x80) continue;
      id += Math.floor(value / 4);
      markers.set(id, {
        lat: south + (lats.getUint16(2 * index, true) / STEPS) * (north - south),
        lon: west + (lons.getUint16(2 * index, true) / STEPS) * (east - west),
        kind: value % 4,
      });
      index += 1;
      value = 0;
      scale = 1;
    }
    return markers;
  }

  // An event's case as a marker shows it (backend/geo/markers.py `marker_kind`).
  function markerKind(facts) {
    if (facts.card === "red") return 3;
    if (facts.card === "yellow") return 2;
    return facts.state === "collected" ? 0 : 1;
  }

  // markers: what the map shows; pulses: new cases until their time is up.
  const cases = { markers: new Map(), pulses: [], drawn: 0, timer: null, pulseTimer: null };

  const point = (id, m) => ({
    type: "Feature", id, geometry: { type: "Point", coordinates: [m.lon, m.lat] },
    properties: { id, kind: KINDS[m.kind] },
  });
  const collection = (features) => ({ type: "FeatureCollection", features });
  const markerData = () => collection(Array.from(cases.markers, ([id, m]) => point(id, m)));

  function pulseData() {
    const now = Date.now();
    cases.pulses = cases.pulses.filter((p) => p.until > now);
    return collection(cases.pulses.map((p) => point(p.id, p)));
  }

  // What the pulse layer holds is taken off once the pulse has played.
  function expirePulses() {
    clearTimeout(cases.pulseTimer);
    if (!cases.pulses.length) return;
    const next = Math.min(...cases.pulses.map((p) => p.until)) - Date.now();
    cases.pulseTimer = setTimeout(() => {
      window.dash_clientside.set_props("wall-pulses", { data: pulseData() });
      expirePulses();
    }, Math.max(next, 0) + 50);
  }

  // An event's `counts.open_cases` says whether its case became open (+1), stopped being open (-1) or neither.
  function apply(event) {
    const id = event.case_id, change = event.counts.open_cases;
    if (change < 0) {
      cases.markers.delete(id);
      cases.pulses = cases.pulses.filter((p) => p.id !== id);
    } else if (change > 0 && event.lat != null && event.lon != null) {
      const marker = { lat: event.lat, lon: event.lon, kind: markerKind(event.after) };
      cases.markers.set(id, marker);
      if (!event.before) cases.pulses.push({ id, ...marker, until: Date.now() + PULSE_MS });
    } else if (cases.markers.has(id)) {
      cases.markers.get(id).kind = markerKind(event.after);
    }
  }

  function drawSoon() {
    const wait = cases.drawn + DRAW_EVERY_MS - Date.now();
    if (wait <= 0) {
      cases.drawn = Date.now();
      return markerData();
    }
    cases.timer = cases.timer || setTimeout(() => {
      cases.timer = null;
      cases.drawn = Date.now();
      window.dash_clientside.set_props("wall-markers", { data: markerData() });
    }, wait);
    return noUpdate();
  }

  // packed: the wall's read (every event handed over so far is in it, or comes again after it: assets/live.js
  // `restart`); events: `live-batch`, with earlier events too, numbered by `seq`. Returns the markers and pulses.
  function drawMarkers(packed, events, focus) {
    const fired = new Set(window.dash_clientside.callback_context.triggered.map((t) => t.prop_id));
    const unseen = cc.unseen("wallMarkers", events);
    if (fired.has("wall-markers-packed.data")) {
      if (!packed) return [noUpdate(), noUpdate()];
      cases.markers = unpackMarkers(packed);
      cases.pulses = [];
      cases.drawn = Date.now();
      return [markerData(), pulseData()];
    }
    const mine = focus ? unseen.filter((e) => cc.shown(e, focus)) : [];
    if (!mine.length) return [noUpdate(), noUpdate()];
    const pulsing = cases.pulses.length;
    mine.forEach(apply);
    const pulsesChanged = cases.pulses.length !== pulsing || mine.some((e) => e.counts.open_cases < 0);
    if (pulsesChanged) expirePulses();
    return [drawSoon(), pulsesChanged ? pulseData() : noUpdate()];
  }

  // The grid panel's open cases by state (`labels.open_states`, in the order of `counts`): a case leaves the
  // count of the state it was in and joins that of the state it is in, when those are open states.
  function applyStates(events, focus, labels, counts) {
    const unchanged = labels.open_states.map(noUpdate);
    const unseen = cc.unseen("wallStates", events);
    const mine = focus ? unseen.filter((e) => cc.shown(e, focus)) : [];
    if (!mine.length) return unchanged;
    const figures = counts.map((count) => +count || 0);
    for (const e of mine) {
      const was = e.before ? labels.open_states.indexOf(e.before.state) : -1;
      const is = labels.open_states.indexOf(e.after.state);
      if (was >= 0) figures[was] -= 1;
      if (is >= 0) figures[is] += 1;
    }
    return figures.map(String);
  }

  // Marker, cluster and pulse icons (dash-leaflet's pointToLayer and clusterToLayer, with its context last).
  // Icons are sized in screen pixels: scaled with the wall like the outlines (assets/map.js `lineScale`).
  const icon = (className, size, html = "") =>
    L.divIcon({ className, html, iconSize: [size, size] });

  function caseMarker(feature, latlng, context) {
    const { kinds, labels } = context.hideout;
    const kind = feature.properties.kind;
    const marker = L.marker(latlng, {
      icon: icon(`wall-marker wall-marker--${kind}`, Math.round(12 * cc.lineScale())), keyboard: false,
    });
    return marker.bindTooltip(labels[kinds.indexOf(kind)], { direction: "top", className: "wall-marker-tip" });
  }

  function caseCluster(feature, latlng) {
    const count = feature.properties.point_count;
    const size = Math.round((count < 10 ? 26 : count < 100 ? 32 : count < 1000 ? 38 : 44) * cc.lineScale());
    return L.marker(latlng, {
      icon: icon("wall-cluster", size, `<span>${feature.properties.point_count_abbreviated}</span>`),
      keyboard: false,
    });
  }

  function casePulse(feature, latlng) {
    return L.marker(latlng, {
      icon: icon(`wall-pulse wall-marker--${feature.properties.kind}`, Math.round(14 * cc.lineScale())),
      interactive: false, keyboard: false, zIndexOffset: 1000,
    });
  }

  Object.assign(cc, { applyStates, caseCluster, caseMarker, casePulse, drawMarkers, unpackMarkers });
})(window.commandCentre = window.commandCentre || {});
