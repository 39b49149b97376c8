// One page of the document: a placeholder sized like the page, rendered on demand (canvas, text
// layer for selection, highlight layer, watermark) and emptied again when far from view.
import { pageModel } from "./anchor.js";
import { t } from "./labels.js";

const MAX_PIXELS = 8 * 1024 * 1024;

export class PageView {
  constructor({ number, pdfjs, getPage, watermark, onRendered }) {
    this.number = number;
    this.pdfjs = pdfjs;
    this.getPage = getPage;
    this.onRendered = onRendered;
    this.scale = null; // scale of what is drawn now
    this.task = null;
    this.model = null;
    this.textDivs = [];
    this.divIndex = new Map();
    this.el = document.createElement("div");
    this.el.className = "vpage";
    this.el.dataset.page = String(number);
    this.el.setAttribute("role", "region");
    this.el.setAttribute("aria-label", t("page", { n: number }));
    this.highlights = document.createElement("div");
    this.highlights.className = "vhl";
    this.wm = makeWatermark(watermark);
  }

  /** Size the placeholder; pages not yet loaded take the size of the first page. */
  setSize(width, height) {
    this.el.style.width = `${Math.floor(width)}px`;
    this.el.style.height = `${Math.floor(height)}px`;
  }

  get rendered() {
    return this.scale !== null;
  }

  async render(scale) {
    if (this.scale === scale || this.pending === scale) return;
    this.cancel();
    this.pending = scale;
    try {
      const page = await this.getPage(this.number);
      if (this.pending !== scale) return;
      const viewport = page.getViewport({ scale });
      // Sharp on high-density screens, but no canvas over MAX_PIXELS (tablets run out of memory).
      const dpr = window.devicePixelRatio || 1;
      const ratio = Math.min(dpr, Math.sqrt(MAX_PIXELS / (viewport.width * viewport.height)));
      const canvas = document.createElement("canvas");
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      canvas.style.width = `${Math.floor(viewport.width)}px`;
      canvas.style.height = `${Math.floor(viewport.height)}px`;
      this.task = page.render({
        canvas,
        canvasContext: canvas.getContext("2d"),
        viewport,
        transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
      });
      await this.task.promise;
      if (this.pending !== scale) return;
      const textContent = await page.getTextContent();
      if (this.pending !== scale) return;
      const layer = document.createElement("div");
      layer.className = "textLayer";
      const textLayer = new this.pdfjs.TextLayer({ textContentSource: textContent, container: layer, viewport });
      await textLayer.render();
      if (this.pending !== scale) return;
      const end = document.createElement("div");
      end.className = "endOfContent";
      layer.append(end);

      this.setSize(viewport.width, viewport.height);
      this.el.style.setProperty("--scale-factor", String(scale));
      this.el.style.setProperty("--total-scale-factor", String(scale));
      this.el.replaceChildren(canvas, this.highlights, layer, this.wm);
      this.highlights.replaceChildren();
      this.model = pageModel(textContent.items);
      this.textDivs = textLayer.textDivs;
      this.divIndex = new Map(this.textDivs.map((div, i) => [div, i]));
      this.layer = layer;
      this.scale = scale;
      this.onRendered(this);
    } catch (error) {
      if (error && error.name === "RenderingCancelledException") return;
      throw error;
    } finally {
      if (this.pending === scale) this.pending = null;
    }
  }

  cancel() {
    if (this.task) this.task.cancel();
    this.task = null;
    this.pending = null;
  }

  /** Drop the canvas and layers (memory) but keep the placeholder's size. */
  clear() {
    this.cancel();
    this.el.replaceChildren();
    this.scale = null;
    this.model = null;
    this.textDivs = [];
    this.divIndex = new Map();
    this.layer = null;
  }
}

function makeWatermark(text) {
  const wm = document.createElement("div");
  wm.className = "vwm";
  wm.setAttribute("aria-hidden", "true");
  for (let i = 0; i < 6; i++) {
    const line = document.createElement("span");
    line.textContent = text;
    wm.append(line);
  }
  return wm;
}

// --- The window of drawn pages (shared by the paper viewer and the assistant's directive viewer) --

// The page under the upper third of the scroller: the one being read.
export function pageAtScroll(views, scroller) {
  const probe = scroller.scrollTop + scroller.clientHeight / 3;
  let lo = 0;
  let hi = views.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (views[mid].el.offsetTop <= probe) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

// Draw the visible pages and free the drawn ones farthest from the current page, keeping at
// most `keep` beyond the visible ones: memory stays bounded on a 300-page paper.
export function renderWindow(views, visible, { scale, current, keep, onError }) {
  for (const number of visible) {
    views[number - 1].render(scale).catch(onError);
  }
  const drawn = views.filter((v) => v.rendered || v.pending);
  if (drawn.length > keep + visible.size) {
    drawn
      .filter((v) => !visible.has(v.number))
      .sort((a, b) => Math.abs(b.number - current) - Math.abs(a.number - current))
      .slice(0, drawn.length - keep - visible.size)
      .forEach((v) => v.clear());
  }
}

// Keep `visible` (page numbers) in step with the pages near the scroller's view, calling
// `onChange` after each change; returns the observer.
export function watchVisible(views, scroller, visible, onChange) {
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const n = Number(/** @type {HTMLElement} */ (entry.target).dataset.page);
        if (entry.isIntersecting) visible.add(n);
        else visible.delete(n);
      }
      onChange();
    },
    { root: scroller, rootMargin: "50% 0px" },
  );
  for (const view of views) observer.observe(view.el);
  return observer;
}
