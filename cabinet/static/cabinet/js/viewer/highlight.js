// Finding a cited passage in a page's text: the citation carries the start of the quote as the
// server extracted it; the page text here (pdf.js text layer, or the stored page text) may differ
// in whitespace, line breaks, punctuation, case and Unicode composition. Both sides are folded to
// letters and digits without diacritics, and shorter prefixes are tried if the whole start is not
// found (the quote may run onto the next page); a match then runs on as far as the page agrees.
// Used by the paper viewer and the directive viewer.

const PREFIXES = [Infinity, 120, 80, 50, 30, 18];

function foldChar(char) {
  if (char === "đ" || char === "Đ") return "d";
  const base = char.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  return /^[\p{L}\p{N}]/u.test(base) ? base[0] : "";
}

/** Letters and digits of `text`, folded, with each one's offset in `text`. */
function folded(text) {
  let out = "";
  const map = [];
  for (let i = 0; i < text.length; i++) {
    const f = foldChar(text[i]);
    if (f) {
      out += f;
      map.push(i);
    }
  }
  return { out, map };
}

/** {start, end} offsets in `text` of the passage starting with `needle`, or null. */
export function findLoose(text, needle) {
  if (!text || !needle) return null;
  const hay = folded(text);
  const want = folded(needle.normalize("NFC")).out;
  if (!want) return null;
  for (const limit of PREFIXES) {
    const length = Math.min(limit, want.length);
    if (limit !== Infinity && limit >= want.length) continue;
    const at = hay.out.indexOf(want.slice(0, length));
    if (at === -1) continue;
    let end = at + length;
    while (end < hay.out.length && end - at < want.length && hay.out[end] === want[end - at]) end++;
    return { start: hay.map[at], end: hay.map[end - 1] + 1 };
  }
  return null;
}

/** {page, hl} from a location hash like "#page=3&hl=Điều%2013…" (page null when absent). */
export function parseHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const page = Number.parseInt(params.get("page") || "", 10);
  return { page: Number.isFinite(page) && page > 0 ? page : null, hl: (params.get("hl") || "").trim() };
}
