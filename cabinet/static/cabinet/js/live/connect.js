// Wires one page to its meeting: the socket, the room store, the connection badge, the toast for
// refused commands. Pages only render from `room` and call `run(name, args)`.
import { toast } from "./dom.js";
import { t } from "./labels.js";
import { createRoom } from "./room.js";
import { openLive } from "./socket.js";

/**
 * @param {object} options
 * @param {string | number} options.meetingId
 * @param {HTMLElement | null} [options.stateEl] the connection badge
 * @param {(name: string, data: any) => boolean} [options.onOther]
 * @param {() => void} [options.onHello]
 *
 * options.onOther(name, data): events the room does not hold (paper.*, agenda.* …). Return true if
 * the page handled them itself (e.g. by reloading); otherwise a snapshot is asked for.
 * options.onHello(): every (re)connect.
 */
export function startRoom({ meetingId, stateEl = document.getElementById("conn-state"), onOther, onHello }) {
  const room = createRoom();
  const stateListeners = new Set();
  let connection = "connecting";
  const showState = (name) => {
    connection = name;
    for (const fn of stateListeners) fn(name);
    if (!stateEl) return;
    stateEl.dataset.state = name;
    stateEl.textContent = t(name);
    document.documentElement.dataset.live = name;
  };

  const socket = openLive(meetingId, {
    onState: showState,
    onSnapshot: (state, seq) => room.setSnapshot(state, seq),
    onEvent: (name, data, seq) => {
      const result = room.apply(name, data, seq);
      if (result === "applied") return true;
      if (onOther && onOther(name, data) === true) return true;
      return result === "irrelevant";
    },
    onError: (message) => toast(message || t("refused"), { error: true }),
    onProgress: (message) => room.progress(message),
    onHello,
  });

  /** Send a command; a refusal shows its (Vietnamese) message. Resolves with the ack. */
  const run = async (name, args = {}) => {
    const ack = await socket.command(name, args);
    if (!ack.ok) toast(ack.message || t("refused"), { error: true });
    return ack;
  };

  // Timers tick on the page, from the server's clock (offset measured at hello).
  const tickers = new Set();
  setInterval(() => {
    const now = socket.now();
    for (const fn of tickers) fn(now);
  }, 1000);

  return {
    room,
    socket,
    run,
    now: () => socket.now(),
    onTick(fn) {
      tickers.add(fn);
    },
    /** The connection's state name ("live", "lost", …), as the badge shows it. */
    get connection() {
      return connection;
    },
    /** Called with the new state name on every change of the connection. */
    onConnection(fn) {
      stateListeners.add(fn);
    },
  };
}
