// Pieces of a poll drawn the same way on a member's tablet and on the chair's console: its badges,
// the live count, the result, the per-member record of a named poll.
import { api } from "../viewer/api.js";
import { h, setText } from "./dom.js";
import { t } from "./labels.js";

const percentFormat = new Intl.NumberFormat(document.documentElement.lang || "vi", { maximumFractionDigits: 1 });

export const isFinished = (poll) => poll.state === "closed" || poll.state === "published";

export function pollBadges(room, poll) {
  const item = poll.item == null ? null : room.item(poll.item);
  return h(
    "p",
    { class: "poll-badges" },
    h("span", { class: `badge poll-state poll-state-${poll.state}` }, t(`poll_${poll.state}`)),
    h("span", { class: `badge poll-kind poll-kind-${poll.kind}` }, t(`kind_${poll.kind}`)),
    item ? h("span", { class: "poll-item" }, t("itemLabel", { n: item.number })) : null,
  );
}

export function ruleText(poll) {
  return t("ruleIs", { rule: poll.rule_label });
}

/**
 * "Đã biểu quyết: 7/10" and a bar. Built once per card and then updated in place (updateCount):
 * progress arrives up to twice a second and must not rebuild the buttons under a finger.
 */
export function countBlock(poll) {
  const bar = h("span", { class: "poll-bar-fill" });
  const block = h(
    "div",
    { class: "poll-count", "data-poll-count": poll.id },
    // Not a live region: a count changing twice a second would drown a screen reader.
    h("span", { class: "poll-count-text" }),
    h("span", { class: "poll-bar", "aria-hidden": "true" }, bar),
  );
  updateCount(block, poll);
  return block;
}

export function updateCount(block, poll) {
  if (!block) return;
  const entitled = poll.entitled || 0;
  const voted = Math.min(poll.voted || 0, entitled || Infinity);
  setText(block.querySelector(".poll-count-text"), t("voteCount", { voted, entitled }));
  const share = entitled ? Math.round((100 * voted) / entitled) : 0;
  block.querySelector(".poll-bar-fill").style.width = `${share}%`;
  block.dataset.complete = entitled > 0 && voted >= entitled ? "true" : "false";
}

/** The outcome, the per-option counts and percentages, and what the percentages are of. */
export function resultBlock(poll) {
  const result = poll.result;
  if (!result) return null;
  const base = result.base ?? 0;
  return h(
    "div",
    { class: "poll-result", "data-passed": result.passed ? "true" : "false" },
    h(
      "p",
      { class: "poll-outcome" },
      h("strong", { class: "poll-verdict" }, result.passed ? t("passed") : t("failed")),
      h("small", {}, ruleText(poll)),
    ),
    h(
      "table",
      { class: "poll-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("colOption")), h("th", { scope: "col" }, t("colCount")), h("th", { scope: "col" }, t("colPercent")))),
      h(
        "tbody",
        {},
        ...result.options.map((option) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, option.label),
            h("td", {}, String(option.count)),
            h("td", {}, `${percentFormat.format(option.percent)}%`),
          ),
        ),
      ),
    ),
    h(
      "p",
      { class: "poll-turnout muted" },
      t("resultTurnout", { cast: result.cast, entitled: result.entitled, members: result.members }),
      " · ",
      poll.rule === "cast_majority" ? t("baseCast", { n: base }) : t("baseMembers", { n: base }),
    ),
  );
}

/**
 * "Xem kết quả từng đại biểu" for a closed named poll: fetched when asked for (the record is for
 * the minutes, not something every tablet needs at the close).
 */
export function recordBlock(poll) {
  if (poll.kind !== "open" || !isFinished(poll)) return null;
  const list = h("ol", { class: "poll-record", hidden: true });
  const button = h("button", { class: "btn btn-small", type: "button", "aria-expanded": "false" }, t("showRecord"));
  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-expanded") === "true") {
      list.hidden = true;
      button.setAttribute("aria-expanded", "false");
      setText(button, t("showRecord"));
      return;
    }
    button.disabled = true;
    list.hidden = false;
    list.replaceChildren(h("li", { class: "muted" }, t("recordLoading")));
    try {
      const data = await api(`/polls/${poll.id}/record/`);
      list.replaceChildren(
        ...(data.record.length
          ? data.record.map((row) => h("li", {}, h("span", { class: "record-name" }, row.name), h("span", { class: "record-option" }, row.option)))
          : [h("li", { class: "muted" }, t("recordEmpty"))]),
      );
      button.setAttribute("aria-expanded", "true");
      setText(button, t("hideRecord"));
    } catch (error) {
      list.replaceChildren(h("li", { class: "field-error" }, error.message || t("recordFailed")));
    } finally {
      button.disabled = false;
    }
  });
  return h("div", { class: "poll-record-box" }, button, list);
}

/**
 * Keep one card per poll in `container`, in the given order. A card is rebuilt only when its
 * signature changes; otherwise `update` refreshes it in place (the count), so that a button being
 * pressed is never swapped for a new one halfway through a tap.
 * @param {Element & {_cards?: Map<number, {el: HTMLElement, sig: string}>}} container
 * @param {any[]} polls
 * @param {{signature: (poll: any) => string, build: (poll: any) => HTMLElement, update?: (el: HTMLElement, poll: any) => void}} how
 */
export function renderCards(container, polls, { signature, build, update }) {
  const cards = container._cards || (container._cards = new Map());
  const wanted = new Set(polls.map((poll) => poll.id));
  for (const [id, entry] of cards) {
    if (!wanted.has(id)) {
      entry.el.remove();
      cards.delete(id);
    }
  }
  polls.forEach((poll, i) => {
    const sig = signature(poll);
    let entry = cards.get(poll.id);
    if (!entry || entry.sig !== sig) {
      const el = build(poll);
      el.dataset.poll = poll.id;
      if (entry) entry.el.replaceWith(el);
      entry = { el, sig };
      cards.set(poll.id, entry);
    }
    update?.(entry.el, poll);
    if (container.children[i] !== entry.el) container.insertBefore(entry.el, container.children[i] || null);
  });
}
