// Page thumbnails in the left panel: small, drawn only when scrolled into the panel's view.
import { t } from "./labels.js";

const THUMB_WIDTH = 96;

export function setupThumbs({ list, count, getPage, aspect, onPick }) {
  const items = [];
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        draw(entry.target).catch(() => entry.target.classList.add("failed"));
      }
    },
    { root: list.closest(".vpane"), rootMargin: "200px 0px" },
  );

  async function draw(button) {
    const number = Number(button.dataset.page);
    const page = await getPage(number);
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: THUMB_WIDTH / base.width });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport }).promise;
    button.querySelector(".thumb-box").replaceChildren(canvas);
  }

  for (let n = 1; n <= count; n++) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thumb";
    button.dataset.page = String(n);
    button.setAttribute("aria-label", t("pageThumb", { n }));
    const box = document.createElement("span");
    box.className = "thumb-box";
    box.style.height = `${Math.round(THUMB_WIDTH * aspect)}px`;
    const label = document.createElement("span");
    label.className = "thumb-no";
    label.textContent = String(n);
    button.append(box, label);
    button.addEventListener("click", () => onPick(n));
    li.append(button);
    list.append(li);
    items.push(button);
  }

  let started = false;
  let previous = null;
  return {
    /** Start drawing once the panel is shown (a hidden panel would draw nothing useful). */
    start() {
      if (started) return;
      started = true;
      for (const button of items) observer.observe(button);
    },
    setCurrent(n) {
      if (previous) previous.removeAttribute("aria-current");
      const current = items[n - 1];
      if (!current) return;
      current.setAttribute("aria-current", "page");
      previous = current;
      const pane = list.closest(".vpane");
      if (pane && !pane.hidden) {
        const top = current.offsetTop - pane.scrollTop;
        if (top < 0 || top > pane.clientHeight - current.offsetHeight) {
          current.scrollIntoView({ block: "nearest" });
        }
      }
    },
  };
}
