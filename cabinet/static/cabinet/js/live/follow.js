// Presenter follow in the viewer.
//
// A member who follows the presenter is taken to the presented page (or paper) as it changes. A
// member who pages away by hand while following is not pulled back silently: a banner says they
// are following (and which page the presenter is on) with "Về trang N" and "Thôi theo dõi".
// Someone allowed to present (chair, secretary, or the current presenter) gets "Trình bày": from
// then on their page changes are sent as presenter.page, debounced.
import { setText } from "./dom.js";
import { t } from "./labels.js";
import { EVENT } from "./protocol.js";

const PAGE_DEBOUNCE_MS = 150;

export function paperUrl(presenter) {
  return `/papers/${presenter.paper}/v${presenter.version}/#page=${presenter.page}`;
}

/**
 * live: from startRoom (room, run)
 * paper, version: what this viewer shows
 * goTo(n): show page n (safe to call before the document is open: it waits)
 * currentPage(): the page being read
 * els: {toggle, start, stop, banner, bannerText, back, open, unfollow}
 * returns {pageChanged(n)}: to be called whenever the page being read changes
 */
export function setupFollow({ live, paper, version, goTo, currentPage, els }) {
  const { room, run } = live;
  let sendTimer = null;
  let lastSent = null;

  const me = () => room.state?.me || null;
  const presenter = () => room.state?.presenter || null;
  const following = () => Boolean(me()?.follows_presenter);
  const iPresent = () => {
    const p = presenter();
    return Boolean(p && me() && p.participant === me().participant);
  };
  const onThisPaper = (p) => p && p.paper === paper && p.version === version;
  // The chair and secretary may always present; the official presenting the current item may
  // present while it is current (computed here, as the current item changes by events).
  const presentsCurrentItem = () => {
    const state = room.state;
    const item = state?.items?.find((i) => i.id === state.current_item);
    return Boolean(item && me() && item.presenter_user === me().user);
  };
  const mayPresent = () => Boolean(me()?.can_run) || presentsCurrentItem() || iPresent();

  function render() {
    const p = presenter();
    const presentingHere = iPresent() && onThisPaper(p);
    // Following oneself makes no sense; the toggle is for everyone else.
    els.toggle.hidden = !me() || iPresent();
    els.toggle.setAttribute("aria-pressed", String(following()));
    setText(els.toggle, following() ? `✓ ${t("followPresenter")}` : t("followPresenter"));
    els.start.hidden = !mayPresent() || presentingHere;
    els.stop.hidden = !(iPresent() || (p && me()?.can_run));

    let text = "";
    let offPage = false;
    let elsewhere = false;
    if (presentingHere) {
      text = t("youPresent");
    } else if (p && following()) {
      elsewhere = !onThisPaper(p);
      offPage = !elsewhere && currentPage() !== p.page;
      text = elsewhere ? t("followElsewhere", { title: p.title, page: p.page }) : t("followBanner", { page: p.page });
    }
    els.banner.hidden = !text;
    setText(els.bannerText, text);
    els.back.hidden = !offPage;
    if (offPage) setText(els.back, t("backToPage", { page: p.page }));
    els.open.hidden = !elsewhere;
    if (elsewhere) els.open.href = paperUrl(p);
    els.unfollow.hidden = !(p && following() && !iPresent());
  }

  /** Take a follower to the presented page: this paper → scroll; another → open it. */
  function follow(p) {
    if (!p || !following() || iPresent()) return;
    if (onThisPaper(p)) goTo(p.page);
    else location.assign(paperUrl(p));
  }

  room.subscribe((state, event) => {
    const p = state.presenter;
    // Live moves of the presenter carry the follower along; a snapshot (page load, reconnect) only
    // does so on this paper, so that opening another paper by hand is not undone on arrival.
    if (event && (event.name === EVENT.PRESENTER_PAGE || event.name === EVENT.PRESENTER_CHANGED)) follow(p);
    else if ((!event || event.name === "snapshot") && onThisPaper(p)) follow(p); // null: state already there
    render();
  });

  async function setFollowing(value) {
    const ack = await run("presenter.follow", { follow: value });
    // presenter.follow is acked, never broadcast: keep our copy of "me" in step ourselves.
    if (ack.ok && room.state) {
      room.state.me.follows_presenter = value;
      room.emit({ name: "me.follow" });
      if (value) follow(presenter());
    }
  }

  els.toggle.addEventListener("click", () => setFollowing(!following()));
  els.unfollow.addEventListener("click", () => setFollowing(false));
  els.back.addEventListener("click", () => {
    const p = presenter();
    if (p) goTo(p.page);
  });
  els.start.addEventListener("click", async () => {
    els.start.disabled = true;
    const page = currentPage();
    const ack = await run("presenter.start", { paper, version, page });
    els.start.disabled = false;
    if (ack.ok) lastSent = page;
  });
  els.stop.addEventListener("click", async () => {
    els.stop.disabled = true;
    await run("presenter.stop");
    els.stop.disabled = false;
    lastSent = null;
  });

  return {
    pageChanged(page) {
      if (iPresent() && onThisPaper(presenter())) {
        // Scrolling through pages sends only where the presenter stops.
        clearTimeout(sendTimer);
        sendTimer = setTimeout(() => {
          if (page === lastSent || !iPresent()) return;
          lastSent = page;
          run("presenter.page", { page });
        }, PAGE_DEBOUNCE_MS);
      }
      render();
    },
  };
}
