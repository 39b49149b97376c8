// The directive viewer: the PDF drawn by pdf.js (the meeting papers' page views, range loading,
// pages drawn only near the view), or the page texts of a plain-text directive; opened at
// "#page=N&hl=text" with that text highlighted and scrolled into view.
import { domRange, paintBoxes, rangeBoxes } from "../../cabinet/js/viewer/anchor.js";
import {
  PageView,
  pageAtScroll as pageAt,
  renderWindow,
  watchVisible,
} from "../../cabinet/js/viewer/pages.js";
import { t } from "../../cabinet/js/viewer/labels.js";
import { findLoose, parseHash } from "../../cabinet/js/viewer/highlight.js";

const config = JSON.parse(document.getElementById("directive-config").textContent);
const root = document.getElementById("viewer");
const scroller = document.getElementById("vpages");
const inner = document.getElementById("vpages-inner");
const pageInput = /** @type {HTMLInputElement} */ (document.getElementById("page-input"));
const loading = document.getElementById("vloading");

const MIN_SCALE = 0.4;
const MAX_SCALE = 4;
const KEEP_RENDERED = 4;

const state = {
  views: [], // PDF: PageView; text: {number, el}
  scale: 1,
  fit: true,
  baseWidth: 595,
  baseHeight: 842,
  current: 1,
  mark: null, // {page, text, scroll}
};

// --- Panels --------------------------------------------------------------------------------------

const wideQuery = window.matchMedia("(min-width: 1100px) and (orientation: landscape)");
function setPanel(open) {
  root.dataset.left = open ? "open" : "closed";
  root.querySelector('[data-action="toggle-left"]')?.setAttribute("aria-expanded", String(open));
}
wideQuery.addEventListener("change", () => setPanel(wideQuery.matches));
setPanel(wideQuery.matches);

// --- Navigation ------------------------------------------------------------------------------------

function setCurrent(n) {
  state.current = n;
  if (pageInput && document.activeElement !== pageInput) pageInput.value = String(n);
}

function goTo(number, { smooth = false } = {}) {
  const n = Math.max(1, Math.min(state.views.length, number));
  const view = state.views[n - 1];
  if (!view) return;
  scroller.scrollTo({ top: view.el.offsetTop - 8, behavior: smooth ? "smooth" : "auto" });
  setCurrent(n);
}

function pageAtScroll() {
  return pageAt(state.views, scroller);
}

let scrollQueued = false;
scroller.addEventListener(
  "scroll",
  () => {
    if (scrollQueued || !state.views.length) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      setCurrent(pageAtScroll());
    });
  },
  { passive: true },
);

const actions = {
  prev: () => goTo(state.current - 1),
  next: () => goTo(state.current + 1),
  "zoom-in": () => setScale(state.scale * 1.25),
  "zoom-out": () => setScale(state.scale / 1.25),
  "fit-width": () => setScale(fitScale(), { fit: true }),
  "toggle-left": () => setPanel(root.dataset.left !== "open"),
};
root.addEventListener("click", (event) => {
  const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest("[data-action]"));
  const run = button && actions[button.dataset.action];
  if (run) run();
});
pageInput?.addEventListener("change", () => {
  const n = Number.parseInt(pageInput.value, 10);
  if (Number.isFinite(n)) goTo(n);
});
document.addEventListener("keydown", (event) => {
  if (/** @type {Element} */ (event.target).closest("input, textarea, select, [contenteditable]")) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key === "ArrowRight" || event.key === "PageDown") {
    event.preventDefault();
    actions.next();
  } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
    event.preventDefault();
    actions.prev();
  }
});

// --- The highlighted passage ------------------------------------------------------------------------

function scrollToY(y) {
  scroller.scrollTo({ top: Math.max(0, y - scroller.clientHeight / 3) });
}

/** PDF: paint the passage's boxes on a rendered page. */
function paintPdf(view) {
  if (!view.rendered) return;
  view.highlights.replaceChildren();
  const mark = state.mark;
  if (!mark || mark.page !== view.number) return;
  const found = findLoose(view.model.text, mark.text);
  const range = found && domRange(view.model, view.textDivs, found.start, found.end);
  const boxes = range ? rangeBoxes(range, view.el) : [];
  root.dataset.highlight = boxes.length ? "shown" : "missing";
  if (!boxes.length) return;
  paintBoxes(view.highlights, boxes, "vhl-box vhl-search dhl");
  if (mark.scroll) {
    mark.scroll = false;
    scrollToY(view.el.offsetTop + (boxes[0].top / 100) * view.el.offsetHeight);
  }
}

