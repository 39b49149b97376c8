// Pieces drawn the same way on the meeting page and the chair's console.
import { h, setText } from "./dom.js";
import { t } from "./labels.js";
import { clockRemaining, formatSeconds, speechRemaining } from "./room.js";

export function statusLabel(meeting) {
  return t(`status_${meeting.status}`) || meeting.status_label || meeting.status;
}

/** The meeting status badge (server-rendered `.badge`), kept in step with the room. */
export function renderStatusBadge(el, meeting) {
  if (!el) return;
  el.className = `badge badge-${meeting.status}`;
  setText(el, statusLabel(meeting));
}

/** Elements marked data-live-status="a b" are shown only while the meeting is in one of those. */
export function renderStatusDependent(root, status) {
  for (const el of root.querySelectorAll("[data-live-status]")) {
    el.hidden = !el.dataset.liveStatus.split(" ").includes(status);
  }
}

export function attendanceLabel(entry) {
  const status = entry?.status || "unknown";
  let text = t(`att_${status}`);
  if (status === "absent" && entry.reason) text += ` (${entry.reason})`;
  if (status === "represented" && entry.substitute) text += `: ${entry.substitute}`;
  return text;
}

export function quorumText(quorum) {
  if (!quorum) return "";
  const verdict = quorum.reached ? t("quorumReached") : t("quorumNotReached", { required: quorum.required });
  return t("quorum", { present: quorum.present, total: quorum.total, verdict });
}

export function renderQuorum(el, quorum) {
  if (!el) return;
  setText(el, quorumText(quorum));
  el.dataset.reached = quorum?.reached ? "true" : "false";
}

export function itemTitle(room, itemId) {
  if (itemId == null) return t("noCurrentItem");
  const item = room.item(itemId);
  if (!item) return t("restrictedItem");
  return `${item.number}. ${item.title}`;
}

/** Fill a clock element: mm:ss, red "+mm:ss" in overtime, paused state in data-running. */
export function renderClock(el, clock, nowMs) {
  if (!el) return;
  const left = clockRemaining(clock, nowMs);
  if (left === null) {
    setText(el, "");
    el.hidden = true;
    return;
  }
  el.hidden = false;
  setText(el, formatSeconds(left));
  el.dataset.over = left < 0 ? "true" : "false";
  el.dataset.running = clock.running_since ? "true" : "false";
  el.title = left < 0 ? t("overtime") : clock.running_since ? t("timerRunning") : t("timerPaused");
}

export function renderSpeechClock(el, request, nowMs) {
  if (!el) return;
  const left = speechRemaining(request, nowMs);
  setText(el, left === null ? "" : formatSeconds(left));
  el.dataset.over = left !== null && left < 0 ? "true" : "false";
}

export function personName(room, participantId) {
  const person = room.participant(participantId);
  return person ? person.name : "—";
}

/** One queue entry's words: name, unit, position and note (all as text). */
export function requestSummary(room, request) {
  const person = room.participant(request.participant);
  const unit = person?.unit ? ` (${person.unit})` : "";
  return {
    name: `${person ? person.name : "—"}${unit}`,
    position: t(`pos_${request.position}`),
    note: request.note || "",
  };
}

/** "Đang phát biểu: name — 04:12" block, or hidden. */
export function renderSpeaking(el, room, nowMs) {
  if (!el) return;
  const request = room.speaking();
  const visible = request && room.item(request.item);
  el.hidden = !visible;
  if (!visible) return;
  const words = requestSummary(room, request);
  const clock = h("span", { class: "speech-clock", "data-speech": request.id });
  renderSpeechClock(clock, request, nowMs);
  el.replaceChildren(
    h("strong", { class: "speaking-label" }, `${t("speaking")}:`),
    " ",
    h("span", { class: "speaker-name" }, words.name),
    h("span", { class: `pos pos-${request.position}` }, words.position),
    clock,
  );
}

export function tickSpeechClocks(root, room, nowMs) {
  for (const el of root.querySelectorAll("[data-speech]")) {
    const request = room.state?.queue.find((r) => r.id === Number(el.dataset.speech));
    renderSpeechClock(el, request, nowMs);
  }
}

export function presenterText(presenter) {
  return t("presenting", { title: presenter.title, page: presenter.page });
}
