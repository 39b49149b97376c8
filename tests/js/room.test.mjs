// node --test: the live room's reducers (cabinet/static/cabinet/js/live/room.js): a snapshot, then
// events applied to it, as the meeting socket delivers them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { EVENT } from "../../cabinet/static/cabinet/js/live/protocol.js";
import { clockRemaining, createRoom, formatSeconds } from "../../cabinet/static/cabinet/js/live/room.js";

const ME = 21; // this tablet's participant

function snapshot(extra = {}) {
  return {
    meeting: { id: 1, status: "published", status_label: "Đã phát hành" },
    items: [
      { id: 1, number: "1", title: "Khai mạc" },
      { id: 2, number: "2", title: "Ngân sách" },
    ],
    current_item: 1,
    clock: null,
    participants: [
      { id: ME, name: "Nguyễn Văn A", can_vote: true },
      { id: 22, name: "Trần Thị B", can_vote: true },
    ],
    attendance: {},
    queue: [],
    polls: [],
    presenter: null,
    me: { participant: ME, user: 5, polls: {} },
    ...extra,
  };
}

/** A room at seq 10 from `snapshot(extra)`; `seen` lists the events its subscribers were told of. */
function roomWith(extra) {
  const room = createRoom();
  const seen = [];
  room.subscribe((state, event) => seen.push(event?.name));
  room.setSnapshot(snapshot(extra), 10);
  return { room, seen };
}

const request = (id, fields = {}) => ({ id, item: 1, participant: 22, status: "waiting", position: "for", order: id, ...fields });
const poll = (id, fields = {}) => ({ id, item: 1, question: `Câu ${id}`, state: "prepared", kind: "open", options: [], ...fields });

