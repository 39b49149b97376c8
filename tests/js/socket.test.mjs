// node --test: the meeting socket's bookkeeping (cabinet/static/cabinet/js/live/socket.js).
// Frames are written out as they cross the wire (realtime/events.py), not from protocol.js, so
// that these tests also hold the module to the wire format.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";

import { openLive } from "../../cabinet/static/cabinet/js/live/socket.js";
import { FakeSocket, installBrowser } from "./fake-socket.mjs";

let uninstall;
let live;

beforeEach(() => {
  uninstall = installBrowser();
  mock.timers.enable({ apis: ["setTimeout"] });
});

afterEach(() => {
  live?.close();
  live = null;
  mock.timers.reset();
  uninstall();
});

/** Open the page's connection; `log` records what the page was told, in order. */
function start({ onEvent = () => true } = {}) {
  const log = { events: [], snapshots: [], states: [], progress: [], errors: [] };
  live = openLive(7, {
    onSnapshot: (state, seq) => log.snapshots.push(seq),
    onEvent: (name, data, seq) => {
      log.events.push(seq);
      return onEvent(name, data, seq);
    },
    onState: (name) => log.states.push(name),
    onProgress: (message) => log.progress.push(message.voted),
    onError: (message) => log.errors.push(message),
  });
  return log;
}

const socket = () => FakeSocket.made.at(-1);
const event = (seq, name = "timer.changed", data = {}) => ({ type: "event", seq, event: name, data });
const resumes = (ws = socket()) => ws.sentOf("resume").map((message) => message.seq);

/** The server accepts the socket and says hello. */
function hello(ws = socket(), seq = 0) {
  ws.open();
  ws.receive({ type: "hello", seq, now: new Date().toISOString() });
}

/** A page that is live at `seq` (hello, then the snapshot it asked for). */
function liveAt(seq, options) {
  const log = start(options);
  hello(socket(), seq);
  socket().receive({ type: "snapshot", seq, state: {} });
  return log;
}

describe("socket.js: sequence", () => {
  it("connects to the meeting's socket and asks for a snapshot first", () => {
    const log = start();
    assert.equal(socket().url, "ws://tablet.test/ws/meetings/7/");
    assert.deepEqual(log.states, ["connecting"]);
    hello();
    assert.deepEqual(log.states, ["connecting", "live"]);
    assert.deepEqual(resumes(), [null]);
  });

  it("holds events that arrive before the snapshot and applies the newer ones after it, once", () => {
    const log = start();
    hello();
    for (const seq of [5, 6, 7]) socket().receive(event(seq));
    assert.deepEqual(log.events, []);
    socket().receive({ type: "snapshot", seq: 6, state: {} });
    assert.deepEqual(log.snapshots, [6]);
    assert.deepEqual(log.events, [7]); // 5 and 6 are in the snapshot
    socket().receive(event(7)); // the same event again
    socket().receive(event(8));
    assert.deepEqual(log.events, [7, 8]);
    assert.equal(live.seq, 8);
  });

  it("asks for a resume from its seq on a gap, and applies the replay and the held events in order", () => {
    const log = liveAt(10);
    socket().receive(event(11));
    socket().receive(event(13)); // 12 is missing
    assert.deepEqual(log.events, [11]);
    assert.deepEqual(resumes(), [null, 11]);
    socket().receive(event(14)); // still missing 12: held too, and no second resume
    assert.deepEqual(resumes(), [null, 11]);
    // The replay: 12, then 13 and 14 again (the server does not know what the page holds).
    for (const seq of [12, 13, 14]) socket().receive(event(seq));
    socket().receive({ type: "resumed", seq: 14 });
    assert.deepEqual(log.events, [11, 12, 13, 14]);
    assert.deepEqual(resumes(), [null, 11]);
    assert.equal(live.seq, 14);
  });

  it("applies nothing twice when a snapshot answers the resume", () => {
    const log = liveAt(1);
    socket().receive(event(5)); // far ahead: held, resume from 1
    socket().receive(event(7));
    assert.deepEqual(resumes(), [null, 1]);
    socket().receive({ type: "snapshot", seq: 5, state: {} }); // too far behind for a replay
    assert.deepEqual(log.events, []); // 5 is in the snapshot; 7 waits for 6
    socket().receive(event(6));
    assert.deepEqual(log.events, [6, 7]);
    assert.equal(live.seq, 7);
  });

  it("advances its seq on a skip frame without applying anything", () => {
    const log = liveAt(3);
    socket().receive({ type: "skip", seq: 4 });
    assert.deepEqual(log.events, []);
    assert.equal(live.seq, 4);
    socket().receive(event(5));
    assert.deepEqual(log.events, [5]);
    // A skip also fills a gap: the held event after it is applied, with no resume needed twice.
    socket().receive(event(7));
    assert.deepEqual(resumes(), [null, 5]);
    socket().receive({ type: "skip", seq: 6 });
    assert.deepEqual(log.events, [5, 7]);
    assert.equal(live.seq, 7);
  });

  it("drops held events that a snapshot covers, so that they do not fill the hold (500)", () => {
    const log = start();
    hello();
    for (let seq = 1; seq <= 500; seq += 1) socket().receive(event(seq)); // a slow first snapshot
    socket().receive({ type: "snapshot", seq: 500, state: {} });
    socket().receive(event(502)); // a gap: held, if there is room
    socket().receive(event(501));
    assert.deepEqual(log.events, [501, 502]);
  });

  it("asks for a snapshot when the replay stops short of the server", () => {
    liveAt(2);
    socket().receive(event(4));
    assert.deepEqual(resumes(), [null, 2]);
    socket().receive({ type: "resumed", seq: 4 }); // 3 never came
    assert.deepEqual(resumes(), [null, 2, null]);
  });

  it("asks for a snapshot when the page cannot apply an event", () => {
    const log = liveAt(1, { onEvent: (name) => name !== "something.new" });
    socket().receive(event(2, "something.new"));
    assert.deepEqual(log.events, [2]);
    assert.deepEqual(resumes(), [null, null]);
  });

  it("passes ballot counts on only once there is a room to count in", () => {
    const log = start();
    hello();
    socket().receive({ type: "progress", poll: 1, voted: 3, entitled: 9 });
    assert.deepEqual(log.progress, []);
    socket().receive({ type: "snapshot", seq: 0, state: {} });
    socket().receive({ type: "progress", poll: 1, voted: 4, entitled: 9 });
    assert.deepEqual(log.progress, [4]);
  });

  it("shows a refused message's text", () => {
    const log = liveAt(0);
    socket().receive({ type: "error", code: "rate_limited", message: "Chậm lại." });
    assert.deepEqual(log.errors, ["Chậm lại."]);
  });
});

