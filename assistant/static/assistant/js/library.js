// Upload and edit forms: the units and users lists only matter for a restricted directive.
const fieldset = document.querySelector("[data-access]");
if (fieldset) {
  const lists = /** @type {HTMLElement} */ (fieldset.querySelector("[data-restricted]"));
  const update = () => {
    const chosen = /** @type {HTMLInputElement | null} */ (fieldset.querySelector('input[name="visibility"]:checked'));
    lists.hidden = !chosen || chosen.value !== "restricted";
  };
  fieldset.addEventListener("change", update);
  update();
}
