// The paper viewer: pdf.js with range loading, pages rendered only near the view, thumbnails,
// search, private notes, comments, the new-version banner. Configuration comes from the
// json_script tag "viewer-config" (no inline script).
import { api } from "./api.js";
import { describeSelection, domRange, findQuote, paintBoxes, rangeBoxes } from "./anchor.js";
import { findLoose, parseHash } from "./highlight.js";
import { t } from "./labels.js";
import { connectLive } from "./live.js";
import { setupNotes } from "./notes.js";
import { PageView, pageAtScroll as pageAt, renderWindow, watchVisible } from "./pages.js";
import { setupSearch } from "./search.js";
import { setupThumbs } from "./thumbs.js";
import { announceUser, clearOnLogout } from "../offline.js";

const config = JSON.parse(document.getElementById("viewer-config").textContent);
const root = document.getElementById("viewer");
const scroller = document.getElementById("vpages");
const inner = document.getElementById("vpages-inner");
const pageInput = /** @type {HTMLInputElement} */ (document.getElementById("page-input"));
const loading = document.getElementById("vloading");
const $ = (id) => document.getElementById(id);

const MIN_SCALE = 0.4;
const MAX_SCALE = 4;
const KEEP_RENDERED = 4; // pages kept drawn around the current one (memory on tablets)

const state = {
  pdf: null,
  views: [],
  scale: 1,
  fit: true, // follow the width of the reading area
  baseWidth: 595,
  baseHeight: 842,
  current: 1,
  selection: null, // {page, quote, prefix, suffix, start, end}
  searchMark: null, // {page, match, scroll}
};

let thumbs = null;
let toastTimer = null;
let follow = null; // presenter follow (../live/follow.js), told of every page change
let markReady;
const ready = new Promise((resolve) => (markReady = resolve));

function toast(text) {
  const el = $("vtoast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 2500);
}

function versionUrl(number) {
  return config.viewTemplate.replace(config.placeholder, String(number));
}

// --- Panels -------------------------------------------------------------------------------------

const wideQuery = window.matchMedia("(min-width: 1100px) and (orientation: landscape)");
const wide = () => wideQuery.matches;
// Turning the tablet: side by side in landscape, both panels folded away upright.
wideQuery.addEventListener("change", () => {
  setPanel("right", false);
  setPanel("left", wide());
});

function setPanel(side, open) {
  root.dataset[side] = open ? "open" : "closed";
  const toggle = root.querySelector(`[data-action="toggle-${side}"]`);
  if (toggle) toggle.setAttribute("aria-expanded", String(open));
  // Upright, one panel at a time: they cover the page.
  if (open && !wide()) setPanel(side === "left" ? "right" : "left", false);
  if (open && side === "left" && !$("pane-thumbs").hidden) thumbs?.start();
}

function selectTab(name) {
  for (const tab of root.querySelectorAll('[role="tab"]')) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(on));
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
  if (name === "thumbs") thumbs?.start();
}

// --- Pages, scale, navigation --------------------------------------------------------------------

function fitScale() {
  const width = scroller.clientWidth - 32;
  return Math.max(MIN_SCALE, Math.min(MAX_SCALE, width / state.baseWidth));
}

function setScale(scale, { fit = false } = {}) {
  scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, Math.round(scale * 1000) / 1000));
  state.fit = fit;
  if (Math.abs(scale - state.scale) < 0.001) return;
  const keep = state.current;
  state.scale = scale;
  for (const view of state.views) {
    view.clear();
    view.setSize(state.baseWidth * scale, state.baseHeight * scale);
  }
  goTo(keep, { smooth: false });
  renderVisible();
}

const visible = new Set();

function renderVisible() {
  renderWindow(state.views, visible, {
    scale: state.scale,
    current: state.current,
    keep: KEEP_RENDERED,
    onError: showError,
  });
}

function goTo(number, { smooth = false } = {}) {
  const n = Math.max(1, Math.min(state.views.length, number));
  const view = state.views[n - 1];
  if (!view) return;
  scroller.scrollTo({ top: view.el.offsetTop - 8, behavior: smooth ? "smooth" : "auto" });
  setCurrent(n);
}

function setCurrent(n) {
  if (n === state.current && pageInput.value === String(n)) return;
  state.current = n;
  if (document.activeElement !== pageInput) pageInput.value = String(n);
  thumbs?.setCurrent(n);
  follow?.pageChanged(n);
}

function pageAtScroll() {
  return pageAt(state.views, scroller);
}

function showError(error) {
  console.error(error);
  loading.hidden = false;
  loading.textContent = t("loadFailed");
}

// --- Highlights: notes and the current search hit -------------------------------------------------

