// The live room's state on this tablet: a snapshot, then events applied by small reducers
// (the payloads: the TypedDicts of cabinet/live/snapshot.py, cabinet/voting/data.py and
// cabinet/meetings/payloads.py). Renderers subscribe and redraw from the whole state, which keeps
// them free of ordering bugs: the state is the only truth on the page.
import { EVENT, EVENT_PREFIX } from "./protocol.js";

// Events that change nothing the room state holds (papers are server-rendered lists).
const IRRELEVANT_PREFIXES = [EVENT_PREFIX.PAPER];

function byId(list, id) {
  return list.find((x) => x.id === id);
}

function sortQueue(state) {
  const rank = new Map(state.items.map((item, i) => [item.id, i]));
  state.queue.sort((a, b) => {
    const ia = rank.get(a.item) ?? 1e9;
    const ib = rank.get(b.item) ?? 1e9;
    if (ia !== ib) return ia - ib;
    // The speaker first, then the waiting list in the chair's order.
    if (a.status !== b.status) return a.status === "speaking" ? -1 : 1;
    return (a.order ?? 0) - (b.order ?? 0) || a.id - b.id;
  });
}

function dropRequest(state, id) {
  state.queue = state.queue.filter((r) => r.id !== id);
}

function upsertRequest(state, request) {
  // Requests on items this user cannot see stay out, as in the snapshot.
  if (!state.items.some((item) => item.id === request.item)) return;
  dropRequest(state, request.id);
  state.queue.push({ ...request });
  sortQueue(state);
}

// --- Polls ---------------------------------------------------------------------------------------
// state.polls: the snapshot's polls (poll + {voted, result}); state.me.polls: {"<id>": {entitled,
// receipt}} for the polls this member may vote in. Events carry the whole poll, so each reducer
// replaces it and only keeps what the event does not say (the count, the result).

function upsertPoll(state, poll, extra = {}) {
  // Polls on items this user cannot see stay out, as in the snapshot.
  if (poll.item != null && !state.items.some((item) => item.id === poll.item)) return null;
  const known = byId(state.polls, poll.id);
  const next = { voted: 0, result: null, ...known, ...poll, ...extra };
  if (known) Object.assign(known, next);
  else state.polls.push(next);
  return known || next;
}

function myPolls(state) {
  if (!state.me) return {};
  state.me.polls = state.me.polls || {};
  return state.me.polls;
}

function pollFinished(s, d) {
  // The result's count is final: it replaces whatever the throttled progress said.
  upsertPoll(s, d.poll, { result: d.result, voted: d.result?.cast ?? 0 });
}

const REDUCERS = {
  [EVENT.MEETING_STARTED]: (s, d) => {
    s.meeting.status = d.status;
    s.meeting.status_label = null; // labels.js names it
  },
  [EVENT.MEETING_ENDED]: (s, d) => {
    s.meeting.status = d.status;
    s.meeting.status_label = null;
  },
  [EVENT.ITEM_CURRENT]: (s, d) => {
    s.current_item = d.item ?? null;
    s.clock = d.clock ?? null;
  },
  [EVENT.TIMER_CHANGED]: (s, d) => {
    s.clock = d.clock ?? null;
  },
  [EVENT.ATTENDANCE_CHANGED]: (s, d) => {
    const key = String(d.participant);
    if (!d.status || d.status === "unknown") delete s.attendance[key];
    else s.attendance[key] = { status: d.status, reason: d.reason || "", substitute: d.substitute || "", at: d.at };
    if (d.quorum) s.quorum = d.quorum;
  },
  [EVENT.SPEAKER_REQUESTED]: (s, d) => upsertRequest(s, d.request),
  [EVENT.SPEAKER_WITHDRAWN]: (s, d) => dropRequest(s, d.request),
  [EVENT.SPEAKER_REORDERED]: (s, d) => {
    (d.order || []).forEach((id, i) => {
      const request = byId(s.queue, id);
      if (request) request.order = i + 1;
    });
    sortQueue(s);
  },
  [EVENT.SPEAKER_FLOOR]: (s, d) => {
    if (d.ended) dropRequest(s, d.ended);
    // One speech at a time in a meeting: any other "speaking" entry is over.
    s.queue = s.queue.filter((r) => r.status !== "speaking" || r.id === d.request.id);
    upsertRequest(s, d.request);
  },
  [EVENT.SPEAKER_ENDED]: (s, d) => dropRequest(s, d.request),
  [EVENT.PRESENTER_CHANGED]: (s, d) => {
    s.presenter = d.presenter ?? null;
  },
  [EVENT.POLL_CREATED]: (s, d) => {
    upsertPoll(s, d.poll);
  },
  [EVENT.POLL_OPENED]: (s, d) => {
    const poll = upsertPoll(s, d.poll, { voted: 0, result: null });
    if (!poll) return;
    // Who may vote was fixed when the poll opened (present members with a vote).
    const mine = myPolls(s);
    if (s.me && (d.voters || []).includes(s.me.participant)) mine[poll.id] = { entitled: true, receipt: null };
    else delete mine[poll.id];
  },
  [EVENT.POLL_CLOSED]: pollFinished,
  [EVENT.POLL_PUBLISHED]: pollFinished,
  [EVENT.POLL_RESET]: (s, d) => {
    // Back to prepared, nobody voted: the entitlement is taken again at the next opening.
    upsertPoll(s, d.poll, { voted: 0, result: null });
    delete myPolls(s)[d.poll.id];
  },
  [EVENT.PRESENTER_PAGE]: (s, d) => {
    if (!s.presenter) return false; // we missed who presents: ask for the room
    Object.assign(s.presenter, { paper: d.paper, version: d.version, page: d.page });
    return true;
  },
};

