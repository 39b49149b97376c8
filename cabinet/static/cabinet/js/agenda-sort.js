// Drag-and-drop reordering of one agenda level; posts the new order, reloads on conflict.
// The ▲ ▼ buttons remain the keyboard and fallback path.
const csrf = /** @type {HTMLInputElement | null} */ (document.querySelector("input[name=csrfmiddlewaretoken]"))?.value;
const status = document.querySelector(".reorder-status");

/** @param {Element} list @returns {HTMLElement[]} */
function itemsOf(list) {
  return /** @type {HTMLElement[]} */ ([...list.children]).filter((el) => el.matches(".editor-item"));
}

for (const list of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll(".agenda-editor"))) {
  /** @type {Element | null} */
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    const item = /** @type {HTMLElement} */ (event.target).closest(".editor-item");
    if (!item || item.parentElement !== list) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.stopPropagation();
  });
  list.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const over = /** @type {HTMLElement} */ (event.target).closest(".editor-item");
    if (!over || over === dragged || over.parentElement !== list) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener("dragend", async () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    const order = itemsOf(list).map((el) => Number(el.dataset.id));
    const response = await fetch(list.dataset.reorderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ parent: list.dataset.parent || null, order }),
    });
    if (response.ok) {
      if (status) status.textContent = document.documentElement.lang === "en" ? "Order saved." : "Đã lưu thứ tự.";
    } else {
      const body = await response.json().catch(() => ({}));
      alert(body.error || "Không lưu được thứ tự.");
      location.reload();
    }
  });
}
