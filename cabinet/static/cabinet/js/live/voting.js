// Voting on a member's tablet (the meeting page's "Biểu quyết" card).
//
// An open poll shows its question and one large button per option. A tap asks for confirmation
// ("Xác nhận biểu quyết: Tán thành?"); only the confirmation sends the ballot (ballot.js), and the
// card then says "Đang gửi…" until the receipt comes back, after which the options stay disabled.
// Everything is drawn from the room state (the snapshot has one's receipt), so a reload shows the
// same card. When the poll closes, every tablet shows the result.
import { createBallots } from "./ballot.js";
import { h } from "./dom.js";
import { t } from "./labels.js";
import { EVENT } from "./protocol.js";
import { countBlock, isFinished, pollBadges, recordBlock, renderCards, resultBlock, ruleText, updateCount } from "./poll-render.js";

/** live: from startRoom; els: {section, current, earlier, earlierBox} of the meeting page. */
export function setupVoting({ live, meetingId, els }) {
  const { room } = live;
  const choosing = new Map(); // poll id → option waiting for "Xác nhận"
  const changing = new Set(); // polls (allow_change) where the member asked to choose again
  const ballots = createBallots({ live, meetingId, onChange: () => render() });

  const standing = (poll) => room.myPoll(poll.id);

  // The card under the finger is rebuilt at each step: keep keyboard and screen-reader users on it.
  const focusIn = (poll, selector) => els.current.querySelector(`[data-poll="${poll.id}"] ${selector}`)?.focus();

  /** A poll this member may vote in has just opened: bring the card into view if it is not. */
  function revealOpened(event) {
    if (event?.name !== EVENT.POLL_OPENED || !room.myPoll(event.data.poll.id)) return;
    const box = els.section.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) els.section.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  /** Why this member has no ballot in this poll (the entitlement was fixed at the opening). */
  function reason() {
    const me = room.me();
    const person = me ? room.participant(me.participant) : null;
    return person?.can_vote ? t("voteNotCheckedIn") : t("voteNoRight");
  }

  function optionButtons(poll, { disabled, chosen }) {
    return h(
      "div",
      { class: "vote-options", role: "group", "aria-label": poll.question },
      ...poll.options.map((option) =>
        h(
          "button",
          {
            class: "btn vote-option",
            type: "button",
            disabled,
            "aria-pressed": chosen == null ? null : String(option.id === chosen),
            onclick: () => {
              choosing.set(poll.id, option);
              ballots.clear(poll.id);
              render();
              focusIn(poll, "[data-confirm-yes]");
            },
          },
          option.label,
        ),
      ),
    );
  }

  function confirmStep(poll, option) {
    return h(
      "div",
      { class: "vote-confirm", role: "group", "aria-label": t("voteConfirm", { option: option.label }) },
      h("p", { class: "vote-confirm-text" }, t("voteConfirm", { option: option.label })),
      h(
        "div",
        { class: "vote-confirm-buttons" },
        h(
          "button",
          {
            class: "btn btn-primary vote-big",
            type: "button",
            "data-confirm-yes": "",
            onclick: () => {
              choosing.delete(poll.id);
              changing.delete(poll.id);
              ballots.cast(poll, option);
            },
          },
          t("voteConfirmYes"),
        ),
        h(
          "button",
          {
            class: "btn vote-big",
            type: "button",
            onclick: () => {
              choosing.delete(poll.id);
              render();
              focusIn(poll, ".vote-option");
            },
          },
          t("voteChooseAgain"),
        ),
      ),
    );
  }

  function ballotArea(poll) {
    const mine = standing(poll);
    if (!mine) return h("p", { class: "vote-reason" }, reason());
    const sent = ballots.status(poll.id);
    const option = choosing.get(poll.id);
    if (option) return confirmStep(poll, option);
    if (sent?.state === "sending") {
      return h(
        "div",
        { class: "vote-mine" },
        optionButtons(poll, { disabled: true, chosen: sent.option }),
        h("p", { class: "vote-status", role: "status" }, t("voteSending")),
        live.connection === "live" ? null : h("p", { class: "vote-status muted" }, t("voteWillRetry")),
      );
    }
    if (mine.receipt && !changing.has(poll.id)) {
      return h(
        "div",
        { class: "vote-mine" },
        optionButtons(poll, { disabled: true, chosen: sent?.option ?? null }),
        receiptLine(mine, sent),
        poll.allow_change
          ? h(
              "button",
              {
                class: "btn",
                type: "button",
                onclick: () => {
                  changing.add(poll.id);
                  render();
                },
              },
              t("voteChange"),
            )
          : null,
      );
    }
    return h(
      "div",
      { class: "vote-mine" },
      h("p", { class: "vote-prompt" }, t("votePrompt")),
      optionButtons(poll, { disabled: false, chosen: null }),
      sent?.state === "refused" ? h("p", { class: "vote-error", role: "alert" }, sent.message || t("refused")) : null,
    );
  }

  function receiptLine(mine, sent) {
    return h(
      "div",
      { class: "vote-receipt", role: "status" },
      h("p", {}, t("voteReceipt", { receipt: mine.receipt })),
      sent?.label ? h("p", { class: "muted" }, t("voteChosen", { option: sent.label })) : null,
    );
  }

  function buildCard(poll) {
    const finished = isFinished(poll);
    const mine = standing(poll);
    return h(
      "article",
      { class: "poll-card", "data-state": poll.state },
      pollBadges(room, poll),
      h("h4", { class: "poll-question" }, poll.question),
      finished ? null : h("p", { class: "poll-rule muted" }, ruleText(poll)),
      finished ? null : countBlock(poll),
      finished ? null : ballotArea(poll),
      finished ? resultBlock(poll) : null,
      finished && mine?.receipt ? receiptLine(mine, ballots.status(poll.id)) : null,
      finished ? recordBlock(poll) : null,
    );
  }

  function buildEarlier(poll) {
    const verdict = poll.result?.passed ? t("passed") : t("failed");
    return h(
      "details",
      { class: "poll-earlier" },
      h("summary", {}, h("span", {}, poll.question), h("strong", { class: poll.result?.passed ? "is-passed" : "is-failed" }, verdict)),
      resultBlock(poll),
      recordBlock(poll),
    );
  }

  // What a card shows, as a string: the card is rebuilt only when this changes (not on counts).
  function signature(poll) {
    return JSON.stringify([
      poll.state,
      poll.question,
      poll.options,
      poll.result,
      standing(poll),
      ballots.status(poll.id),
      choosing.get(poll.id)?.id,
      changing.has(poll.id),
      ballots.status(poll.id)?.state === "sending" && live.connection,
    ]);
  }

  function render() {
    const state = room.state;
    if (!state) return;
    const open = state.polls.filter((poll) => poll.state === "open");
    const finished = state.polls.filter(isFinished).reverse(); // latest first
    // Open polls and the latest result in full; earlier results folded away below.
    const shown = [...open, ...finished.slice(0, 1)];
    renderCards(els.current, shown, { signature, build: buildCard, update: (el, poll) => updateCount(el.querySelector("[data-poll-count]"), poll) });
    renderCards(els.earlier, finished.slice(1), { signature: (poll) => JSON.stringify([poll.state, poll.result]), build: buildEarlier });
    els.earlierBox.hidden = finished.length < 2;
    els.section.hidden = shown.length === 0;
    els.section.dataset.open = open.length ? "true" : "false";
  }

  room.subscribe((state, event) => {
    if (!event || event.name === "snapshot") ballots.resume(state);
    for (const id of choosing.keys()) if (room.poll(id)?.state !== "open") choosing.delete(id);
    render();
    revealOpened(event);
  });
  live.onConnection(() => render());
}
