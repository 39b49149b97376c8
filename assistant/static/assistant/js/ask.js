// The question box: Enter asks (Shift+Enter for a new line), the answer is scrolled into view.
for (const form of /** @type {NodeListOf<HTMLFormElement>} */ (document.querySelectorAll("[data-ask-form]"))) {
  const box = form.querySelector("textarea");
  if (!box || form.dataset.askReady) continue;
  form.dataset.askReady = "1";
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

// htmx's events are CustomEvents whose detail names the swapped element.
document.body.addEventListener("htmx:afterSwap", (/** @type {CustomEvent<{target: HTMLElement}>} */ event) => {
  const target = event.detail.target;
  if (target && target.classList.contains("answer-box")) {
    target.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
});