describe("room.js reducers", () => {
  it("keeps the snapshot as its own copy and tells subscribers", () => {
    const state = snapshot();
    const { room, seen } = roomWith();
    room.setSnapshot(state, 3);
    state.items.push({ id: 9 });
    assert.equal(room.state.items.length, 2);
    assert.equal(room.seq, 3);
    assert.deepEqual(seen, ["snapshot", "snapshot"]);
  });

  it("applies a known event, sets its seq and tells subscribers", () => {
    const { room, seen } = roomWith();
    const clock = { duration_s: 600, elapsed_s: 0, running_since: null };
    assert.equal(room.apply(EVENT.ITEM_CURRENT, { item: 2, clock }, 11), "applied");
    assert.equal(room.state.current_item, 2);
    assert.deepEqual(room.state.clock, clock);
    assert.equal(room.seq, 11);
    assert.deepEqual(seen, ["snapshot", EVENT.ITEM_CURRENT]);
    assert.equal(room.currentItem().title, "Ngân sách");
  });

  it("calls paper events irrelevant and unknown events unknown, changing nothing", () => {
    const { room, seen } = roomWith();
    assert.equal(room.apply("paper.version_added", { paper: 3, version: 2 }, 11), "irrelevant");
    assert.equal(room.apply("participant.invited", {}, 12), "unknown");
    assert.equal(room.seq, 10);
    assert.deepEqual(seen, ["snapshot"]);
  });

  it("answers unknown before any snapshot", () => {
    assert.equal(createRoom().apply(EVENT.TIMER_CHANGED, { clock: null }, 1), "unknown");
  });

  it("meeting.started and meeting.ended change the status and leave its label to labels.js", () => {
    const { room } = roomWith();
    room.apply(EVENT.MEETING_STARTED, { status: "in_session" }, 11);
    assert.deepEqual(room.state.meeting, { id: 1, status: "in_session", status_label: null });
    room.apply(EVENT.MEETING_ENDED, { status: "ended" }, 12);
    assert.equal(room.state.meeting.status, "ended");
  });

  it("attendance.changed records a status and forgets it when unknown", () => {
    const { room } = roomWith();
    const quorum = { present: 1, required: 2 };
    room.apply(EVENT.ATTENDANCE_CHANGED, { participant: ME, status: "absent", reason: "Ốm", at: "t", quorum }, 11);
    assert.deepEqual(room.attendanceOf(ME), { status: "absent", reason: "Ốm", substitute: "", at: "t" });
    assert.deepEqual(room.state.quorum, quorum);
    room.apply(EVENT.ATTENDANCE_CHANGED, { participant: ME, status: "unknown" }, 12);
    assert.equal(room.attendanceOf(ME), null);
  });

  it("speaker events keep the queue: one speaker, then the waiting list in the chair's order", () => {
    const { room } = roomWith();
    room.apply(EVENT.SPEAKER_REQUESTED, { request: request(1) }, 11);
    room.apply(EVENT.SPEAKER_REQUESTED, { request: request(2, { participant: ME }) }, 12);
    room.apply(EVENT.SPEAKER_REQUESTED, { request: request(3) }, 13);
    assert.equal(room.myRequest(1).id, 2);
    room.apply(EVENT.SPEAKER_REORDERED, { item: 1, order: [3, 1, 2] }, 14);
    assert.deepEqual(room.queueOf(1).map((r) => r.id), [3, 1, 2]);
    room.apply(EVENT.SPEAKER_FLOOR, { request: request(2, { participant: ME, status: "speaking" }) }, 15);
    assert.deepEqual(room.queueOf(1).map((r) => r.id), [2, 3, 1]);
    // The next speaker: the previous one's speech is over even without its own event.
    room.apply(EVENT.SPEAKER_FLOOR, { request: request(1, { status: "speaking" }) }, 16);
    assert.equal(room.speaking().id, 1);
    assert.deepEqual(room.queueOf(1).map((r) => r.id), [1, 3]);
    room.apply(EVENT.SPEAKER_WITHDRAWN, { request: 3 }, 17);
    room.apply(EVENT.SPEAKER_ENDED, { request: 1 }, 18);
    assert.deepEqual(room.queueOf(1), []);
    assert.equal(room.speaking(), null);
  });

  it("leaves out requests and polls on items this tablet cannot see", () => {
    const { room } = roomWith();
    assert.equal(room.apply(EVENT.SPEAKER_REQUESTED, { request: request(1, { item: 99 }) }, 11), "applied");
    assert.deepEqual(room.state.queue, []);
    room.apply(EVENT.POLL_CREATED, { poll: poll(1, { item: 99 }) }, 12);
    assert.deepEqual(room.state.polls, []);
  });

  it("presenter.page needs a known presenter, otherwise the room is asked for again", () => {
    const { room } = roomWith();
    assert.equal(room.apply(EVENT.PRESENTER_PAGE, { paper: 3, version: 1, page: 4 }, 11), "unknown");
    assert.equal(room.seq, 10);
    const presenter = { participant: 22, paper: 3, version: 1, page: 1, title: "Tờ trình" };
    room.apply(EVENT.PRESENTER_CHANGED, { presenter }, 11);
    assert.equal(room.apply(EVENT.PRESENTER_PAGE, { paper: 3, version: 1, page: 4 }, 12), "applied");
    assert.deepEqual(room.state.presenter, { ...presenter, page: 4 });
    room.apply(EVENT.PRESENTER_CHANGED, { presenter: null }, 13);
    assert.equal(room.state.presenter, null);
  });

  it("poll events: entitled only if among the voters at the opening; the result's count is final", () => {
    const { room } = roomWith();
    room.apply(EVENT.POLL_CREATED, { poll: poll(1) }, 11);
    assert.deepEqual(room.poll(1), { ...poll(1), voted: 0, result: null });
    room.apply(EVENT.POLL_OPENED, { poll: poll(1, { state: "open" }), voters: [22, ME] }, 12);
    assert.deepEqual(room.myPoll(1), { entitled: true, receipt: null });
    room.progress({ poll: 1, voted: 2, entitled: 2 });
    room.progress({ poll: 1, voted: 1, entitled: 2 }); // an older count, from another process
    assert.equal(room.poll(1).voted, 2);
    room.setReceipt(1, "BQ-123");
    assert.deepEqual(room.myPoll(1), { entitled: true, receipt: "BQ-123" });
    const result = { cast: 2, passed: true };
    room.apply(EVENT.POLL_CLOSED, { poll: poll(1, { state: "closed" }), result }, 13);
    assert.equal(room.poll(1).voted, 2);
    assert.deepEqual(room.poll(1).result, result);
    room.apply(EVENT.POLL_PUBLISHED, { poll: poll(1, { state: "published" }), result: { ...result, cast: 3 } }, 14);
    assert.equal(room.poll(1).voted, 3);
    assert.equal(room.poll(1).state, "published");
  });

  it("poll.opened without this member among the voters, and poll.reset, take the entitlement away", () => {
    const { room } = roomWith({ me: { participant: ME, user: 5, polls: { 1: { entitled: true, receipt: null } } } });
    room.apply(EVENT.POLL_OPENED, { poll: poll(1, { state: "open" }), voters: [22] }, 11);
    assert.equal(room.myPoll(1), null);
    room.apply(EVENT.POLL_OPENED, { poll: poll(2, { state: "open" }), voters: [ME] }, 12);
    room.apply(EVENT.POLL_RESET, { poll: poll(2) }, 13);
    assert.equal(room.myPoll(2), null);
    assert.deepEqual([room.poll(2).voted, room.poll(2).result], [0, null]);
  });

  it("has a reducer for every event name in protocol.js", () => {
    const data = { request: request(1), poll: poll(1), presenter: null, status: "in_session", order: [] };
    for (const name of Object.values(EVENT)) {
      const { room } = roomWith({ presenter: { participant: 22, paper: 3, version: 1, page: 1 } });
      assert.equal(room.apply(name, data, 11), "applied", name);
    }
  });
});

describe("room.js clocks", () => {
  it("counts down a running clock and shows overtime with a plus", () => {
    const clock = { duration_s: 120, elapsed_s: 30, running_since: "2026-01-01T08:00:00Z" };
    assert.equal(clockRemaining(clock, Date.parse("2026-01-01T08:01:00Z")), 30);
    assert.equal(clockRemaining(null, 0), null);
    assert.equal(formatSeconds(75), "01:15");
    assert.equal(formatSeconds(-5), "+00:05");
  });
});
