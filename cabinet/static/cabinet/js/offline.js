// Offline reading. On the meeting page, "Tải về để đọc khi mất mạng" registers the service worker
// (/sw.js), asks the server which URLs this user may keep for the meeting, stores them in a
// per-user, per-meeting cache and prunes what the server no longer lists. On every page that loads
// this module: tell the worker who is signed in, and empty the caches before signing out.

import { csrfToken } from "./viewer/api.js";

const LABELS = {
  vi: {
    working: "Đang chuẩn bị…",
    progress: "Đã tải {done}/{total} tài liệu",
    done: "Đã tải {total} tài liệu – có thể đọc khi mất mạng",
    saved: "Đã lưu để đọc khi mất mạng",
    failed: "Không tải được để đọc ngoại tuyến. Hãy thử lại khi có mạng.",
    unsupported: "Trình duyệt này không hỗ trợ đọc ngoại tuyến.",
    offline: "Cần kết nối mạng để tải tài liệu về.",
  },
  en: {
    working: "Preparing…",
    progress: "Downloaded {done}/{total} papers",
    done: "{total} papers downloaded – readable offline",
    saved: "Saved for offline reading",
    failed: "Could not save for offline reading. Try again when online.",
    unsupported: "This browser cannot keep papers for offline reading.",
    offline: "A network connection is needed to download the papers.",
  },
};
const labels = LABELS[document.documentElement.lang] || LABELS.vi;
const say = (key, vars = {}) => labels[key].replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");

/** Tell the service worker (if one controls this page) who is signed in. */
export function announceUser(id) {
  if (!("serviceWorker" in navigator) || !id) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.active?.postMessage({ type: "user", id: String(id) }))
    .catch(() => {});
}

const STORED_AT = "X-Offline-Stored-At"; // the service worker reads these (sw.js)
const MAX_AGE = "X-Offline-Max-Age";

/** Whether a stored copy is still within its offline lifetime (the same rule as sw.js). */
function isFresh(response) {
  const stored = Number(response.headers.get(STORED_AT));
  const maxAge = Number(response.headers.get(MAX_AGE));
  const age = Date.now() - stored;
  return Boolean(stored && maxAge) && age >= -5 * 60 * 1000 && age <= maxAge * 1000;
}

/** The response to store, stamped with when it was stored and how long it may be read offline. */
async function stamped(response, maxAge) {
  const headers = new Headers(response.headers);
  headers.set(STORED_AT, String(Date.now()));
  headers.set(MAX_AGE, String(maxAge));
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

/** Delete every offline copy and the service worker: this device was wiped, or its session ended
 * (the server says so with data-offline-purge on the page and X-Offline-Purge on responses). */
export async function purgeOffline() {
  if ("caches" in window) {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("offline-")).map((n) => caches.delete(n)));
  }
  const registrations = (await navigator.serviceWorker?.getRegistrations()) || [];
  await Promise.all(registrations.map((r) => r.unregister()));
}

/** Empty the offline caches when signing out. The logout response's Clear-Site-Data header is the
 * guarantee; this is the belt to its braces, started without holding up the form (a delayed
 * submit would race any navigation that follows). */
export function clearOnLogout() {
  const forms = 'form[action$="/logout/"], form[action$="/sign-out-everywhere/"]';
  for (const form of /** @type {NodeListOf<HTMLFormElement>} */ (document.querySelectorAll(forms))) {
    if (form.dataset.offlineClear) continue;
    form.dataset.offlineClear = "1";
    form.addEventListener("submit", () => {
      if ("caches" in window) {
        caches
          .keys()
          .then((names) => Promise.all(names.filter((n) => n.startsWith("offline-")).map((n) => caches.delete(n))))
          .catch(() => {});
      }
      navigator.serviceWorker
        ?.getRegistrations()
        .then((registrations) => registrations.forEach((r) => r.unregister()))
        .catch(() => {});
    });
  }
}

async function saveMeeting(button, status) {
  const show = (key, vars) => {
    status.textContent = say(key, vars);
    status.dataset.state = key;
  };
  if (!("serviceWorker" in navigator) || !("caches" in window)) return show("unsupported");
  if (!navigator.onLine) return show("offline");
  button.disabled = true;
  show("working");
  try {
    await navigator.serviceWorker.register(button.dataset.sw, { scope: "/" });
    const registration = await navigator.serviceWorker.ready;
    registration.active?.postMessage({ type: "user", id: button.dataset.user });

    const response = await fetch(button.dataset.manifest, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`manifest ${response.status}`);
    const manifest = await response.json();
    const cache = await caches.open(manifest.cache);
    const wanted = new Set(manifest.urls.map((u) => new URL(u, location.href).href));

    // What the server no longer lists (a paper withdrawn, a version replaced) goes.
    for (const request of await cache.keys()) {
      if (!wanted.has(request.url)) await cache.delete(request);
    }

    const keep = async (url, { immutable = false } = {}) => {
      if (immutable) {
        const kept = await cache.match(url, { ignoreVary: true });
        if (kept && isFresh(kept)) return;
      }
      const got = await fetch(url, {
        credentials: "same-origin",
        cache: "no-cache",
        headers: { "X-Offline-Prefetch": "1" }, // storing a paper is not reading it
      });
      if (got.status !== 200 || got.redirected) throw new Error(`${url}: ${got.status}`);
      await cache.put(url, await stamped(got, manifest.max_age));
    };

    const paperUrls = new Set(manifest.papers.flatMap((p) => [p.view, p.file]));
    for (const url of manifest.urls) {
      if (!paperUrls.has(url)) await keep(url);
    }
    const total = manifest.papers.length;
    let done = 0;
    show("progress", { done, total });
    for (const paper of manifest.papers) {
      await keep(paper.file, { immutable: true });
      await keep(paper.view);
      done += 1;
      show("progress", { done, total });
    }
    show("done", { total });
    button.dataset.state = "done";
  } catch (error) {
    console.error(error);
    show("failed");
  } finally {
    button.disabled = false;
  }
}

function setUp() {
  if (document.body.dataset.offlinePurge) {
    purgeOffline().catch((error) => console.error(error));
    return;
  }
  clearOnLogout();
  const button = document.getElementById("offline-save");
  if (!button) return;
  const status = document.getElementById("offline-status");
  announceUser(button.dataset.user);
  if ("caches" in window && button.dataset.cache) {
    caches
      .open(button.dataset.cache)
      .then((cache) => cache.keys())
      .then((kept) => {
        if (kept.length && !status.textContent) status.textContent = say("saved");
      });
  }
  button.addEventListener("click", () => saveMeeting(button, status));
}

setUp();
