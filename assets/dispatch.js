/* The dispatcher console's queue (layouts/dispatch.py): re-reads its rows on case events (at most every 300 ms),
   and moves through the queue by keyboard. Every assets/ file adds to one namespace. */
(function (cc) {
  const QUEUE = "dispatch-queue";
  const EVERY_MS = 300;
  const taken = { seq: 0, timer: null };
  const noUpdate = () => window.dash_clientside.no_update;
  const grid = () => window.dash_ag_grid.getApiAsync(QUEUE);

  // Another tab or search: from the top.
  function dispatchReload() {
    grid().then((api) => { api.purgeInfiniteCache(); api.ensureIndexVisible(0, "top"); });
    return Date.now();
  }

  // events: `live-batch` (assets/live.js: each value holds earlier events too, numbered by `seq`).
  function dispatchEvents(events) {
    const unseen = (events || []).filter((e) => e.seq > taken.seq);
    if (!unseen.length) return noUpdate();
    taken.seq = unseen[unseen.length - 1].seq;
    if (!unseen.some((e) => e.kind.startsWith("case.")) || taken.timer) return noUpdate();
    taken.timer = setTimeout(() => {
      taken.timer = null;
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

  Object.assign(cc, { dispatchReload, dispatchEvents });
})(window.commandCentre = window.commandCentre || {});