function paint(view) {
  if (!view.rendered) return;
  view.highlights.replaceChildren();
  notes.paint(view);
  const mark = state.searchMark;
  if (mark && mark.page === view.number) {
    const found = mark.loose ? findLoose(view.model.text, mark.match) : findQuote(view.model, mark.match);
    const range = found && domRange(view.model, view.textDivs, found.start, found.end);
    if (range) {
      const boxes = rangeBoxes(range, view.el);
      paintBoxes(view.highlights, boxes, "vhl-box vhl-search");
      if (mark.scroll && boxes.length) {
        mark.scroll = false;
        const y = view.el.offsetTop + (boxes[0].top / 100) * view.el.offsetHeight;
        scroller.scrollTo({ top: Math.max(0, y - scroller.clientHeight / 3) });
      }
    }
  }
}

function repaint(page) {
  for (const view of state.views) {
    if (view.rendered && (page === null || view.number === page)) paint(view);
  }
}

const notes = setupNotes({
  url: config.notes,
  version: config.version,
  container: $("notes"),
  countEl: $("notes-count"),
  versionUrl,
  jumpTo: (page, id) => {
    goTo(page);
    notes.highlightNote(id);
  },
  repaint,
  toast,
});

// --- Selection popup: Đánh dấu / Ghi chú / Góp ý ----------------------------------------------------

const popup = $("selpop");

function readSelection() {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
  const range = selection.getRangeAt(0);
  const startPage = /** @type {HTMLElement | null | undefined} */ (range.startContainer.parentElement?.closest(".vpage"));
  const endPage = range.endContainer.parentElement?.closest(".vpage");
  const anchorNode = range.commonAncestorContainer;
  const inLayer =
    /** @type {Element | null} */ (anchorNode.nodeType === Node.TEXT_NODE ? anchorNode.parentElement : anchorNode)?.closest(".textLayer") ||
    (startPage && startPage === endPage);
  if (!startPage || startPage !== endPage || !inLayer) return null;
  const view = state.views[Number(startPage.dataset.page) - 1];
  if (!view || !view.model) return null;
  const described = describeSelection(view.model, view.divIndex, range);
  if (!described) return null;
  return { page: view.number, rect: range.getBoundingClientRect(), ...described };
}

let selectionTimer = null;
function onSelectionChange() {
  clearTimeout(selectionTimer);
  selectionTimer = setTimeout(() => {
    const found = readSelection();
    if (!found) {
      if (!popup.matches(":focus-within")) popup.hidden = true;
      return;
    }
    state.selection = found;
    popup.hidden = false;
    const { rect } = found;
    const box = popup.getBoundingClientRect();
    const below = rect.bottom + 8 + box.height < window.innerHeight;
    const top = below ? rect.bottom + 8 : Math.max(8, rect.top - box.height - 8);
    const left = Math.max(8, Math.min(window.innerWidth - box.width - 8, rect.left + rect.width / 2 - box.width / 2));
    popup.style.top = `${top}px`;
    popup.style.left = `${left}px`;
  }, 200);
}
document.addEventListener("selectionchange", onSelectionChange);

function takeSelection() {
  const chosen = state.selection;
  popup.hidden = true;
  window.getSelection()?.removeAllRanges();
  return chosen;
}

popup.addEventListener("click", async (event) => {
  const action = /** @type {Element} */ (event.target).closest("button")?.dataset.action;
  if (!action) return;
  const chosen = takeSelection();
  if (!chosen) return;
  const { rect: _rect, ...anchor } = chosen;
  if (action === "highlight") {
    try {
      await notes.create({ ...anchor, body: "", color: "yellow" });
    } catch (error) {
      toast(error.message || t("failed"));
    }
  } else if (action === "note") {
    openNoteDialog(anchor);
  } else if (action === "comment-quote") {
    openCommentDialog(anchor);
  }
});

const noteDialog = /** @type {HTMLDialogElement} */ ($("note-dialog"));
let noteDraft = null;

function openNoteDialog(anchor) {
  noteDraft = anchor;
  $("note-quote").textContent = anchor.quote;
  /** @type {HTMLTextAreaElement} */ ($("note-body")).value = "";
  $("note-error").hidden = true;
  noteDialog.showModal();
  $("note-body").focus();
}

$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!noteDraft) return;
  const color = /** @type {HTMLInputElement | null} */ (noteDialog.querySelector('input[name="color"]:checked'))?.value || "yellow";
  try {
    await notes.create({ ...noteDraft, body: /** @type {HTMLTextAreaElement} */ ($("note-body")).value.trim(), color });
    noteDraft = null;
    noteDialog.close();
    setPanel("right", true);
  } catch (error) {
    $("note-error").textContent = error.message || t("failed");
    $("note-error").hidden = false;
  }
});

