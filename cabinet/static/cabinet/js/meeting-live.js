// The meeting page (a member's tablet): the live room panel, driven by the meeting socket.
// Room events update the page in place; paper and agenda events still reload it, because the
// paper lists under the agenda are rendered by the server.
import { startRoom } from "./live/connect.js";
import { h, setText, toast } from "./live/dom.js";
import { t } from "./live/labels.js";
import { EVENT_PREFIX } from "./live/protocol.js";
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
} from "./live/render-common.js";
import { setupVoting } from "./live/voting.js";

const head = /** @type {HTMLElement | null} */ (document.querySelector("[data-meeting]"));
const panel = document.getElementById("room");
const $ = (id) => document.getElementById(id);

// A reload waits a moment so that a burst of paper events (upload + processing) reloads once.
// It never cuts across the user: a form being submitted is already navigating (a reload then
// would cancel the submission: a secretary's "Gửi giấy mời" was lost that way), and a field
// being typed in would lose its text, so the reload waits until the field is left.
let reloadTimer = null;
let submitting = false;
document.addEventListener("submit", (event) => {
  // A form sent by htmx (the assistant's panel) stays on the page: it must not stop reloads.
  if (event.target instanceof HTMLFormElement && event.target.matches("[hx-post], [hx-get]")) return;
  submitting = true;
  clearTimeout(reloadTimer);
});
function typing() {
  const el = /** @type {HTMLInputElement | null} */ (document.activeElement);
  const kept = ["button", "submit", "reset", "checkbox", "radio"];
  return !!el && (el.matches("textarea, select") || (el.matches("input") && !kept.includes(el.type)));
}
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => {
    if (submitting) return;
    if (typing()) reloadSoon();
    else location.reload();
  }, 400);
}

