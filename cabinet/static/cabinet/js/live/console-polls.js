// The console's "Biểu quyết" card: create a poll on the current item, then open, close, publish
// (or reset) it, watching the count of ballots. Every change comes back as a poll.* event and is
// redrawn from the room state, like the rest of the console.
import { h, setText, toast } from "./dom.js";
import { t } from "./labels.js";
import { countBlock, isFinished, pollBadges, recordBlock, renderCards, resultBlock, ruleText, updateCount } from "./poll-render.js";

const ACTIONS = {
  prepared: [["open", "btn-primary"]],
  open: [
    ["close", "btn-danger"],
    ["reset", ""],
  ],
  closed: [["publish", "btn-primary"]],
  published: [],
};

export function setupPolls({ live, root }) {
  const { room, run } = live;
  const $ = (id) => root.querySelector(`#${id}`);
  const form = $("c-poll-form");
  const details = $("c-poll-new");
  const question = form.elements.question;
  let autoQuestion = ""; // the last prefilled question; replaced as the item changes, unless edited

  // --- The list -------------------------------------------------------------------------------------

  function actionsOf(poll) {
    // A reset is only for a poll nobody has voted in yet (a wrong question, say).
    const actions = ACTIONS[poll.state].filter(([name]) => name !== "reset" || !poll.voted);
    return h(
      "div",
      { class: "btn-row poll-actions" },
      ...actions.map(([name, style]) =>
        h("button", { class: `btn ${style}`, type: "button", "data-poll-action": name, "data-poll": poll.id }, t(`pollAction_${name}`)),
      ),
    );
  }

  function buildCard(poll) {
    const finished = isFinished(poll);
    return h(
      "article",
      { class: "poll-card", "data-state": poll.state },
      pollBadges(room, poll),
      h("h3", { class: "poll-question" }, poll.question),
      finished ? null : h("p", { class: "poll-rule muted" }, ruleText(poll), " · ", poll.options.map((o) => o.label).join(" / ")),
      poll.state === "open" ? countBlock(poll) : null,
      finished ? resultBlock(poll) : null,
      finished ? recordBlock(poll) : null,
      actionsOf(poll),
    );
  }

  const signature = (poll) => JSON.stringify([poll.state, poll.question, poll.result, poll.state === "open" && !poll.voted]);

  function renderList(state) {
    const polls = [...state.polls].reverse(); // the newest first: the one being run is on top
    renderCards($("c-polls"), polls, {
      signature,
      build: buildCard,
      update: (el, poll) => updateCount(el.querySelector("[data-poll-count]"), poll),
    });
    $("c-polls-empty").hidden = polls.length > 0;
  }

  // --- The form -------------------------------------------------------------------------------------

  function renderForm(state) {
    const item = room.currentItem();
    setText($("c-poll-item"), item ? t("pollForItem", { n: item.number, title: item.title }) : t("pollForMeeting"));
    const suggested = item ? t("questionFor", { title: item.title }) : "";
    if (question.value === autoQuestion) {
      question.value = suggested;
      autoQuestion = suggested;
    }
    const secret = form.elements.kind.value === "secret";
    // A secret ballot cannot be changed: nothing links it to its voter any more.
    form.elements.allow_change.disabled = secret;
    if (secret) form.elements.allow_change.checked = false;
    $("c-poll-change-note").hidden = !secret;
    details.hidden = !["published", "in_session"].includes(state.meeting.status);
  }

  form.addEventListener("change", () => room.state && renderForm(room.state));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector("[type=submit]");
    const options = form.elements.options.value
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
    const args = {
      question: question.value.trim(),
      kind: form.elements.kind.value,
      rule: form.elements.rule.value,
      options,
      allow_change: form.elements.allow_change.checked,
    };
    if (room.state?.current_item != null) args.item = room.state.current_item;
    submit.disabled = true;
    try {
      const ack = await run("poll.create", args);
      if (!ack.ok) return;
      toast(t("pollCreated"));
      details.open = false;
      autoQuestion = ""; // the next poll starts from the item's title again
      question.value = "";
      if (room.state) renderForm(room.state);
    } finally {
      submit.disabled = false;
    }
  });

  // --- Actions --------------------------------------------------------------------------------------

  root.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-poll-action]");
    if (!button) return;
    const action = button.dataset.pollAction;
    const poll = room.poll(Number(button.dataset.poll));
    if (!poll) return;
    if (action === "close" && !window.confirm(t("confirmClose", { question: poll.question }))) return;
    button.disabled = true;
    try {
      await run(`poll.${action}`, { poll: poll.id });
    } finally {
      button.disabled = false;
    }
  });

  room.subscribe((state) => {
    renderList(state);
    renderForm(state);
  });
}
