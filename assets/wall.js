/* The live wall: case events patch the screen in place (no server round trip per event). An event says what
   it changes in each count (backend/events/types.py): the wall adds those numbers and patches rows, and knows
   no rule of the workflow or of the indicators. Every assets/ file adds to one namespace: Dash loads them in
   alphabetical order. */
(function (cc) {
  const PLACEMENT = ["city_id", "district_id", "community_id", "grid_id"];
  const noUpdate = () => window.dash_clientside.no_update;

  const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  function localTime(iso, timeZone, seconds = false) {
    const fields = { hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}) };
    return new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", ...fields }).format(new Date(iso));
  }

  // The "Updated" stamp: when the last change the wall shows was made (as the server writes it on a read).
  const updatedAt = (event, labels, timeZone) => labels.updated.replace("{time}", localTime(event.at, timeZone, true));

  // An event's "community / unit grid", below the grid the wall shows (as callbacks/wall.py `grid_below`).
  function gridBelow(place, level) {
    const parts = place.split(" / ");
    return level < 2 ? place : parts.length > 1 || level > 2 ? parts[parts.length - 1] : "";
  }

  function caseRow(event, labels, focus) {
    const en = labels.language !== "zh_Hans";
    const { state, urgency } = event.after;
    return {
      id: String(event.case_id), number: event.number, time: localTime(event.created_at, focus.timezone),
      category: en ? event.category_en : event.category, grid: gridBelow(en ? event.grid_en : event.grid, focus.level),
      state, state_label: labels.states[state], urgency, urgency_label: labels.urgencies[urgency], fresh: true,
    };
  }

  function withCounts(geojson, deltas, labels) {
    const en = labels.language !== "zh_Hans";
    return { ...geojson, features: geojson.features.map((feature) => {
      const delta = deltas[feature.id];
      if (!delta) return feature;
      const open = feature.properties.open_cases + delta;
      const name = en ? feature.properties.name_en : feature.properties.name;
      const tooltip = `<b>${escapeHtml(name)}</b><br>${escapeHtml(labels.open_count.replace("{count}", open))}`;
      return { ...feature, properties: { ...feature.properties, open_cases: open, tooltip } };
    }) };
  }

  // A "today" figure takes the changes of the day the wall shows, a "this month" one those of its month.
  function inPeriod(event, focus, key) {
    if (focus.daily.includes(key)) return event.day === focus.day;
    if (focus.monthly.includes(key)) return event.day.slice(0, 7) === focus.day.slice(0, 7);
    return true;
  }

  // The share settled, as a whole percentage ("–" while nothing was opened).
  function rate(settled, opened) {
    return +opened > 0 ? `${Math.round((100 * +settled) / +opened)}%` : "–";
  }

  // A tile's change against the same time yesterday (`yesterday`: the figures then, callbacks/wall.py): a count's
  // difference, or a rate's in percentage points. Its class says whether the change is good news or bad.
  function versus(key, figures, yesterday, labels) {
    const blank = ["", "wall-kpi-delta"];
    if (!yesterday || figures.some((figure) => figure == null || Number.isNaN(+figure))) return blank;
    let change;
    if (figures.length === 1) {
      change = +figures[0] - yesterday[key];
    } else {
      const [settled, opened] = figures.map(Number);
      const [thenSettled, thenOpened] = labels.rates[key].map((figure) => yesterday[figure]);
      if (!opened || !thenOpened) return blank;
      change = Math.round((100 * settled) / opened) - Math.round((100 * thenSettled) / thenOpened);
    }
    const size = figures.length === 1 ? String(Math.abs(change)) : labels.points.replace("{change}", Math.abs(change));
    const text = labels.versus.replace("{change}", `${change > 0 ? "▲" : change < 0 ? "▼" : "±"}${size}`);
    const news = change === 0 || !labels.rise_is[key] ? "same"
      : (change > 0) === (labels.rise_is[key] === "better") ? "better" : "worse";
    return [text, `wall-kpi-delta wall-kpi-delta--${news}`];
  }

  // Every tile's change: rest holds the figures of `labels.compared`, then the labels.
  function versusAll(yesterday, rest) {
    const labels = rest[rest.length - 1];
    const figure = Object.fromEntries(labels.compared.map((key, index) => [key, rest[index]]));
    return labels.delta_tiles.flatMap((key) => versus(key, (labels.rates[key] || [key]).map((f) => figure[f]),
                                                       yesterday, labels));
  }

  // The case events of the grid the wall shows (the wall takes no other kind).
  const shown = (event, focus) => event.kind.startsWith("case.") && event[PLACEMENT[focus.level]] === focus.id;

  // events: from `receive`; focus: the grid the wall shows, its day, and which of its figures (`kpis`) count
  // for one day (`daily`); rest: the figures' texts, in the order of `kpis`, and the map data. Returns the
  // figures, the map data and the "Updated" stamp.
  function applyEvents(events, focus, labels, rest) {
    const unchanged = Array(focus ? focus.kpis.length + 2 : 6).fill(noUpdate());
    const unseen = cc.unseen("wall", events);
    if (!unseen.length || !focus) return unchanged;
    const mine = unseen.filter((e) => shown(e, focus));
    if (!mine.length) return unchanged;
    const figures = focus.kpis.map((key, index) => +rest[index] || 0);
    const geojson = rest[focus.kpis.length];
    const child = focus.map_level == null ? null : PLACEMENT[focus.map_level];
    const deltas = {}, add = [], update = [];
    for (const e of mine) {
      focus.kpis.forEach((key, index) => {
        if (inPeriod(e, focus, key)) figures[index] += e.counts[key];
      });
      // A new case, newest on top; a change to one added by this same batch is that row as it is now (AG Grid
      // updates only rows it holds already).
      const row = caseRow(e, labels, focus);
      const added = add.findIndex((r) => r.id === row.id);
      if (!e.before) add.unshift(row);
      else if (added >= 0) add[added] = { ...row, fresh: true };
      else update.push(row);
      if (child && e.counts.open_cases && e[child] != null) {
        deltas[e[child]] = (deltas[e[child]] || 0) + e.counts.open_cases;
      }
    }
    const map = child && geojson ? mapCounts(deltas, focus, geojson, labels) : noUpdate();
    // Straight to the grid, in order and at once (not through its rowTransaction prop: set twice before the grid
    // renders, that applies only the last); rows it does not hold are not updated.
    window.dash_ag_grid.getApiAsync("wall-cases").then((api) => api.applyTransaction(
      { add, addIndex: 0, update: update.filter((row) => api.getRowNode(row.id)) }));
    return [...figures.map(String), map, updatedAt(mine[mine.length - 1], labels, focus.timezone)];
  }

  // Redrawing the map's polygons and labels costs the page tens of milliseconds: its counts change at most
  // once a second. Deltas held meanwhile are drawn by `flushMap` (a timer pokes `wall-map-flush`), unless the
  // wall has been read afresh since (a new `focus`): that read already counted them.
  const MAP_EVERY_MS = 1000;
  const held = { deltas: {}, focus: null, drawn: 0, timer: null };

  function mapCounts(deltas, focus, geojson, labels) {
    if (held.focus !== focus) held.deltas = {};
    held.focus = focus;
    for (const [id, delta] of Object.entries(deltas)) held.deltas[id] = (held.deltas[id] || 0) + delta;
    if (!Object.keys(held.deltas).length) return noUpdate();
    const wait = held.drawn + MAP_EVERY_MS - Date.now();
    if (wait <= 0) return drawCounts(geojson, labels);
    held.timer = held.timer || setTimeout(() => {
      held.timer = null;
      window.dash_clientside.set_props("wall-map-flush", { data: Date.now() });
    }, wait);
    return noUpdate();
  }

  function drawCounts(geojson, labels) {
    const deltas = held.deltas;
    held.deltas = {};
    held.drawn = Date.now();
    return withCounts(geojson, deltas, labels);
  }

  function flushMap(tick, focus, labels, geojson) {
    if (focus !== held.focus || !geojson || !Object.keys(held.deltas).length) {
      held.deltas = {};
      return noUpdate();
    }
    return drawCounts(geojson, labels);
  }

  Object.assign(cc, { applyEvents, flushMap, rate, shown, versus, versusAll });
})(window.commandCentre = window.commandCentre || {});
