// The chair's console: the whole room on one screen, run through socket commands. Nothing here
// reloads the page; every change arrives as an event (or a snapshot) and is redrawn from the state.
import { startRoom } from "./connect.js";
import { setupPolls } from "./console-polls.js";
import { h, setText } from "./dom.js";
import { t } from "./labels.js";
import {
  attendanceLabel,
  itemTitle,
  presenterText,
  renderClock,
  renderQuorum,
  renderSpeaking,
  renderStatusBadge,
  renderStatusDependent,
  requestSummary,
  tickSpeechClocks,
} from "./render-common.js";

const root = document.getElementById("console");
const $ = (id) => document.getElementById(id);
const STATUSES = ["present", "online", "absent", "represented", "unknown"];

const live = startRoom({ meetingId: root.dataset.meeting });
const { room, run } = live;

// --- Agenda ----------------------------------------------------------------------------------------

function renderAgenda(state) {
  const list = $("c-agenda");
  list.replaceChildren(
    ...state.items.map((item) => {
      const current = item.id === state.current_item;
      return h(
        "li",
        {
          class: `${item.number.includes(".") ? "sub " : ""}${current ? "is-current" : ""}`,
          "aria-current": current ? "step" : null,
          "data-item": item.id,
        },
        h(
          "span",
          { class: "agenda-text" },
          `${item.number}. ${item.title}`,
          h("small", {}, [item.presenter, item.planned_minutes ? `${item.planned_minutes} ${t("minutes")}` : ""].filter(Boolean).join(" · ")),
        ),
        current
          ? h("span", { class: "badge badge-current" }, t("current"))
          : h("button", { class: "btn btn-small", type: "button", "data-goto": item.id }, t("moveTo")),
      );
    }),
  );
  const index = state.items.findIndex((item) => item.id === state.current_item);
  /** @type {HTMLButtonElement} */ (root.querySelector('[data-move="prev"]')).disabled = index <= 0;
  /** @type {HTMLButtonElement} */ (root.querySelector('[data-move="next"]')).disabled = index >= state.items.length - 1;
}

// --- Current item, clock, presenter -------------------------------------------------------------------

function renderNow(state, now) {
  setText($("c-item"), itemTitle(room, state.current_item));
  renderClock($("c-clock"), state.clock, now);
  $("c-clock-tools").hidden = !state.clock;
  const running = Boolean(state.clock?.running_since);
  $("c-timer-start").hidden = running;
  $("c-timer-pause").hidden = !running;

  const presenter = state.presenter;
  $("c-presenter").replaceChildren(
    ...(presenter
      ? [
          h("span", {}, presenterText(presenter), h("small", {}, t("presentingBy", { name: presenter.name }))),
          h("button", { class: "btn btn-danger", type: "button", "data-command": "presenter.stop" }, t("stopPresenting")),
        ]
      : [h("span", { class: "muted" }, t("nobodyPresenting"))]),
  );
}

// --- Speakers ------------------------------------------------------------------------------------------

function waitingOf(state) {
  if (state.current_item == null) return [];
  return room.queueOf(state.current_item).filter((r) => r.status === "waiting");
}

