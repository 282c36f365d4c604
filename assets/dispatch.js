/* The dispatcher console's queue (layouts/dispatch.py): re-reads its rows on case events (at most every 300 ms),
   reads the search and the filter bar into one value, and moves through the queue by keyboard. Every assets/
   file adds to one namespace. */
(function (cc) {
  const QUEUE = "dispatch-queue";
  const EVERY_MS = 300;
  const refresh = { timer: null };  // a read of the rows shown, due after events
  const noUpdate = () => window.dash_clientside.no_update;
  const grid = () => window.dash_ag_grid.getApiAsync(QUEUE);

  // The search and the filters, as callbacks/dispatch.py `Filters` takes them; a date range counts once both ends
  // are picked. Unchanged (a range half picked, a search made of spaces): the queue is not read again.
  const FILTERS = ["category", "grid", "dates", "urgency", "channel", "card"];

  function dispatchFilters(search, category, grid, dates, urgency, channel, card, previous) {
    const range = Array.isArray(dates) && dates[0] && dates[1] ? [dates[0].slice(0, 10), dates[1].slice(0, 10)] : null;
    const filters = { q: (search || "").trim() || null, category: category || null, grid: grid ? +grid : null,
                      dates: range, urgency: urgency || null, channel: channel || null, card: card || null };
    const active = FILTERS.filter((name) => filters[name] !== null).length;
    const same = JSON.stringify(filters) === JSON.stringify(previous);  // both built here: keys in one order
    return [same ? noUpdate() : filters, String(active), active === 0, active === 0];
  }

  // "Clear filters": every control of the bar empty (the search stays).
  function dispatchClear() {
    return FILTERS.map((name) => (name === "dates" ? [null, null] : null));
  }

  // The grid picker's options: the scope's tree, then the unit grids found for what was typed, and the one picked
  // (found for an earlier search: the picker would drop a value missing from its options).
  function dispatchGrids(tree, found, picked, shown) {
    const options = [...(tree || []), ...(found || [])];
    const kept = (shown || []).filter((option) => option.value === picked);
    const listed = new Set();
    return [...options, ...kept].filter((option) => !listed.has(option.value) && listed.add(option.value));
  }

  // Another tab, search or filter: from the top.
  function dispatchReload() {
    grid().then((api) => { api.purgeInfiniteCache(); api.ensureIndexVisible(0, "top"); });
    return Date.now();
  }

  // events: `live-batch` (assets/live.js: each value holds earlier events too, numbered by `seq`).
  function dispatchEvents(events) {
    const unseen = cc.unseen("dispatch", events);
    if (!unseen.some((e) => e.kind.startsWith("case.")) || refresh.timer) return noUpdate();
    refresh.timer = setTimeout(() => {
      refresh.timer = null;
      grid().then((api) => api.refreshInfiniteCache());  // the rows shown, read again: selection and scroll stay
      window.dash_clientside.set_props("dispatch-poke", { data: Date.now() });
    }, EVERY_MS);
    return noUpdate();
  }

  // Keys typed into a field are the field's (a tab's radio button or a row's checkbox is not a field).
  const typing = (target) => target && (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName)
    || (target.tagName === "INPUT" && !/^(radio|checkbox|button)$/.test(target.type)));
  const cursor = { index: -1 };

  function move(api, step) {
    const last = api.getDisplayedRowCount() - 1;
    cursor.index = Math.max(0, Math.min(last, cursor.index + step));
    const node = api.getDisplayedRowAtIndex(cursor.index);
    if (!node || !node.data) return;
    api.ensureIndexVisible(cursor.index);
    api.setFocusedCell(cursor.index, "number");
    window.dash_clientside.set_props("dispatch-current", { data: +node.data.id });
  }

  document.addEventListener("keydown", (event) => {
    if (!document.getElementById(QUEUE) || typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const step = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1 }[event.key];
    if (step) {
      event.preventDefault();
      grid().then((api) => move(api, step));
    } else if (event.key === "x") {
      grid().then((api) => {
        const node = api.getDisplayedRowAtIndex(cursor.index);
        if (node) node.setSelected(!node.isSelected());
      });
    } else if (event.key === "?") {
      window.dash_clientside.set_props("dispatch-help", { opened: true });
    }
  });

  // A click puts the keyboard's cursor on that row.
  document.addEventListener("click", (event) => {
    const row = event.target.closest && event.target.closest(`#${QUEUE} .ag-row`);
    if (row) cursor.index = +row.getAttribute("row-index");
  });

  Object.assign(cc, { dispatchReload, dispatchEvents, dispatchFilters, dispatchClear, dispatchGrids });
})(window.commandCentre = window.commandCentre || {});

/* The grid picker's option, indented by its depth below the user's own grid (dash-mantine-components takes
   functions for props from this namespace). */
window.dashMantineFunctions = window.dashMantineFunctions || {};
window.dashMantineFunctions.dispatchGridOption = ({ option }) => window.React.createElement(
  "span", { className: `dispatch-grid-option dispatch-grid-option--${option.depth}` }, option.label);

/* The Chinese calendar of the date pickers, for dayjs (DatesProvider looks for `dayjs_locale_<name>`): served
   with the page, as the product runs without a CDN. */
window["dayjs_locale_zh-cn"] = {
  name: "zh-cn",
  weekStart: 1,
  months: "一月_二月_三月_四月_五月_六月_七月_八月_九月_十月_十一月_十二月".split("_"),
  monthsShort: "1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月".split("_"),
  weekdays: "星期日_星期一_星期二_星期三_星期四_星期五_星期六".split("_"),
  weekdaysShort: "周日_周一_周二_周三_周四_周五_周六".split("_"),
  weekdaysMin: "日_一_二_三_四_五_六".split("_"),
  ordinal: (number) => `${number}日`,
  formats: { LT: "HH:mm", LTS: "HH:mm:ss", L: "YYYY/MM/DD", LL: "YYYY年M月D日", LLL: "YYYY年M月D日 HH:mm",
             LLLL: "YYYY年M月D日dddd HH:mm" },
};
