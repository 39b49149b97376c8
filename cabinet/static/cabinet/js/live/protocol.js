// The names that cross the meeting socket, in one place for the front end. Their Python side:
// realtime/events.py (message types: Message; close codes: Close) and
// cabinet/core/event_types.py (event names: Event).
//
// tests/realtime/test_protocol_names.py reads this file with a regular expression and checks it
// against them, so keep its form: `export const NAME = Object.freeze({` and then one
// `KEY: "value",` (or `KEY: 1234,`) per line, closed by `});`.

/** Message types: the "type" of every message, both ways. */
export const MSG = Object.freeze({
  HELLO: "hello",
  EVENT: "event",
  SNAPSHOT: "snapshot",
  RESUMED: "resumed",
  ACK: "ack",
  ERROR: "error",
  PING: "ping",
  PONG: "pong",
  PROGRESS: "progress",
  RESUME: "resume",
  COMMAND: "command",
  SKIP: "skip",
});

/** WebSocket close codes sent by the server. */
export const CLOSE = Object.freeze({
  SIGNED_OUT: 4401,
  FORBIDDEN: 4403,
  TOO_MANY: 4409,
  FLOOD: 4429,
  SERVER_ERROR: 4500,
});

/** Meeting events (an "event" message's name) that the room reducers and pages apply. */
export const EVENT = Object.freeze({
  MEETING_STARTED: "meeting.started",
  MEETING_ENDED: "meeting.ended",
  ITEM_CURRENT: "item.current",
  TIMER_CHANGED: "timer.changed",
  ATTENDANCE_CHANGED: "attendance.changed",
  SPEAKER_REQUESTED: "speaker.requested",
  SPEAKER_WITHDRAWN: "speaker.withdrawn",
  SPEAKER_REORDERED: "speaker.reordered",
  SPEAKER_FLOOR: "speaker.floor",
  SPEAKER_ENDED: "speaker.ended",
  PRESENTER_CHANGED: "presenter.changed",
  PRESENTER_PAGE: "presenter.page",
  POLL_CREATED: "poll.created",
  POLL_OPENED: "poll.opened",
  POLL_CLOSED: "poll.closed",
  POLL_PUBLISHED: "poll.published",
  POLL_RESET: "poll.reset",
});

/** Families of events handled by their prefix (the paper lists and agenda are server-rendered). */
export const EVENT_PREFIX = Object.freeze({
  PAPER: "paper.",
  AGENDA: "agenda.",
});
