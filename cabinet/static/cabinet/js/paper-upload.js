// The paper upload form: the title is prefilled from the chosen file's name, as the server would
// name it (cabinet/meetings/forms.py title_from_file_name). With several files each paper is
// named after its own file, so the title this script wrote is cleared; a title the secretary
// typed is never overwritten.

/**
 * "To_trinh_du_an.pdf" → "To trinh du an": no extension, underscores as spaces, composed (NFC).
 * @param {string} name
 * @returns {string}
 */
export function titleFromFileName(name) {
  let stem = name.split(/[\\/]/).pop().normalize("NFC");
  if (stem.replace(/^\.+|\.+$/g, "").includes(".")) stem = stem.slice(0, stem.lastIndexOf("."));
  return stem.replaceAll("_", " ").split(/\s+/).filter(Boolean).join(" ").slice(0, 300);
}

/** @type {HTMLFormElement | null} */
const form = typeof document === "undefined" ? null : document.querySelector("form[data-paper-upload]");
if (form) {
  /** @type {HTMLInputElement} */
  const files = form.querySelector('input[type="file"][name="file"]');
  /** @type {HTMLInputElement} */
  const title = form.querySelector('input[name="title"]');
  let written = ""; // the title this script wrote: replaced freely, unlike a typed one
  files.addEventListener("change", () => {
    if (title.value !== "" && title.value !== written) return;
    written = files.files.length === 1 ? titleFromFileName(files.files[0].name) : "";
    title.value = written;
    title.placeholder = files.files.length > 1 ? form.dataset.manyTitles : "";
  });
}
