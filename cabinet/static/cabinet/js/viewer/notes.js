// Private notes: loaded from the notes API, drawn over the text they quote on this version's pages,
// listed per page in the right panel. Orphaned notes (their passage is gone from a newer version)
// are listed in their own group, never hidden; notes anchored to another version are not drawn here.
import { api } from "./api.js";
import { domRange, findQuote, paintBoxes, rangeBoxes } from "./anchor.js";
import { t } from "./labels.js";

const COLORS = ["yellow", "green", "blue", "pink"];

export function setupNotes({ url, version, container, countEl, versionUrl, jumpTo, repaint, toast }) {
  let notes = [];
  let loaded = false;

  const byId = (id) => notes.find((n) => n.id === id);
  const isHere = (note) => note.version === version && note.anchor_status !== "orphaned";

  async function load() {
    try {
      const data = await api(url);
      notes = data.notes || [];
      loaded = true;
      render();
      repaint(null);
    } catch {
      container.replaceChildren(paragraph(t("notesFailed"), "muted"));
    }
  }

  async function create(payload) {
    const data = await api(url, { method: "POST", body: { version, ...payload } });
    const note = data.note || data;
    notes.push(note);
    render();
    repaint(note.page);
    toast(t("noteSaved"));
    return note;
  }

  async function update(id, patch) {
    const data = await api(`${url}${id}/`, { method: "PATCH", body: patch });
    const note = data.note || data;
    notes = notes.map((n) => (n.id === id ? note : n));
    render();
    repaint(note.page);
  }

  async function remove(id) {
    const note = byId(id);
    await api(`${url}${id}/`, { method: "DELETE" });
    notes = notes.filter((n) => n.id !== id);
    render();
    if (note) repaint(note.page);
    toast(t("noteDeleted"));
  }

  /** Highlight boxes for the notes anchored on this page of this version. */
  function paint(view) {
    for (const note of notes) {
      if (!isHere(note) || note.page !== view.number) continue;
      const found = findQuote(view.model, note.quote, note.start ?? null);
      if (!found) continue;
      const range = domRange(view.model, view.textDivs, found.start, found.end);
      if (!range) continue;
      const color = COLORS.includes(note.color) ? note.color : "yellow";
      paintBoxes(view.highlights, rangeBoxes(range, view.el), `vhl-box vhl-${color}`, note.id);
    }
  }

  function render() {
    if (!loaded) return;
    const here = notes.filter(isHere).sort((a, b) => a.page - b.page || (a.start ?? 0) - (b.start ?? 0));
    const orphaned = notes.filter((n) => n.anchor_status === "orphaned");
    const elsewhere = notes.filter((n) => n.anchor_status !== "orphaned" && n.version !== version);
    countEl.textContent = here.length + orphaned.length ? String(here.length + orphaned.length) : "";
    const parts = [];
    if (!notes.length) parts.push(paragraph(t("notesEmpty"), "muted"));
    let page = null;
    let group = null;
    for (const note of here) {
      if (note.page !== page) {
        page = note.page;
        group = section(t("page", { n: page }), "notes-page");
        parts.push(group);
      }
      group.append(item(note));
    }
    if (orphaned.length) {
      const box = section(t("orphaned"), "notes-orphaned");
      box.append(paragraph(t("orphanedHelp"), "muted"));
      for (const note of orphaned) box.append(item(note));
      parts.push(box);
    }
    if (elsewhere.length) {
      const box = section(t("otherVersion"), "notes-elsewhere");
      for (const note of elsewhere) box.append(item(note));
      parts.push(box);
    }
    container.replaceChildren(...parts);
  }

  function item(note) {
    const article = document.createElement("article");
    article.className = `note note-${COLORS.includes(note.color) ? note.color : "yellow"}`;
    article.dataset.note = String(note.id);
    if (note.anchor_status === "orphaned") article.classList.add("is-orphaned");

    const head = document.createElement("div");
    head.className = "note-head";
    const where = document.createElement(isHere(note) ? "button" : "a");
    where.className = "note-page";
    const label = t("page", { n: note.page });
    if (isHere(note)) {
      where.type = "button";
      where.textContent = label;
      where.addEventListener("click", () => jumpTo(note.page, note.id));
    } else {
      /** @type {HTMLAnchorElement} */ (where).href = `${versionUrl(note.version)}#page=${note.page}`;
      where.textContent = `${label} · ${t("onVersion", { n: note.version })}`;
    }
    head.append(where);
    if (note.anchor_status === "orphaned") {
      const flag = document.createElement("span");
      flag.className = "note-flag";
      flag.textContent = t("orphaned");
      head.append(flag);
    }

    const quote = document.createElement("blockquote");
    quote.textContent = note.quote;
    const body = paragraph(note.body || t("noBody"), note.body ? "note-body" : "note-body muted");

    const actions = document.createElement("div");
    actions.className = "note-actions";
    const edit = button(t("edit"), () => startEdit(article, note, body, actions));
    const del = button(t("delete"), async () => {
      if (!window.confirm(t("confirmDelete"))) return;
      try {
        await remove(note.id);
      } catch (error) {
        toast(error.message || t("failed"));
      }
    });
    actions.append(edit, del);
    article.append(head, quote, body, actions);
    return article;
  }

  function startEdit(article, note, body, actions) {
    const form = document.createElement("form");
    form.className = "note-edit";
    const area = document.createElement("textarea");
    area.rows = 3;
    area.maxLength = 4000;
    area.value = note.body || "";
    const colors = document.createElement("select");
    for (const color of COLORS) colors.append(new Option(t(color), color, false, color === note.color));
    colors.setAttribute("aria-label", t("color"));
    const save = button(t("save"), null, "submit");
    save.classList.add("btn-primary");
    const cancel = button(t("cancel"), () => render());
    form.append(area, colors, save, cancel);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await update(note.id, { body: area.value, color: colors.value });
      } catch (error) {
        toast(error.message || t("failed"));
      }
    });
    body.replaceWith(form);
    actions.hidden = true;
    area.focus();
  }

  function highlightNote(id) {
    for (const el of container.querySelectorAll(".note.is-active")) el.classList.remove("is-active");
    const el = container.querySelector(`[data-note="${id}"]`);
    if (el) {
      el.classList.add("is-active");
      el.scrollIntoView({ block: "nearest" });
    }
  }

  return { load, create, paint, highlightNote, get notes() { return notes; } };
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

function section(title, className) {
  const box = document.createElement("section");
  box.className = className;
  const h = document.createElement("h3");
  h.textContent = title;
  box.append(h);
  return box;
}

/**
 * @param {string} text
 * @param {(() => void) | null} onClick
 * @param {"button" | "submit" | "reset"} [type]
 */
function button(text, onClick, type = "button") {
  const b = document.createElement("button");
  b.type = type;
  b.className = "btn btn-small";
  b.textContent = text;
  if (onClick) b.addEventListener("click", onClick);
  return b;
}