export function createRoom() {
  const listeners = new Set();
  const room = {
    state: null,
    seq: null,
    /** The last event applied (name), for renderers that react to a change, not just a state. */
    lastEvent: null,
    subscribe(fn) {
      listeners.add(fn);
      if (room.state) fn(room.state, null);
      return () => listeners.delete(fn);
    },
    emit(event) {
      room.lastEvent = event;
      for (const fn of listeners) fn(room.state, event);
    },
    setSnapshot(state, seq) {
      room.state = structuredClone(state);
      room.state.queue = room.state.queue || [];
      room.state.attendance = room.state.attendance || {};
      room.state.items = room.state.items || [];
      room.state.participants = room.state.participants || [];
      room.state.polls = room.state.polls || [];
      if (room.state.me) room.state.me.polls = room.state.me.polls || {};
      sortQueue(room.state);
      room.seq = seq;
      room.emit({ name: "snapshot" });
    },
    /**
     * Apply one event. Returns "applied", "irrelevant" (nothing in the room state changes) or
     * "unknown" (the caller asks for a snapshot, or reloads).
     */
    apply(name, data, seq) {
      if (IRRELEVANT_PREFIXES.some((prefix) => name.startsWith(prefix))) return "irrelevant";
      const reducer = REDUCERS[name];
      if (!reducer || !room.state) return "unknown";
      if (reducer(room.state, data) === false) return "unknown";
      room.seq = seq;
      room.emit({ name, data });
      return "applied";
    },
    /**
     * The count of ballots in an open poll ({"type":"progress"}): not an event, so no seq. Counts
     * only grow while a poll is open, and messages from several server processes may cross, so
     * the highest count wins.
     */
    progress(data) {
      const poll = room.state && byId(room.state.polls, data.poll);
      if (!poll || poll.state !== "open") return;
      const voted = Math.max(poll.voted || 0, Number(data.voted) || 0);
      const entitled = Number(data.entitled) || poll.entitled;
      if (voted === poll.voted && entitled === poll.entitled) return;
      poll.voted = voted;
      poll.entitled = entitled;
      room.emit({ name: "progress", data });
    },
    /** This member's own ballot was acknowledged: the receipt, as the snapshot would have it. */
    setReceipt(pollId, receipt) {
      if (!room.state?.me) return;
      const mine = room.state.me.polls;
      mine[pollId] = { ...(mine[pollId] || { entitled: true }), receipt };
      room.emit({ name: "me.vote", data: { poll: pollId } });
    },
    // --- Derived values, shared by the pages ---------------------------------------------------
    participant(id) {
      return room.state?.participants.find((p) => p.id === id) || null;
    },
    me() {
      return room.state?.me || null;
    },
    attendanceOf(id) {
      return room.state?.attendance[String(id)] || null;
    },
    item(id) {
      return room.state?.items.find((item) => item.id === id) || null;
    },
    currentItem() {
      const id = room.state?.current_item;
      return id == null ? null : room.item(id);
    },
    queueOf(itemId) {
      return (room.state?.queue || []).filter((r) => r.item === itemId);
    },
    speaking() {
      return (room.state?.queue || []).find((r) => r.status === "speaking") || null;
    },
    poll(id) {
      return byId(room.state?.polls || [], id) || null;
    },
    /** This member's standing in a poll: {entitled, receipt}, or null (not entitled). */
    myPoll(id) {
      return room.state?.me?.polls?.[String(id)] || null;
    },
    myRequest(itemId) {
      const me = room.me();
      if (!me) return null;
      return room.queueOf(itemId).find((r) => r.participant === me.participant) || null;
    },
  };
  return room;
}

/** Seconds left on an item's clock (negative = overtime), or null without a clock. */
export function clockRemaining(clock, nowMs) {
  if (!clock) return null;
  let elapsed = clock.elapsed_s || 0;
  if (clock.running_since) elapsed += Math.max(0, (nowMs - Date.parse(clock.running_since)) / 1000);
  return Math.round(clock.duration_s - elapsed);
}

/** Seconds left of a speech (negative = over its limit), or null when it has no limit. */
export function speechRemaining(request, nowMs) {
  if (!request || !request.floor_at || !request.limit_s) return null;
  return Math.round(request.limit_s - (nowMs - Date.parse(request.floor_at)) / 1000);
}

/** "mm:ss", or "+mm:ss" for overtime. */
export function formatSeconds(seconds) {
  const over = seconds < 0;
  const s = Math.abs(seconds);
  const text = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  return over ? `+${text}` : text;
}
