// A page's text as pdf.js sees it, and finding a quoted passage in it regardless of whitespace.
//
// The page text is the text items joined in order, with "\n" after an item that ends a line. Notes
// store offsets in that text; the quote itself is the anchor, offsets only break ties.

export const CONTEXT_CHARS = 30;

export function normalizeQuote(text) {
  return text.normalize("NFC").replace(/\s+/g, " ").trim();
}

/** Build the model of a page from its text content items (the order pdf.js gives its text divs). */
export function pageModel(items) {
  const starts = [];
  let text = "";
  for (const item of items) {
    if (item.str === undefined) continue; // marked content markers have no text and no div
    starts.push(text.length);
    text += item.str.normalize("NFC");
    if (item.hasEOL) text += "\n";
  }
  // Whitespace-free copy with a map back to offsets in `text`.
  const compactMap = [];
  let compact = "";
  for (let i = 0; i < text.length; i++) {
    if (!/\s/.test(text[i])) {
      compact += text[i];
      compactMap.push(i);
    }
  }
  return { text, starts, compact, compactMap };
}

/** Offsets {start, end} of `quote` in the page text, the occurrence nearest to `hint`; or null. */
export function findQuote(model, quote, hint = null) {
  const needle = normalizeQuote(quote).replace(/\s+/g, "");
  if (!needle) return null;
  let best = null;
  for (let at = model.compact.indexOf(needle); at !== -1; at = model.compact.indexOf(needle, at + 1)) {
    const start = model.compactMap[at];
    const end = model.compactMap[at + needle.length - 1] + 1;
    if (best === null || (hint !== null && Math.abs(start - hint) < Math.abs(best.start - hint))) {
      best = { start, end };
    }
    if (hint === null) break;
  }
  return best;
}

/** The item index holding text offset `offset` (an offset on an item boundary belongs to the next one). */
function itemAt(model, offset) {
  let lo = 0;
  let hi = model.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (model.starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A DOM Range over the text layer's divs for page-text offsets [start, end). */
export function domRange(model, textDivs, start, end) {
  const last = Math.min(model.starts.length, textDivs.length) - 1;
  if (last < 0 || end <= start) return null;
  let i = itemAt(model, start);
  let from = start - model.starts[i];
  // Move off separators and empty items to the first text node at or after `start`.
  while (i <= last && (!textDivs[i].firstChild || from >= textDivs[i].firstChild.length)) {
    i += 1;
    from = 0;
  }
  let j = itemAt(model, end - 1);
  let to = end - model.starts[j];
  while (j >= 0 && !textDivs[j].firstChild) {
    j -= 1;
    to = Infinity;
  }
  if (i > last || j < 0 || j < i) return null;
  const startNode = textDivs[i].firstChild;
  const endNode = textDivs[j].firstChild;
  const range = document.createRange();
  try {
    range.setStart(startNode, from);
    range.setEnd(endNode, Math.min(to, endNode.length));
  } catch {
    return null;
  }
  return range;
}

/** Page-text offset of a DOM position inside the text layer, or null if it is not in a text div. */
export function offsetOf(model, divIndex, node, offset) {
  let element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  const index = divIndex.get(element);
  if (index === undefined) return null;
  const local = node.nodeType === Node.TEXT_NODE ? offset : offset > 0 ? element.textContent.length : 0;
  return model.starts[index] + local;
}

/** Quote, offsets and surrounding context of a DOM selection range on one page. */
export function describeSelection(model, divIndex, range) {
  const quote = normalizeQuote(range.toString());
  if (!quote) return null;
  const hint = offsetOf(model, divIndex, range.startContainer, range.startOffset);
  const found = findQuote(model, quote, hint);
  if (!found) return null;
  return {
    quote,
    start: found.start,
    end: found.end,
    prefix: normalizeQuote(model.text.slice(Math.max(0, found.start - CONTEXT_CHARS), found.start)).slice(-CONTEXT_CHARS),
    suffix: normalizeQuote(model.text.slice(found.end, found.end + CONTEXT_CHARS)).slice(0, CONTEXT_CHARS),
  };
}

/** Boxes (in % of the page box) covering a DOM range, for drawing highlights under the text. */
export function rangeBoxes(range, pageElement) {
  const box = pageElement.getBoundingClientRect();
  const out = [];
  for (const rect of range.getClientRects()) {
    if (rect.width < 1 || rect.height < 1) continue;
    out.push({
      left: ((rect.left - box.left) / box.width) * 100,
      top: ((rect.top - box.top) / box.height) * 100,
      width: (rect.width / box.width) * 100,
      height: (rect.height / box.height) * 100,
    });
  }
  return out;
}

/** Draw highlight boxes (from rangeBoxes) into a page's highlight layer. */
export function paintBoxes(layer, boxes, className, noteId = null) {
  for (const box of boxes) {
    const div = document.createElement("div");
    div.className = className;
    if (noteId !== null) div.dataset.note = String(noteId);
    Object.assign(div.style, {
      left: `${box.left}%`,
      top: `${box.top}%`,
      width: `${box.width}%`,
      height: `${box.height}%`,
    });
    layer.append(div);
  }
}