const commentDialog = /** @type {HTMLDialogElement} */ ($("comment-dialog"));
let commentQuote = null;

function openCommentDialog(anchor = null) {
  commentQuote = anchor;
  $("comment-quote").hidden = !anchor;
  $("comment-quote").textContent = anchor ? anchor.quote : "";
  /** @type {HTMLTextAreaElement} */ ($("comment-body")).value = "";
  $("comment-error").hidden = true;
  commentDialog.showModal();
  $("comment-body").focus();
}

$("comment-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = /** @type {HTMLTextAreaElement} */ ($("comment-body")).value.trim();
  if (!body) {
    $("comment-error").textContent = t("emptyComment");
    $("comment-error").hidden = false;
    return;
  }
  const payload = { body, version: config.version, quote: "", page: null };
  if (commentQuote) Object.assign(payload, { quote: commentQuote.quote, page: commentQuote.page });
  else payload.page = state.current;
  try {
    await api(config.comments, { method: "POST", body: payload });
    commentDialog.close();
    toast(t("commentSent"));
  } catch (error) {
    $("comment-error").textContent = error.message || t("failed");
    $("comment-error").hidden = false;
  }
});

for (const dialog of [noteDialog, commentDialog]) {
  dialog.addEventListener("click", (event) => {
    if (/** @type {Element} */ (event.target).closest('[data-action="close-dialog"]')) dialog.close();
  });
}

// --- Toolbar, keys, swipes -------------------------------------------------------------------------

const actions = {
  prev: () => goTo(state.current - 1),
  next: () => goTo(state.current + 1),
  "zoom-in": () => setScale(state.scale * 1.25),
  "zoom-out": () => setScale(state.scale / 1.25),
  "fit-width": () => setScale(fitScale(), { fit: true }),
  "toggle-left": () => setPanel("left", root.dataset.left !== "open"),
  "toggle-right": () => setPanel("right", root.dataset.right !== "open"),
  search: () => {
    setPanel("left", true);
    selectTab("search");
    search.focus();
  },
  comment: () => openCommentDialog(null),
  "dismiss-banner": () => ($("new-version").hidden = true),
};

root.addEventListener("click", (event) => {
  const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest("[data-action]"));
  if (!button || popup.contains(button) || button.closest("dialog")) return;
  const run = actions[button.dataset.action];
  if (run) run();
});

for (const tab of root.querySelectorAll('[role="tab"]')) {
  tab.addEventListener("click", () => selectTab(tab.id.replace("tab-", "")));
}

pageInput.addEventListener("change", () => {
  const n = Number.parseInt(pageInput.value, 10);
  if (Number.isFinite(n)) goTo(n);
});
pageInput.addEventListener("keydown", (event) => {
  if (event.key === "Enter") pageInput.dispatchEvent(new Event("change"));
});

document.addEventListener("keydown", (event) => {
  if (/** @type {Element} */ (event.target).closest("input, textarea, select, [contenteditable], dialog")) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key === "ArrowRight" || event.key === "PageDown") {
    event.preventDefault();
    actions.next();
  } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
    event.preventDefault();
    actions.prev();
  }
});

let touch = null;
scroller.addEventListener(
  "touchstart",
  (event) => {
    if (event.touches.length !== 1) {
      touch = null;
      return;
    }
    const p = event.touches[0];
    touch = { x: p.clientX, y: p.clientY, time: Date.now() };
  },
  { passive: true },
);
scroller.addEventListener(
  "touchend",
  (event) => {
    if (!touch || event.changedTouches.length !== 1) return;
    const p = event.changedTouches[0];
    const dx = p.clientX - touch.x;
    const dy = p.clientY - touch.y;
    const quick = Date.now() - touch.time < 700;
    touch = null;
    const pannable = scroller.scrollWidth > scroller.clientWidth + 4; // zoomed in: a swipe pans
    const selecting = window.getSelection() && !window.getSelection().isCollapsed;
    if (!quick || pannable || selecting || Math.abs(dx) < 70 || Math.abs(dx) < 2 * Math.abs(dy)) return;
    if (dx < 0) actions.next();
    else actions.prev();
  },
  { passive: true },
);

let scrollQueued = false;
scroller.addEventListener(
  "scroll",
  () => {
    if (scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      if (state.views.length) setCurrent(pageAtScroll());
    });
  },
  { passive: true },
);

new ResizeObserver(() => {
  if (state.fit && state.views.length) setScale(fitScale(), { fit: true });
}).observe(scroller);

// --- Search and the live banner --------------------------------------------------------------------