/** Plain text: wrap the passage in <mark> (the page's text is one text node). */
function markText(view) {
  for (const old of inner.querySelectorAll("mark.dhl")) old.replaceWith(...old.childNodes);
  for (const el of inner.querySelectorAll(".tpage-text")) el.normalize();
  const mark = state.mark;
  if (!mark || mark.page !== view.number) return;
  const body = view.el.querySelector(".tpage-text");
  const node = body?.firstChild;
  const found = node && node.nodeType === Node.TEXT_NODE ? findLoose(node.data, mark.text) : null;
  root.dataset.highlight = found ? "shown" : "missing";
  if (!found) return;
  const range = document.createRange();
  range.setStart(node, found.start);
  range.setEnd(node, found.end);
  const el = document.createElement("mark");
  el.className = "dhl";
  range.surroundContents(el);
  if (mark.scroll) {
    mark.scroll = false;
    const box = el.getBoundingClientRect();
    scrollToY(box.top - scroller.getBoundingClientRect().top + scroller.scrollTop);
  }
}

function applyHash() {
  const { page, hl } = parseHash(location.hash);
  if (!state.views.length || (!page && !hl)) return;
  const number = Math.max(1, Math.min(state.views.length, page || 1));
  state.mark = hl ? { page: number, text: hl, scroll: true } : null;
  goTo(number);
  for (const view of state.views) {
    if (config.file) paintPdf(view);
    else markText(view);
  }
}
window.addEventListener("hashchange", applyHash);

// --- PDF ---------------------------------------------------------------------------------------------

function fitScale() {
  const width = scroller.clientWidth - 32;
  return Math.max(MIN_SCALE, Math.min(MAX_SCALE, width / state.baseWidth));
}

function setScale(scale, { fit = false } = {}) {
  if (!config.file) return;
  scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, Math.round(scale * 1000) / 1000));
  state.fit = fit;
  if (Math.abs(scale - state.scale) < 0.001) return;
  const keep = state.current;
  state.scale = scale;
  if (state.mark) state.mark.scroll = true;
  for (const view of state.views) {
    view.clear();
    view.setSize(state.baseWidth * scale, state.baseHeight * scale);
  }
  goTo(keep);
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

function showError(error) {
  console.error(error);
  if (loading) {
    loading.hidden = false;
    loading.textContent = t("loadFailed");
  }
}

async function openPdf() {
  const pdfjs = await import(config.pdfjs);
  pdfjs.GlobalWorkerOptions.workerSrc = config.worker;
  const pdf = await pdfjs.getDocument({
    url: config.file,
    rangeChunkSize: 128 * 1024,
    disableAutoFetch: true,
    disableStream: true,
    isEvalSupported: false,
    enableXfa: false,
  }).promise;
  const cache = new Map();
  const getPage = (n) => {
    if (!cache.has(n)) cache.set(n, pdf.getPage(n));
    return cache.get(n);
  };
  const base = (await getPage(1)).getViewport({ scale: 1 });
  state.baseWidth = base.width;
  state.baseHeight = base.height;
  state.scale = fitScale();
  const count = pdf.numPages;
  document.getElementById("page-count").textContent = String(count);
  pageInput.max = String(count);
  const onRendered = (view) => {
    paintPdf(view);
    loading.hidden = true;
    root.dataset.ready = "true";
  };
  state.views = Array.from({ length: count }, (_, i) => {
    const view = new PageView({ number: i + 1, pdfjs, getPage, watermark: "", onRendered });
    view.setSize(base.width * state.scale, base.height * state.scale);
    return view;
  });
  inner.replaceChildren(...state.views.map((v) => v.el));
  watchVisible(state.views, scroller, visible, renderVisible);
  new ResizeObserver(() => {
    if (state.fit && state.views.length) setScale(fitScale(), { fit: true });
  }).observe(scroller);
  if (location.hash) applyHash();
  else setCurrent(1);
}

// --- Plain text --------------------------------------------------------------------------------------

function openText() {
  state.views = [.../** @type {NodeListOf<HTMLElement>} */ (inner.querySelectorAll(".tpage"))].map((el) => ({ number: Number(el.dataset.page), el }));
  root.dataset.ready = "true";
  if (location.hash) applyHash();
  else setCurrent(1);
}

if (config.file) openPdf().catch(showError);
else openText();
