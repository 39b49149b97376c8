// Pages where long text is typed (conclusions, the notice editor, comments, task reports) ask
// before the browser leaves them with text not yet saved: a form opts in with
// data-unsaved-warning. Its text fields are compared with what the page was loaded with;
// sending that form is leaving on purpose. Sending another form of the page (deleting a task,
// say) or following a link still warns, as the typed text would be lost.

/** @param {HTMLFormElement} form */
function typed(form) {
  // form.elements includes the fields outside the form joined by their form attribute.
  return Array.from(form.elements)
    .filter(
      (field) =>
        field instanceof HTMLTextAreaElement ||
        (field instanceof HTMLInputElement && field.type === "text"),
    )
    .map((field) => /** @type {HTMLInputElement | HTMLTextAreaElement} */ (field).value)
    .join("\u0000");
}

/** @type {Map<HTMLFormElement, string>} */
const loaded = new Map();
for (const form of document.querySelectorAll("form[data-unsaved-warning]")) {
  loaded.set(/** @type {HTMLFormElement} */ (form), typed(/** @type {HTMLFormElement} */ (form)));
}

let leavingOnPurpose = false;

// On window, so that it runs after confirm.js (on document): a cancelled confirmation is no
// submission.
window.addEventListener("submit", (event) => {
  const form = /** @type {HTMLFormElement} */ (event.target);
  if (!event.defaultPrevented && loaded.has(form)) {
    leavingOnPurpose = true;
  }
});

window.addEventListener("beforeunload", (event) => {
  if (leavingOnPurpose) {
    return;
  }
  for (const [form, before] of loaded) {
    if (typed(form) !== before) {
      event.preventDefault();
      event.returnValue = ""; // older browsers show their own question only when this is set
      return;
    }
  }
});

// A page restored from the back/forward cache is a fresh start for the next leave.
window.addEventListener("pageshow", () => {
  leavingOnPurpose = false;
});
