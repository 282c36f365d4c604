/* The wall's charts (layouts/wall_charts.py), drawn in the page: from the wall's read (`wall-charts-data`,
   written in the same moment as its figures by callbacks/wall.py `refresh`), then kept up by the pushed case
   events. As for the KPI tiles (assets/wall.js), an event says what it changes in each count: the charts add
   those numbers and know no rule of the indicators. Every assets/ file adds to one namespace: Dash loads them
   in alphabetical order, so wall.js (`shown`, `rate`) comes first. */
(function (cc) {
  const CHARTS = ["grids", "hours", "categories"];
  const REPORTS = "#22d3ee", CLOSURES = "#4ade80", RATES = "#60a5fa";
  // Redrawing three plotly charts costs the page tens of milliseconds: at most once a second.
  const DRAW_EVERY_MS = 1000;
  const noUpdate = () => window.dash_clientside.no_update;

  // state: what was read, with the events applied since.
  const charts = { state: null, focus: null, spec: null, drawn: 0, timer: null };

  function localHour(iso, timeZone) {
    return +new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", hour: "2-digit" }).format(new Date(iso));
  }

  const localDay = (timeZone) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());

  // The hour a daily count changed in: a count gained is the case's fact as it is now (when its report came
  // in, when it was closed), a count lost the fact as it was (a closure undone by rework).
  function hourOf(event, field, change, timeZone) {
    const facts = change > 0 ? event.after : event.before;
    return facts && facts[field] ? localHour(facts[field], timeZone) : null;
  }

  const HOURLY = [["reports_today", "reports", "received_at"], ["closed_today", "closures", "closed_at"]];

  // Every figure of the charts is a "today" one: an event of another local day leaves them as they are.
  function apply(state, event, focus, language) {
    if (event.day !== focus.day) return;
    const counts = event.counts;
    for (const [key, series, field] of HOURLY) {
      const hour = counts[key] ? hourOf(event, field, counts[key], focus.timezone) : null;
      if (hour !== null) state.hours[series][hour] += counts[key];
    }
    const grid = state.grids.find((g) => g.id === event[state.placement]);
    if (grid) {
      grid.opened += counts.opened_today;
      grid.settled += counts.settled_today;
    }
    if (counts.reports_today) {
      let category = state.categories.find((c) => c.id === event.category_id);
      if (!category) {
        category = { id: event.category_id, name: language === "zh_Hans" ? event.category : event.category_en, count: 0 };
        state.categories.push(category);
      }
      category.count += counts.reports_today;
    }
  }

  // The charts' font size is the CSS's (assets/wallcharts.css, by the viewport); the rest scales with it.
  function fontSize() {
    const panel = document.getElementById("wall-charts");
    return panel ? parseFloat(getComputedStyle(panel).fontSize) : 13;
  }

  function layout(spec, name, size, extra = {}) {
    const base = spec.layouts[name];
    return { ...base, ...extra, font: { ...base.font, size },
             margin: { l: size * 0.4, r: size * 0.8, t: size * 1.6, b: size * 0.3, pad: size * 0.2 } };
  }

  const share = (g) => (g.opened > 0 ? g.settled / g.opened : -1);

  // Grids with the highest share settled first; those with nothing opened today last, with no bar.
  function gridsFigure(state, spec, size) {
    const bars = [...state.grids].sort((a, b) => share(b) - share(a));
    const settled = (g) => spec.names.settled.replace("{settled}", g.settled).replace("{opened}", g.opened);
    return { data: [{
      type: "bar", x: bars.map((g) => g.name), y: bars.map((g) => (g.opened > 0 ? (100 * g.settled) / g.opened : null)),
      text: bars.map((g) => cc.rate(g.settled, g.opened)), textposition: "outside", cliponaxis: false, constraintext: "none",
      textfont: { color: "#e6f6ff", size }, customdata: bars.map(settled),
      hovertemplate: "%{x}<br>%{customdata}<extra></extra>", marker: { color: RATES },
    }], layout: layout(spec, "grids", size) };
  }

  // Today's lines stop at the current hour; a week ago's run the whole day, dashed and dimmer behind them.
  function hoursFigure(state, focus, spec, size) {
    const hours = [...Array(24).keys()];
    const last = localDay(focus.timezone) === focus.day ? localHour(new Date().toISOString(), focus.timezone) : 23;
    const line = (series, colour, ago) => ({
      type: "scatter", mode: ago ? "lines" : "lines+markers", name: spec.names[series], x: hours,
      y: ago ? state.hours[series] : state.hours[series].map((n, hour) => (hour <= last ? n : null)),
      line: { color: colour, width: size * (ago ? 0.12 : 0.2), dash: ago ? "dot" : "solid", shape: "spline", smoothing: 0.4 },
      marker: { size: size * 0.4 }, opacity: ago ? 0.55 : 1,
    });
    return { data: [line("reports_ago", REPORTS, true), line("closures_ago", CLOSURES, true),
                     line("reports", REPORTS, false), line("closures", CLOSURES, false)],
             layout: layout(spec, "hours", size, { legend: { ...spec.layouts.hours.legend, font: {
               ...spec.layouts.hours.legend.font, size: size * 0.9 } } }) };
  }

  // The most reported categories, one bar each, and the rest in one ("Other"), largest on top.
  function categoriesFigure(state, spec, size) {
    const sorted = [...state.categories].sort((a, b) => b.count - a.count);
    const bars = sorted.slice(0, spec.top);
    const rest = sorted.slice(spec.top).reduce((sum, c) => sum + c.count, 0);
    if (rest > 0) bars.push({ name: spec.names.other, count: rest });
    return { data: [{
      type: "bar", orientation: "h", y: bars.map((c) => c.name), x: bars.map((c) => c.count),
      text: bars.map((c) => String(c.count)), textposition: "outside", cliponaxis: false, constraintext: "none",
      textfont: { color: "#e6f6ff", size }, hovertemplate: "%{y}: %{x}<extra></extra>",
      marker: { color: bars.map((c) => (c.id === undefined ? "#475569" : REPORTS)) },
    }], layout: layout(spec, "categories", size) };
  }

  const show = (figures) => figures.forEach((figure, index) =>
    window.dash_clientside.set_props(`wall-chart-${CHARTS[index]}`, { figure }));

  function draw() {
    const { state, focus, spec } = charts;
    const size = fontSize();
    charts.drawn = Date.now();
    return [gridsFigure(state, spec, size), hoursFigure(state, focus, spec, size), categoriesFigure(state, spec, size)];
  }

  // Draws now if the last drawing is a second old, else once that second is up (the figures set directly).
  function drawSoon() {
    const wait = charts.drawn + DRAW_EVERY_MS - Date.now();
    if (wait <= 0) return draw();
    charts.timer = charts.timer || setTimeout(() => {
      charts.timer = null;
      show(draw());
    }, wait);
    return CHARTS.map(noUpdate);
  }

  // data: the wall's read (with it, every event handed over so far is in what was read, or comes again after
  // it: assets/live.js `restart`); events: `live-batch`, with earlier events too, numbered by `seq`.
  function drawCharts(data, events, focus, spec) {
    const fired = new Set(window.dash_clientside.callback_context.triggered.map((t) => t.prop_id));
    const unseen = cc.unseen("wallCharts", events);
    if (fired.has("wall-charts-data.data")) {
      Object.assign(charts, { state: data && structuredClone(data), focus, spec });
      return data && focus ? draw() : CHARTS.map(noUpdate);
    }
    const mine = charts.state && focus ? unseen.filter((e) => cc.shown(e, focus)) : [];
    if (!mine.length) return CHARTS.map(noUpdate);
    mine.forEach((e) => apply(charts.state, e, focus, spec.language));
    return drawSoon();
  }

  // A new window size is a new font size: drawn again once the resizing has stopped.
  let resized = null;
  window.addEventListener("resize", () => {
    clearTimeout(resized);
    resized = setTimeout(() => {
      if (charts.state && charts.focus) show(draw());
    }, 250);
  });

  Object.assign(cc, { drawCharts });
})(window.commandCentre = window.commandCentre || {});