const search = setupSearch({
  url: config.search,
  form: $("search-form"),
  input: $("search-input"),
  status: $("search-status"),
  list: $("search-hits"),
  onHit: (hit) => {
    const previous = state.searchMark?.page;
    state.searchMark = { page: hit.page, match: hit.match, scroll: true };
    goTo(hit.page);
    if (previous && previous !== hit.page) repaint(previous);
    repaint(hit.page); // if already drawn; otherwise it is painted once rendered
    if (!wide()) setPanel("left", false);
  },
});

const connecting = connectLive({
  meeting: config.meeting,
  paper: config.paper,
  version: Math.max(config.version, config.newest),
  latestUrl: config.latest,
  stateEl: $("conn-state"),
  onNewVersion: (n) => {
    $("new-version-text").textContent = t("newVersion", { n });
    /** @type {HTMLAnchorElement} */ ($("new-version-open")).href = versionUrl(n);
    /** @type {HTMLAnchorElement} */ ($("new-version-compare")).href = config.compareTemplate.replace(config.placeholder, String(n));
    $("new-version").hidden = false;
  },
});

// Presenter follow comes with the live room; without it (offline, modules not cached) the
// viewer is a plain reader.
connecting
  .then(async (live) => {
    const { setupFollow } = await import("../live/follow.js");
    follow = setupFollow({
      live,
      paper: config.paper,
      version: config.version,
      // The room can name a page before the document is open: go there once it is.
      goTo: (n) => (state.views.length ? goTo(n) : ready.then(() => goTo(n))),
      currentPage: () => state.current,
      els: {
        toggle: $("follow-toggle"),
        start: $("present-start"),
        stop: $("present-stop"),
        banner: $("follow-banner"),
        bannerText: $("follow-text"),
        back: $("follow-back"),
        open: $("follow-open"),
        unfollow: $("follow-stop"),
      },
    });
  })
  .catch((error) => console.warn("live room unavailable", error));

// --- "#page=N&hl=text": an assistant's citation opens the page with the quoted text highlighted ---

function applyHash() {
  const { page, hl } = parseHash(location.hash);
  if (!page || !state.views.length) return;
  const previous = state.searchMark?.page;
  if (hl) state.searchMark = { page, match: hl, scroll: true, loose: true };
  goTo(page);
  if (hl && previous && previous !== page) repaint(previous);
  if (hl) repaint(page); // if already drawn; otherwise it is painted once rendered
}

// A link to #page=N on the paper already open only changes the hash.
window.addEventListener("hashchange", applyHash);

announceUser(config.user);
clearOnLogout();

// --- Open the document -------------------------------------------------------------------------------

async function open() {
  setPanel("left", wide());
  setPanel("right", false);
  const pdfjs = await import(config.pdfjs);
  pdfjs.GlobalWorkerOptions.workerSrc = config.worker;
  // Range loading: only the bytes of the pages looked at are fetched, so page 1 of a 300-page
  // paper opens as fast as a one-page one. The paper URL carries its version, so it never changes.
  const task = pdfjs.getDocument({
    url: config.file,
    rangeChunkSize: 128 * 1024,
    disableAutoFetch: true,
    disableStream: true,
    isEvalSupported: false,
    enableXfa: false,
  });
  state.pdf = await task.promise;
  const cache = new Map();
  const getPage = (n) => {
    if (!cache.has(n)) cache.set(n, state.pdf.getPage(n));
    return cache.get(n);
  };
  const first = await getPage(1);
  const base = first.getViewport({ scale: 1 });
  state.baseWidth = base.width;
  state.baseHeight = base.height;
  state.scale = fitScale();
  const count = state.pdf.numPages;
  $("page-count").textContent = String(count);
  pageInput.max = String(count);

  const onRendered = (view) => {
    paint(view);
    loading.hidden = true;
    root.dataset.ready = "true";
  };
  state.views = Array.from({ length: count }, (_, i) => {
    const view = new PageView({ number: i + 1, pdfjs, getPage, watermark: root.dataset.watermark, onRendered });
    view.setSize(base.width * state.scale, base.height * state.scale);
    return view;
  });
  inner.replaceChildren(...state.views.map((v) => v.el));

  watchVisible(state.views, scroller, visible, renderVisible);

  thumbs = setupThumbs({
    list: $("thumbs"),
    count,
    getPage,
    aspect: base.height / base.width,
    onPick: (n) => {
      goTo(n);
      if (!wide()) setPanel("left", false);
    },
  });
  if (root.dataset.left === "open" && !$("pane-thumbs").hidden) thumbs.start();

  if (/page=\d+/.test(location.hash)) applyHash();
  else setCurrent(1);
  markReady();
  notes.load();
}

open().catch(showError);