if (head) {
  const live = startRoom({
    meetingId: head.dataset.meeting,
    onOther: (name) => {
      if (name.startsWith(EVENT_PREFIX.PAPER) || name.startsWith(EVENT_PREFIX.AGENDA)) {
        reloadSoon();
        return true;
      }
      return false; // participant.*, meeting.updated …: a snapshot
    },
  });
  const { room, run } = live;

  // --- Drawing -----------------------------------------------------------------------------------

  function renderAgenda(state, now) {
    for (const el of document.querySelectorAll(".is-current")) {
      el.classList.remove("is-current");
      el.removeAttribute("aria-current");
    }
    for (const el of document.querySelectorAll(".current-mark")) el.remove();
    const current = state.current_item;
    const row = current == null ? null : document.getElementById(`item-${current}`);
    if (!row) return;
    row.classList.add("is-current");
    row.setAttribute("aria-current", "step");
    const title = row.querySelector("h3, h4");
    const clock = h("span", { class: "item-clock", "data-clock": "" });
    renderClock(clock, state.clock, now);
    title?.append(h("span", { class: "current-mark" }, h("span", { class: "badge badge-current" }, t("discussing")), clock));
  }

  function renderNow(state, now) {
    setText($("room-item"), itemTitle(room, state.current_item));
    $("room-item").dataset.item = state.current_item ?? "";
    renderClock($("room-clock"), state.clock, now);
  }

  function renderPresenter(state) {
    const el = $("room-presenter");
    if (!el) return;
    const presenter = state.presenter;
    if (!presenter) {
      el.replaceChildren(h("span", { class: "muted" }, t("nobodyPresenting")));
      return;
    }
    const url = `/papers/${presenter.paper}/v${presenter.version}/#page=${presenter.page}`;
    const isMe = presenter.participant === state.me?.participant;
    el.replaceChildren(
      h("span", {}, presenterText(presenter)),
      h("small", {}, t("presentingBy", { name: presenter.name })),
      isMe
        ? null
        : h(
            "a",
            {
              class: "btn btn-small btn-primary",
              href: url,
              // Following is remembered by the server, so the viewer opens already following.
              onclick: async (event) => {
                event.preventDefault();
                await run("presenter.follow", { follow: true });
                location.href = url;
              },
            },
            state.me?.follows_presenter ? t("following") : t("follow"),
          ),
    );
  }

  function renderAttendance(state) {
    const me = state.me;
    const mine = me ? room.attendanceOf(me.participant) : null;
    setText($("my-attendance"), t("myStatus", { status: attendanceLabel(mine) }));
    $("my-attendance").dataset.status = mine?.status || "unknown";
    for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (panel.querySelectorAll("[data-checkin]"))) {
      button.setAttribute("aria-pressed", String(mine?.status === button.dataset.checkin));
    }
    renderQuorum($("quorum"), state.quorum);
  }

  function renderQueue(state, now) {
    const item = state.current_item;
    const visible = item != null && room.item(item);
    const list = $("queue");
    const entries = visible ? room.queueOf(item).filter((r) => r.status === "waiting") : [];
    list.replaceChildren(
      ...entries.map((request, i) => {
        const words = requestSummary(room, request);
        const mine = request.participant === state.me?.participant;
        return h(
          "li",
          { class: mine ? "queue-entry mine" : "queue-entry", "data-request": request.id },
          h("span", { class: "queue-no" }, String(i + 1)),
          h(
            "span",
            { class: "queue-who" },
            h("span", { class: "speaker-name" }, words.name),
            h("span", { class: `pos pos-${request.position}` }, words.position),
            words.note ? h("small", { class: "queue-note" }, words.note) : null,
          ),
        );
      }),
    );
    const speaking = room.speaking();
    $("queue-empty").hidden = !visible || entries.length > 0 || Boolean(speaking && speaking.item === item);
    $("queue-noitem").hidden = Boolean(visible);
    renderSpeaking($("speaking-now"), room, now);

    const mine = visible ? room.myRequest(item) : null;
    const open = ["published", "in_session"].includes(state.meeting.status);
    $("speak-form").hidden = !visible || Boolean(mine) || !open;
    const box = $("my-request");
    // While one's own speech runs, the "Đang phát biểu" block above says it all.
    box.hidden = !mine || mine.status !== "waiting";
    if (mine && mine.status === "waiting") {
      const position = entries.findIndex((r) => r.id === mine.id) + 1;
      setText($("my-request-text"), t("requested", { n: position || 1 }));
      $("withdraw").dataset.request = mine.id;
    }
  }

  function render(state) {
    const now = live.now();
    renderStatusBadge($("meeting-status"), state.meeting);
    renderStatusDependent(document, state.meeting.status);
    if (!panel) return; // a draft: no room yet
    renderAgenda(state, now);
    renderNow(state, now);
    renderPresenter(state);
    renderAttendance(state);
    renderQueue(state, now);
    panel.dataset.ready = "true";
  }

  // Ballot counts and one's own receipt only change the "Biểu quyết" card (live/voting.js).
  room.subscribe((state, event) => !["progress", "me.vote"].includes(event?.name) && render(state));

  if (panel) {
    setupVoting({
      live,
      meetingId: head.dataset.meeting,
      els: { section: $("vote"), current: $("vote-current"), earlier: $("vote-earlier"), earlierBox: $("vote-earlier-box") },
    });
  }

  live.onTick((now) => {
    const state = room.state;
    if (!state || !panel) return;
    for (const el of document.querySelectorAll("[data-clock]")) renderClock(el, state.clock, now);
    renderClock($("room-clock"), state.clock, now);
    tickSpeechClocks(panel, room, now);
  });

  // --- Actions -------------------------------------------------------------------------------------

  panel?.addEventListener("click", async (event) => {
    const checkin = /** @type {HTMLButtonElement | null} */ (/** @type {Element} */ (event.target).closest("[data-checkin]"));
    if (checkin) {
      checkin.disabled = true;
      const ack = await run("attendance.check_in", { mode: checkin.dataset.checkin });
      checkin.disabled = false;
      if (ack.ok) toast(t("sent"));
      return;
    }
    const withdraw = /** @type {HTMLButtonElement | null} */ (/** @type {Element} */ (event.target).closest("#withdraw"));
    if (withdraw) {
      withdraw.disabled = true;
      await run("speaker.withdraw", { request: Number(withdraw.dataset.request) });
      withdraw.disabled = false;
    }
  });

  $("speak-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement & {elements: {position: HTMLSelectElement, note: HTMLInputElement}}} */ (event.currentTarget);
    const item = room.state?.current_item;
    if (item == null) return;
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector("[type=submit]"));
    submit.disabled = true;
    const args = { item, position: form.elements.position.value };
    const note = form.elements.note.value.trim();
    if (note) args.note = note;
    const ack = await run("speaker.request", args);
    submit.disabled = false;
    if (ack.ok) form.elements.note.value = "";
  });
}