function renderQueue(state, now) {
  const speaking = room.speaking();
  const box = $("c-speaking");
  renderSpeaking(box, room, now);
  if (speaking && !box.hidden) {
    box.append(h("button", { class: "btn btn-danger", type: "button", "data-end": speaking.id }, t("endSpeech")));
  }
  const waiting = waitingOf(state);
  $("c-queue").replaceChildren(
    ...waiting.map((request, i) => {
      const words = requestSummary(room, request);
      return h(
        "li",
        { class: "queue-entry", "data-request": request.id },
        h("span", { class: "queue-no" }, String(i + 1)),
        h(
          "span",
          { class: "queue-who" },
          h("span", { class: "speaker-name" }, words.name),
          h("span", { class: `pos pos-${request.position}` }, words.position),
          words.note ? h("small", { class: "queue-note" }, words.note) : null,
        ),
        h(
          "span",
          { class: "queue-tools" },
          h("button", { class: "btn btn-small btn-icon", type: "button", "data-reorder": "up", "data-id": request.id, "aria-label": t("up"), disabled: i === 0 }, "▲"),
          h("button", { class: "btn btn-small btn-icon", type: "button", "data-reorder": "down", "data-id": request.id, "aria-label": t("down"), disabled: i === waiting.length - 1 }, "▼"),
          h("button", { class: "btn btn-small btn-primary", type: "button", "data-floor": request.id }, t("giveFloor")),
          h("button", { class: "btn btn-small btn-ghost", type: "button", "data-withdraw": request.id, "aria-label": t("withdraw"), title: t("withdraw") }, "×"),
        ),
      );
    }),
  );
  $("c-queue-empty").hidden = waiting.length > 0;
  setText($("c-queue-empty"), speaking ? t("noneWaiting") : t("queueEmpty"));
}

// --- Attendance ----------------------------------------------------------------------------------------
// Rows are kept between renders so that a half-typed reason is not wiped by someone else's event.

const rows = new Map(); // participant id → {tr, select, extra, input}
const editing = new Set(); // participant ids whose select/input the chair is changing

function makeRow(person) {
  const select = h(
    "select",
    { "aria-label": t("attendanceOf", { name: person.name }), "data-participant": person.id },
    ...STATUSES.map((status) => h("option", { value: status }, status === "online" ? t("attShort_online") : t(`att_${status}`))),
  );
  const input = h("input", { type: "text", maxlength: 300, "data-participant": person.id });
  const save = h("button", { class: "btn btn-small", type: "button", "data-save": person.id }, t("save"));
  const extra = h("div", { class: "att-extra", hidden: true }, input, save);
  const who = h(
    "td",
    {},
    h("strong", {}, person.name),
    h("small", { title: [person.position, person.unit].filter(Boolean).join(" · ") }, person.position || person.unit || ""),
    person.substitute_for ? h("small", {}, t("substituteFor", { name: person.substitute_for })) : null,
  );
  const tr = h("tr", { "data-participant": person.id }, who, h("td", {}, select, extra));
  return { tr, select, extra, input };
}

function showExtra(row, status, entry) {
  const needs = status === "absent" || status === "represented";
  row.extra.hidden = !needs;
  row.input.placeholder = status === "absent" ? t("reasonPlaceholder") : t("substitutePlaceholder");
  row.input.maxLength = status === "absent" ? 300 : 150;
  if (entry && !editing.has(Number(row.select.dataset.participant))) {
    row.input.value = status === "absent" ? entry.reason || "" : entry.substitute || "";
  }
}

function renderAttendance(state) {
  const ids = state.participants.map((p) => p.id);
  const same = ids.length === rows.size && ids.every((id) => rows.has(id));
  if (!same) {
    rows.clear();
    $("c-attendance").replaceChildren(
      ...state.participants.map((person) => {
        const row = makeRow(person);
        rows.set(person.id, row);
        return row.tr;
      }),
    );
  }
  for (const person of state.participants) {
    const row = rows.get(person.id);
    if (editing.has(person.id)) continue;
    const entry = room.attendanceOf(person.id);
    const status = entry?.status || "unknown";
    row.select.value = status;
    row.select.title = attendanceLabel(entry);
    row.tr.dataset.status = status;
    showExtra(row, status, entry);
  }
  renderQuorum($("c-quorum"), state.quorum);
}

// --- Drawing everything ---------------------------------------------------------------------------------

function render(state) {
  const now = live.now();
  renderStatusBadge($("meeting-status"), state.meeting);
  renderStatusDependent(root, state.meeting.status);
  renderAgenda(state);
  renderNow(state, now);
  renderQueue(state, now);
  renderAttendance(state);
  root.dataset.ready = "true";
}

