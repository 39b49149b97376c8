// Search in the paper: the server searches the version's extracted text (accent-insensitive);
// a hit jumps to its page and the match is highlighted in that page's text layer.
import { api } from "./api.js";
import { t } from "./labels.js";

export function setupSearch({ url, form, input, status, list, onHit }) {
  let controller = null;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    controller?.abort();
    controller = new AbortController();
    status.textContent = t("searching");
    list.replaceChildren();
    let data;
    try {
      data = await api(`${url}?q=${encodeURIComponent(q)}`);
    } catch (error) {
      status.textContent = error.status === 400 ? error.message : t("searchFailed");
      return;
    }
    const count = data.hits.length;
    status.textContent = count === 0 ? t("noHits", { q }) : t(data.truncated ? "hitsMore" : "hits", { n: count, q });
    for (const hit of data.hits) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "hit";
      const page = document.createElement("strong");
      page.textContent = t("page", { n: hit.page });
      const snippet = document.createElement("span");
      snippet.append(...markMatch(hit.snippet, hit.match));
      button.append(page, snippet);
      button.addEventListener("click", () => {
        for (const other of list.querySelectorAll("[aria-current]")) other.removeAttribute("aria-current");
        button.setAttribute("aria-current", "true");
        onHit(hit);
      });
      li.append(button);
      list.append(li);
    }
  });

  return {
    focus() {
      input.focus();
      input.select();
    },
  };
}

/** The snippet as nodes, with the matched text in <mark> (the snippet's whitespace is collapsed). */
function markMatch(snippet, match) {
  const needle = match.replace(/\s+/g, " ");
  const at = snippet.indexOf(needle);
  if (at === -1) return [document.createTextNode(snippet)];
  const mark = document.createElement("mark");
  mark.textContent = needle;
  return [
    document.createTextNode(snippet.slice(0, at)),
    mark,
    document.createTextNode(snippet.slice(at + needle.length)),
  ];
}
