// Sending a member's ballot so that one tap is counted once, whatever the network does.
//
// A tap gets one command id, made here and never replaced: the server keys the ballot's receipt on
// it, so every retry of that id (over the socket, over HTTP, after a reload) gets the same receipt
// and never makes a second ballot. The id waits in sessionStorage until an answer comes:
//   - the socket keeps the command pending and sends it again after each reconnect;
//   - if no ack has come after a moment (or the socket is down), the same id also goes to
//     POST /polls/<id>/vote/, retried with a growing pause: a vote never depends on the socket;
//   - after a reload, a ballot still without a receipt in the snapshot is sent again.
// Storage is keyed by meeting and user, so a tablet handed to someone else never sends the
// previous user's ballot.
import { api, ApiError } from "../viewer/api.js";
import { commandId } from "./socket.js";

const HTTP_AFTER_MS = 3000; // an ack normally takes milliseconds; after this, try HTTP as well
const HTTP_RETRY_MAX_MS = 10000;
const FORGET_AFTER_MS = 6 * 3600 * 1000; // a ballot waiting longer than a meeting day is stale

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * live: from startRoom; onChange(): redraw (a ballot started, was answered, or was refused).
 * Per poll, status(pollId) is null or {state: "sending" | "done" | "refused", option, label, message}.
 */
export function createBallots({ live, meetingId, onChange }) {
  const { room } = live;
  const status = new Map(); // poll id → {state, option, label, message}
  const inflight = new Set(); // poll ids being sent now
  let key = null; // sessionStorage key, once we know who is signed in

  const load = () => {
    try {
      return JSON.parse(sessionStorage.getItem(key) || "{}");
    } catch {
      return {};
    }
  };
  const save = (all) => {
    try {
      sessionStorage.setItem(key, JSON.stringify(all));
    } catch {
      // private mode or full: the socket still retries for as long as the page stays open
    }
  };
  const remember = (pollId, entry) => {
    const all = load();
    if (entry) all[pollId] = entry;
    else delete all[pollId];
    save(all);
  };

  function settle(pollId, outcome) {
    const poll = room.poll(pollId);
    const entry = load()[pollId];
    if (outcome.receipt) {
      room.setReceipt(pollId, outcome.receipt);
      // One's own choice of a named poll stays on show ("Đồng chí đã chọn", also after a reload);
      // a secret one leaves neither the screen nor the tablet once it is counted.
      const named = poll?.kind === "open";
      status.set(pollId, named ? { state: "done", option: entry?.option, label: entry?.label } : { state: "done" });
      remember(pollId, named ? { ...entry, done: true } : null);
    } else {
      status.set(pollId, { state: "refused", message: outcome.message });
      remember(pollId, null);
      // The refusal may mean our copy is behind (voted on another device, poll closed): ask
      // for the room as the server has it.
      live.socket.refresh();
    }
    onChange();
  }

  /** Send a stored ballot until the socket or HTTP gives an answer. Same id every time. */
  function send(pollId, entry) {
    if (inflight.has(pollId)) return;
    inflight.add(pollId);
    status.set(pollId, { state: "sending", option: entry.option, label: entry.label });
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      inflight.delete(pollId);
      settle(pollId, outcome);
    };
    live.socket.command("vote.cast", { poll: pollId, option: entry.option }, entry.id).then((ack) => {
      finish(ack.ok ? { receipt: ack.result.receipt } : { message: ack.message });
    });
    (async () => {
      let wait = live.connection === "live" ? HTTP_AFTER_MS : 0;
      let pause = 1000;
      while (!settled) {
        await sleep(wait);
        if (settled) return;
        try {
          const data = await api(`/polls/${pollId}/vote/`, {
            method: "POST",
            body: { option: entry.option, client_id: entry.id },
          });
          finish({ receipt: data.receipt });
        } catch (error) {
          // 400 (refused), 401 (signed out), 404: the server's answer. A network error, a 5xx or
          // a CSRF failure says nothing about the ballot: keep trying (the socket may answer).
          const final = error instanceof ApiError && [400, 401, 404].includes(error.status);
          if (final) finish({ message: error.message });
        }
        wait = pause;
        pause = Math.min(pause * 2, HTTP_RETRY_MAX_MS);
      }
    })();
    onChange();
  }

  return {
    status(pollId) {
      return status.get(pollId) || null;
    },
    /** The member confirmed a choice: one new id for this tap. */
    cast(poll, option) {
      if (!key || inflight.has(poll.id)) return;
      const entry = { id: commandId(), option: option.id, label: option.label, at: Date.now() };
      remember(poll.id, entry);
      send(poll.id, entry);
    },
    /** A refusal has been read, or a permitted change begins: forget the local status. */
    clear(pollId) {
      if (!inflight.has(pollId)) status.delete(pollId);
    },
    /**
     * After each snapshot (page load, reconnect too far behind): pick up what this tab stored.
     * Ballots answered meanwhile are marked done; the others go again with their own id.
     */
    resume(state) {
      if (!state.me) return;
      key = `ballots:m${meetingId}:u${state.me.user}`;
      const all = load();
      for (const [id, entry] of Object.entries(all)) {
        const pollId = Number(id);
        const poll = room.poll(pollId);
        const mine = room.myPoll(pollId);
        if (!poll || !mine || Date.now() - (entry.at || 0) > FORGET_AFTER_MS) {
          remember(pollId, null);
        } else if (mine.receipt) {
          const named = poll.kind === "open";
          if (!status.has(pollId)) status.set(pollId, named ? { state: "done", option: entry.option, label: entry.label } : { state: "done" });
          if (!named) remember(pollId, null);
        } else if (entry.done) {
          remember(pollId, null); // answered once, yet the server has no ballot: nothing to show
        } else {
          send(pollId, entry);
        }
      }
    },
  };
}
