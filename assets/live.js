/* The live link shared by every screen (layouts/shell.py, callbacks/shell.py), and the header's clock.
   Screens apply `live-batch`: pushed and missed events, in order, once each (assets/wall.js for the wall).
   Every assets/ file adds to one namespace: Dash loads them in alphabetical order. */
(function (cc) {
  // The configured time zone, not the browser's: the wall shows the city's time wherever it hangs.
  function clock(timeZone) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date()).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  }

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
  // What each screen function that applies `live-batch` has taken (its last `seq`, `unseen`): the batch keeps only
  // events one of them has not taken, or that are too new for a function Dash has not run yet to have seen, so
  // that at ten events a second Dash is not handed a thousand events with each one.
  const taken = new Map();
  const FRESH_MS = 10_000;
  // Events closer together than this are handed to the screens as one batch: each hand-over costs a screen the
  // same whatever it holds (Dash runs every callback that takes it, and those that follow from theirs), so at ten
  // events a second a wall would spend all its time on hand-overs. A lone event still goes at once.
  const HAND_MS = 200;
  const hand = { at: -HAND_MS, timer: null };
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
    taken.clear();
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
    const at = NOW();
    batch.forEach((e) => { e.seq = ++link.seq; e.handed = at; });
    const floor = taken.size ? Math.min(...taken.values()) : 0;
    link.out = [...link.out.filter((e) => e.seq > floor || at - e.handed < FRESH_MS), ...batch].slice(-OUT_KEPT);
    return handOver(at);
  }

  // `link.out` for `live-batch` now, or (closer than HAND_MS to the last hand-over) at the end of that spell.
  function handOver(at) {
    if (hand.timer) return window.dash_clientside.no_update;
    if (at - hand.at >= HAND_MS) {
      hand.at = at;
      return link.out;
    }
    hand.timer = setTimeout(() => {
      hand.timer = null;
      hand.at = NOW();
      setProps("live-batch", { data: link.out });
    }, hand.at + HAND_MS - at);
    return window.dash_clientside.no_update;
  }

  // The events of `batch` (a value of `live-batch`) that `consumer` (a screen function's name) has not taken yet;
  // they count as taken from now on.
  function unseen(consumer, batch) {
    const after = taken.get(consumer) || 0;
    const events = (batch || []).filter((e) => e.seq > after);
    if (events.length) taken.set(consumer, events[events.length - 1].seq);
    return events;
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

  // The server ended this screen's session (signed out elsewhere, password changed, deactivated, idle): go to the
  // sign-in page, which brings the user back here, rather than retry a link that will be refused.
  function signedOut(notice) {
    const here = encodeURIComponent(window.location.pathname + window.location.search);
    window.location.assign(`/login?next=${here}${notice && notice.idle ? "&idle=1" : ""}`);
  }

  Object.assign(cc, { clock, newDay, restart, resume, receive, unseen, liveBadge, presence, signedOut });
})(window.commandCentre = window.commandCentre || {});
