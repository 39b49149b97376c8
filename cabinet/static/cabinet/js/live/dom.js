// Tiny DOM helpers. Every piece of user data goes in as text (textContent), never as HTML.

/**
 * h("button", {class: "btn", dataset: {id: 3}, onclick: fn, hidden: false}, "text", child…)
 * Attributes with null/false values are left out; children that are null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children only when the rendered text differs (keeps focus and selection). */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

let toastTimer = null;

/** A short message in the page's aria-live toast (#live-toast). */
export function toast(text, { error = false } = {}) {
  const el = document.getElementById("live-toast");
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = error ? "error" : "info";
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), error ? 6000 : 2500);
}