describe("socket.js: reconnecting", () => {
  it("resumes from its seq after a reconnect and sends unacked commands again with their id", async () => {
    const log = liveAt(4);
    const first = socket();
    const acked = live.command("speaker.request", { position: "for" });
    const [sent] = first.sentOf("command");
    assert.equal(live.pendingCount, 1);

    first.drop(1006); // the network went away
    assert.equal(log.states.at(-1), "lost");
    mock.timers.tick(500);
    assert.equal(FakeSocket.made.length, 2);
    hello(socket(), 4);
    assert.deepEqual(resumes(), [4]);
    assert.deepEqual(socket().sentOf("command"), [sent]);

    socket().receive({ type: "ack", id: sent.id, ok: true, seq: 5, result: {} });
    assert.deepEqual(await acked, { type: "ack", id: sent.id, ok: true, seq: 5, result: {} });
    assert.equal(live.pendingCount, 0);
  });

  it("waits longer after each failed attempt, up to 10 s", () => {
    start();
    const waits = [];
    for (let i = 0; i < 7; i += 1) {
      const count = FakeSocket.made.length;
      socket().drop(1006);
      let waited = 0;
      while (FakeSocket.made.length === count) {
        mock.timers.tick(100);
        waited += 100;
      }
      waits.push(waited);
    }
    assert.deepEqual(waits, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("closes a socket whose ping goes unanswered, and reconnects", () => {
    const log = liveAt(0);
    mock.timers.tick(25000);
    assert.equal(socket().sentOf("ping").length, 1);
    mock.timers.tick(10000);
    assert.equal(log.states.at(-1), "lost");
    mock.timers.tick(500);
    assert.equal(FakeSocket.made.length, 2);
  });
});

describe("socket.js: close codes", () => {
  /** Ticks until just before and just after `ms`; returns the sockets made at each point. */
  function socketsAround(ms) {
    mock.timers.tick(ms - 1);
    const before = FakeSocket.made.length;
    mock.timers.tick(1);
    return [before, FakeSocket.made.length];
  }

  it("4409 (too many pages open in this browser): says so, and tries again after 30 s", () => {
    const log = liveAt(0);
    socket().drop(4409);
    assert.equal(log.states.at(-1), "toomany");
    assert.deepEqual(socketsAround(30000), [1, 2]);
  });

  it("4401 (signed out): says so and never reconnects", () => {
    const log = liveAt(0);
    socket().drop(4401);
    assert.equal(log.states.at(-1), "signedout");
    mock.timers.tick(10 * 60 * 1000);
    assert.equal(FakeSocket.made.length, 1);
  });

  it("4403 (not a participant): says so and never reconnects", () => {
    const log = liveAt(0);
    socket().drop(4403);
    assert.equal(log.states.at(-1), "denied");
    mock.timers.tick(10 * 60 * 1000);
    assert.equal(FakeSocket.made.length, 1);
  });

  it("4429 (flood): backs off for 15 s before reconnecting", () => {
    const log = liveAt(0);
    socket().drop(4429);
    assert.equal(log.states.at(-1), "lost");
    assert.deepEqual(socketsAround(15000), [1, 2]);
  });

  it("4500 (server error): reconnects at once (after the first back-off step)", () => {
    const log = liveAt(0);
    socket().drop(4500);
    assert.equal(log.states.at(-1), "lost");
    assert.deepEqual(socketsAround(500), [1, 2]);
  });

  it("close() by the page: no reconnect", () => {
    liveAt(0);
    live.close();
    mock.timers.tick(60000);
    assert.equal(FakeSocket.made.length, 1);
  });
});