// Ballot counts (up to twice a second during a vote) only change the poll card: redrawing the
// agenda and the queue for them would swap buttons under the chair's finger.
room.subscribe((state, event) => event?.name !== "progress" && render(state));
setupPolls({ live, root });
live.onTick((now) => {
  if (!room.state) return;
  renderClock($("c-clock"), room.state.clock, now);
  tickSpeechClocks(root, room, now);
});

// --- Commands ---------------------------------------------------------------------------------------------

/** Run a command from a button, disabled until the ack (a refusal shows its message). */
async function press(button, name, args = {}) {
  button.disabled = true;
  try {
    return await run(name, args);
  } finally {
    button.disabled = false;
  }
}

function floorMinutes() {
  const n = Number.parseInt(/** @type {HTMLInputElement} */ ($("c-minutes")).value, 10);
  return Number.isFinite(n) ? Math.max(1, Math.min(60, n)) : 5;
}

root.addEventListener("click", (event) => {
  const button = /** @type {Element} */ (event.target).closest("button");
  if (!button || !room.state) return;
  const state = room.state;
  const { dataset } = button;
  if (dataset.command) {
    const confirmText = { "meeting.start": t("confirmStart"), "meeting.end": t("confirmEnd") }[dataset.command];
    if (confirmText && !window.confirm(confirmText)) return;
    press(button, dataset.command);
  } else if (dataset.goto) {
    press(button, "item.move", { item: Number(dataset.goto) });
  } else if (dataset.move) {
    const index = state.items.findIndex((item) => item.id === state.current_item);
    const next = state.items[dataset.move === "next" ? index + 1 : index - 1];
    if (next) press(button, "item.move", { item: next.id });
  } else if (dataset.adjust) {
    press(button, "timer.adjust", { minutes: Number(dataset.adjust) });
  } else if (dataset.floor) {
    press(button, "speaker.give_floor", { request: Number(dataset.floor), minutes: floorMinutes() });
  } else if (dataset.end) {
    press(button, "speaker.end", { request: Number(dataset.end) });
  } else if (dataset.withdraw) {
    press(button, "speaker.withdraw", { request: Number(dataset.withdraw) });
  } else if (dataset.reorder) {
    // The server wants the whole new order of the item's waiting list, not a single move.
    const order = waitingOf(state).map((r) => r.id);
    const id = Number(dataset.id);
    const i = order.indexOf(id);
    const j = dataset.reorder === "up" ? i - 1 : i + 1;
    if (i < 0 || j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j], order[i]];
    press(button, "speaker.reorder", { item: state.current_item, order });
  } else if (dataset.save) {
    const pid = Number(dataset.save);
    saveAttendance(pid, button);
  }
});

async function saveAttendance(pid, button) {
  const row = rows.get(pid);
  const status = row.select.value;
  const args = { participant: pid, status };
  const text = row.input.value.trim();
  if (status === "absent" && text) args.reason = text;
  if (status === "represented" && text) args.substitute = text;
  const ack = button ? await press(button, "attendance.mark", args) : await run("attendance.mark", args);
  if (ack.ok) editing.delete(pid);
  if (room.state) renderAttendance(room.state);
}

$("c-attendance").addEventListener("change", (event) => {
  const select = /** @type {HTMLSelectElement | null} */ (/** @type {Element} */ (event.target).closest("select[data-participant]"));
  if (!select) return;
  const pid = Number(select.dataset.participant);
  const row = rows.get(pid);
  if (select.value === "absent" || select.value === "represented") {
    // Wait for the reason or the substitute's name; "Lưu" sends it.
    editing.add(pid);
    row.input.value = "";
    showExtra(row, select.value, null);
    row.input.focus();
    return;
  }
  editing.delete(pid);
  saveAttendance(pid, null);
});

$("c-attendance").addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  const input = /** @type {HTMLInputElement | null} */ (/** @type {Element} */ (event.target).closest("input[data-participant]"));
  if (input) saveAttendance(Number(input.dataset.participant), null);
});
