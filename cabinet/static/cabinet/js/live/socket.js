// One live connection to a meeting: /ws/meetings/<id>/ (contract: realtime/events.py).
//
// The database is the record and the socket only a doorbell, so this module's job is to never
// apply an event twice and never miss one silently:
//   - keep `seq`; ignore events at or below it; an event beyond seq+1 is held back and a resume is
//     asked for (the server replays the missing ones, or sends a snapshot when we are too far behind);
//   - after every (re)connect, resume from our seq (or null: a snapshot, the first time);
//   - commands carry an id made here and stay pending until acked; after a reconnect they are sent
//     again with the same id, and the server acks a retry without doing the work twice.
import { CLOSE, MSG } from "./protocol.js";

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;
const FLOOD_PAUSE_MS = 15000; // closed for sending too much (CLOSE.FLOOD): back off for a while
const PING_EVERY_MS = 25000;
const PONG_WITHIN_MS = 10000; // a half-open socket (tablet changed Wi-Fi) is noticed within this

const MAX_HELD = 500; // events kept while waiting for a replay or snapshot

const TOO_MANY_PAUSE_MS = 30000; // CLOSE.TOO_MANY: this browser has too many live pages open

export function commandId() {
  if (globalThis.crypto?.randomUUID) {
    try {
      return crypto.randomUUID();
    } catch {
      // randomUUID exists but throws outside a secure context in some browsers
    }
  }
  // http:// on a LAN address is not a secure context; getRandomValues still works there.
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * handlers:
 *   onSnapshot(state, seq)  the whole room
 *   onEvent(name, data, seq) → false if the event is not understood (a snapshot is then asked for)
 *   onState(name)           "connecting" | "live" | "lost" | "offline" | "denied" | "signedout"
 *                           | "toomany"
 *   onError(message)        a refused message (rate limit, bad message): text for the user
 *   onHello()               every (re)connect, after the resume was sent
 *   onProgress(message)     {poll, voted, entitled}: ballots cast so far in an open poll. Not an
 *                           event (no seq, throttled, may arrive out of order between processes),
 *                           so it bypasses the seq bookkeeping; the room keeps the highest count.
 */
export function openLive(meetingId, handlers) {
  const pending = new Map(); // id → {message, resolve}
  const held = new Map(); // seq → event message that arrived ahead of a gap
  let seq = null; // null until the first snapshot
  let socket = null;
  let delay = MIN_DELAY_MS;
  let stopped = false;
  let resyncing = false;
  let offset = 0; // server clock − local clock, ms
  let pingTimer = null;
  let pongTimer = null;
  let retryTimer = null;

  const setState = (name) => handlers.onState?.(name);

  const send = (message) => {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  };

  const resume = (from) => {
    resyncing = true;
    send({ type: MSG.RESUME, seq: from });
  };

  const setOffset = (iso) => {
    const at = Date.parse(iso || "");
    if (Number.isFinite(at)) offset = at - Date.now();
  };

  const applyEvent = (message) => {
    seq = message.seq;
    if (message.type === MSG.SKIP) return; // an event this user may not see: only its number
    let understood;
    try {
      understood = handlers.onEvent?.(message.event, message.data || {}, message.seq) !== false;
    } catch (error) {
      console.error(error);
      understood = false;
    }
    if (!understood) resume(null);
  };

  const drainHeld = () => {
    for (const key of held.keys()) if (seq !== null && key <= seq) held.delete(key);
    while (seq !== null && held.has(seq + 1)) {
      const next = held.get(seq + 1);
      held.delete(seq + 1);
      applyEvent(next);
    }
  };

  const onEventMessage = (message) => {
    // Before the first snapshot there is nothing to apply events to: keep them, and those newer
    // than the snapshot are applied once it arrives.
    if (seq === null) {
      if (held.size < MAX_HELD) held.set(message.seq, message);
      return;
    }
    if (message.seq <= seq) return;
    if (message.seq > seq + 1) {
      if (held.size < MAX_HELD) held.set(message.seq, message);
      if (!resyncing) resume(seq);
      return;
    }
    applyEvent(message);
    drainHeld();
  };

  const onMessage = (raw) => {
    let message;
    try {
      message = JSON.parse(raw.data);
    } catch {
      return;
    }
    armPing();
    switch (message.type) {
      case MSG.HELLO:
        delay = MIN_DELAY_MS;
        setOffset(message.now);
        setState("live");
        resume(seq);
        // Unacked commands go again with their own ids: done once, whatever happened before.
        for (const entry of pending.values()) send(entry.message);
        handlers.onHello?.();
        break;
      case MSG.SNAPSHOT:
        resyncing = false;
        seq = message.seq;
        if (message.state?.now) setOffset(message.state.now);
        handlers.onSnapshot?.(message.state, message.seq);
        drainHeld();
        break;
      case MSG.RESUMED:
        resyncing = false;
        drainHeld();
        // The replay stopped short of what the server has: ask for the whole room.
        if (seq !== null && message.seq > seq) resume(null);
        break;
      case MSG.EVENT:
      case MSG.SKIP:
        onEventMessage(message);
        break;
      case MSG.ACK: {
        const entry = pending.get(message.id);
        if (!entry) break;
        pending.delete(message.id);
        entry.resolve(message);
        break;
      }
      case MSG.ERROR:
        handlers.onError?.(message.message || message.code);
        break;
      case MSG.PROGRESS:
        // Before the first snapshot there is no poll to count for; the snapshot has the count.
        if (seq !== null) handlers.onProgress?.(message);
        break;
      default:
        break; // pong, and anything newer than this page
    }
  };

  function armPing() {
    clearTimeout(pongTimer);
    clearTimeout(pingTimer);
    pingTimer = setTimeout(() => {
      if (!send({ type: MSG.PING })) return;
      pongTimer = setTimeout(() => socket?.close(), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  const scheduleReconnect = (wait) => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, wait);
  };

  function connect() {
    if (stopped) return;
    if (socket && socket.readyState <= WebSocket.OPEN) return;
    if (navigator.onLine === false) {
      setState("offline");
      return; // the "online" listener reconnects
    }
    setState(seq === null ? "connecting" : "lost");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/meetings/${meetingId}/`);
    socket = ws;
    ws.addEventListener("message", onMessage);
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socket = null;
      resyncing = false;
      clearTimeout(pingTimer);
      clearTimeout(pongTimer);
      if (stopped) return;
      if (event.code === CLOSE.FORBIDDEN) return setState("denied"); // reconnecting cannot help
      if (event.code === CLOSE.SIGNED_OUT) return setState("signedout");
      if (event.code === CLOSE.TOO_MANY) {
        setState("toomany");
        return scheduleReconnect(TOO_MANY_PAUSE_MS);
      }
      setState(navigator.onLine === false ? "offline" : "lost");
      const wait = event.code === CLOSE.FLOOD ? FLOOD_PAUSE_MS : delay;
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      scheduleReconnect(wait);
    });
  }

  window.addEventListener("online", () => {
    delay = MIN_DELAY_MS;
    scheduleReconnect(0);
  });
  window.addEventListener("offline", () => {
    if (!socket) setState("offline");
  });

  connect();

  return {
    /**
     * Send a command; resolves with its ack ({ok, result} or {ok:false, code, message}).
     * `id` is for a caller that must keep one id across page loads or other channels (a ballot:
     * the server dedupes on it, so one tap can never become two ballots).
     */
    command(name, args = {}, id = commandId()) {
      const known = pending.get(id);
      if (known) return known.promise; // the same command already waits for its ack
      const message = { type: MSG.COMMAND, id, name, args };
      let resolve;
      const promise = new Promise((done) => (resolve = done));
      pending.set(id, { message, resolve, promise });
      send(message); // if closed, it goes after the next hello
      return promise;
    },
    /** Ask for the whole room again (an event this page does not know how to apply). */
    refresh() {
      resume(null);
    },
    /** Server time now, in ms since the epoch, for clocks. */
    now() {
      return Date.now() + offset;
    },
    get seq() {
      return seq;
    },
    get pendingCount() {
      return pending.size;
    },
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      socket?.close();
    },
  };
}
