/* Browser-side helpers of the command centre: the header clock and live link, the grid map's style functions,
   and the live wall's event patches.
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

  // ---- Live wall: pushed case events patch the screen in place (no server round trip per event) ----

  const PLACEMENT = ["city_id", "district_id", "community_id", "grid_id"];
  const ENDED = new Set(["closed", "cancelled"]);

  const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  function localTime(iso, timeZone) {
    return new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", hour: "2-digit", minute: "2-digit" })
      .format(new Date(iso));
  }

  function caseRow(event, labels, timeZone) {
    const en = labels.language !== "zh_Hans";
    return {
      id: String(event.case_id), number: event.number, time: localTime(event.created_at, timeZone),
      category: en ? event.category_en : event.category, grid: en ? event.grid_en : event.grid,
      state: event.state, state_label: labels.states[event.state],
      urgency: event.urgency, urgency_label: labels.urgencies[event.urgency], fresh: true,
    };
  }

  function withCounts(geojson, deltas, labels) {
    const en = labels.language !== "zh_Hans";
    return { ...geojson, features: geojson.features.map((feature) => {
      const delta = deltas[feature.id];
      if (!delta) return feature;
      const open = Math.max(0, feature.properties.open_cases + delta);
      const name = en ? feature.properties.name_en : feature.properties.name;
      const tooltip = `<b>${escapeHtml(name)}</b><br>${escapeHtml(labels.open_count.replace("{count}", open))}`;
      return { ...feature, properties: { ...feature.properties, open_cases: open, tooltip } };
    }) };
  }

  // The last batch taken from `live-batch`: its events are numbered (`seq`), and it holds earlier ones too.
  const taken = { seq: 0 };

  // events: from `receive`; focus: the grid the wall shows; rest: the four KPI texts and the map data.
  function applyEvents(events, focus, labels, rest) {
    const unchanged = Array(5).fill(window.dash_clientside.no_update);
    const unseen = (events || []).filter((e) => e.seq > taken.seq);
    if (unseen.length) taken.seq = unseen[unseen.length - 1].seq;
    if (!unseen.length || !focus) return unchanged;
    const mine = unseen.filter((e) => e[PLACEMENT[focus.level]] === focus.id);
    if (!mine.length) return unchanged;
    const [reports, open, overdue, closed, geojson] = rest;
    const kpi = { reports: +reports || 0, open: +open || 0, overdue: +overdue || 0, closed: +closed || 0 };
    const child = focus.map_level == null ? null : PLACEMENT[focus.map_level];
    const deltas = {}, add = [], update = [];
    for (const e of mine) {
      let delta = 0;
      if (e.kind === "case.collect") {
        kpi.reports += 1; kpi.open += 1; delta = 1;
        add.unshift(caseRow(e, labels, focus.timezone));  // newest on top
      } else {
        update.push(caseRow(e, labels, focus.timezone));
        if (ENDED.has(e.state) && e.kind !== "case.mark_card") {
          kpi.open -= 1; delta = -1;
          if (e.card === "red") kpi.overdue -= 1;
        }
        if (e.kind === "case.close") kpi.closed += 1;
        if (e.kind === "case.mark_card" && e.card === "red") kpi.overdue += 1;
      }
      if (child && delta && e[child] != null) deltas[e[child]] = (deltas[e[child]] || 0) + delta;
    }
    const map = child && geojson ? mapCounts(deltas, focus, geojson, labels) : window.dash_clientside.no_update;
    // Straight to the grid, in order and at once (not through its rowTransaction prop: set twice before the grid
    // renders, that applies only the last); rows it does not hold are not updated.
    window.dash_ag_grid.getApiAsync("wall-cases").then((api) => api.applyTransaction(
      { add, addIndex: 0, update: update.filter((row) => api.getRowNode(row.id)) }));
    return [String(kpi.reports), String(kpi.open), String(Math.max(0, kpi.overdue)), String(kpi.closed), map];
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
    if (!Object.keys(held.deltas).length) return window.dash_clientside.no_update;
    const wait = held.drawn + MAP_EVERY_MS - NOW();
    if (wait <= 0) return drawCounts(geojson, labels);
    held.timer = held.timer || setTimeout(() => {
      held.timer = null;
      setProps("wall-map-flush", { data: NOW() });
    }, wait);
    return window.dash_clientside.no_update;
  }

  function drawCounts(geojson, labels) {
    const deltas = held.deltas;
    held.deltas = {};
    held.drawn = NOW();
    return withCounts(geojson, deltas, labels);
  }

  function flushMap(tick, focus, labels, geojson) {
    if (focus !== held.focus || !geojson || !Object.keys(held.deltas).length) {
      held.deltas = {};
      return window.dash_clientside.no_update;
    }
    return drawCounts(geojson, labels);
  }

  // ---- The live link shared by every screen (layouts/shell.py) ----
  // Events arrive in stream order, each naming the previous event of this screen's room (`prev`). When that is
  // not the last one applied (a lost connection; or two pushes so close that Dash passed on only the second),
  // the screen asks for what it missed (GET /api/v1/events?after=<last applied id>) and holds newer pushes until
  // those are in, so that every event is applied once and in order. When the stream has moved on, it reads
  // everything afresh.

  // asked: how many catch-ups were asked; only the newest one's answer counts. out: the last events handed to the
  // screens, numbered (`seq`): Dash runs a screen's callback once, with the last, for several quick changes of
  // `live-batch`, so each change carries the earlier events too and a screen applies those it has not taken.
  const link = { started: false, lastId: null, floor: null, resuming: false, held: [], asked: 0, out: [], seq: 0 };
  const OUT_KEPT = 1000;  // events: far more than arrive while a busy page runs one callback (a few hundred ms)
  const applied = new Set();  // outbox ids: delivery is at least once, a repeat is dropped
  const NOW = () => Date.now();
  const setProps = (id, props) => window.dash_clientside.set_props(id, props);

  // No answer at all means the network is down: the link's return (`resume`) or the next push asks again, from the
  // same event, rather than reading everything afresh (a read that could not get through either).
  async function catchUp() {
    const asked = ++link.asked;  // a later catch-up, or the link dropping (`resume`), makes this one moot
    link.resuming = true;
    const answer = await fetch(`/api/v1/events?after=${encodeURIComponent(link.lastId)}`,
                               { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .catch(() => null);
    const body = answer && await answer.json().catch(() => ({ reload: true }));
    if (asked !== link.asked) return;
    if (!answer) {
      link.resuming = false;
      link.held = [];
    } else if (answer.ok && !body.reload) setProps("live-missed", { data: body.events });
    else setProps("live-reload", { data: reload(body.last_id) });
  }

  function reload(lastId) {
    link.resuming = false;
    link.held = [];
    if (lastId) link.lastId = lastId;
    return NOW();
  }

  // A screen has read its state from the database: events up to `head` are in it, and so are the changes
  // `counted` (their events may still come). Go on from there: fetch what came since, counting those as applied.
  function restart(focus) {
    if (!focus || !focus.head) return window.dash_clientside.no_update;
    applied.clear();
    focus.counted.forEach((id) => applied.add(id));
    link.started = true;
    link.lastId = link.floor = focus.head;
    link.held = [];
    link.out = [];
    catchUp();
    return window.dash_clientside.no_update;
  }

  // (Re)connected: the first time, read the screen from the database; after a drop, fetch what was missed, unless
  // a push on the new connection has asked already (`receive`). A catch-up in flight when the link drops is moot:
  // what it answers may stop short of what the link missed.
  function resume(connected) {
    if (!connected) {
      link.asked += 1;
      link.resuming = false;
      link.held = [];
      return window.dash_clientside.no_update;
    }
    if (!link.started || link.lastId === null) {
      link.started = true;
      return NOW();
    }
    if (!link.resuming) catchUp();
    return window.dash_clientside.no_update;
  }

  // Events up to the stream position of the screen's last database read are in what it shows (a push may
  // still be on its way when the read lands).
  const [NUMBER, EPOCH] = [(id) => +id.split("-")[0], (id) => id.split("-")[1]];
  function afterFloor(event) {
    return !link.floor || EPOCH(event.id) !== EPOCH(link.floor) || NUMBER(event.id) > NUMBER(link.floor);
  }

  // Where pushes held during a catch-up stop going on from the event before them (Dash passed over some of those
  // too), or -1. Caught-up events carry no `prev`: they go on by construction. Repeats are dropped later.
  function breakIn(events) {
    let last = link.lastId;
    for (const [index, event] of events.entries()) {
      if (EPOCH(event.id) === EPOCH(last) && NUMBER(event.id) <= NUMBER(last)) continue;
      if (event.prev != null && event.prev !== last) return index;
      last = event.id;
    }
    return -1;
  }

  // Pushed events and missed ones, into one ordered batch without repeats for the screens (`live-batch`).
  function receive(pushed, missed, greeting) {
    // Several inputs may fire in one call (the greeting and the missed events often do).
    const fired = new Set(window.dash_clientside.callback_context.triggered.map((t) => t.prop_id));
    if (fired.has("live-socket.data-hello") && greeting && link.lastId === null) {
      link.lastId = greeting.room_last_id || greeting.last_id;  // a screen that has applied nothing goes on from here
    }
    let events = [];
    if (fired.has("live-socket.data-events") && pushed && pushed.length) {
      if (link.resuming) {
        link.held.push(...pushed);
      } else if (pushed[0].prev !== link.lastId) {
        link.held.push(...pushed);
        catchUp();
      } else {
        events = pushed;
      }
    }
    let gap = -1;
    if (fired.has("live-missed.data")) {
      events = [...(missed || []), ...link.held, ...events];
      link.resuming = false;
      gap = breakIn(events);
      link.held = gap < 0 ? [] : events.slice(gap);  // held again while what they skipped is asked for
      if (gap >= 0) events = events.slice(0, gap);
    }
    const batch = events.filter((e) => afterFloor(e) && !applied.has(e.outbox_id) && applied.add(e.outbox_id));
    if (events.length) link.lastId = events[events.length - 1].id;
    if (gap >= 0) catchUp();
    if (!batch.length) return window.dash_clientside.no_update;
    batch.forEach((e) => { e.seq = ++link.seq; });
    link.out = [...link.out, ...batch].slice(-OUT_KEPT);
    return link.out;
  }

  // A new local day in the city's time zone: the wall's "today" figures must be read afresh.
  function newDay(focus) {
    if (!focus || !focus.day) return window.dash_clientside.no_update;
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: focus.timezone }).format(new Date());
    return today !== focus.day ? NOW() : window.dash_clientside.no_update;
  }

  function liveBadge(connected, labels) {
    const state = connected ? "on" : navigator.onLine === false ? "offline" : "reconnecting";
    const text = { on: labels.live, offline: labels.offline, reconnecting: labels.reconnecting }[state];
    return [text, `live-badge live-badge--${state}`];
  }

  // Who is online in this screen's scope, as the server last said (a "presence" push).
  function presence(people, labels) {
    if (!people) return ["", ""];
    const names = people.map((p) => `${p.name} · ${labels.roles[p.role] || p.role}`);
    return [labels.online.replace("{count}", people.length), names.join("\n")];
  }

  return { clock, gridStyle, gridHover, gridLabel, pickedStyle, fitArea, quickCategory, focusField,
           applyEvents, flushMap, newDay, restart, resume, receive, liveBadge, presence };
})();
