// Service worker for offline reading (served at /sw.js by cabinet.papers.views.offline.service_worker).
//
// It never decides what a user may read: the page fills a per-user, per-meeting cache
// ("offline-u<user>-m<meeting>") from the server's manifest, and this worker only answers from
// the caches of the user the pages say is signed in.
//  - Paper files (/papers/<id>/v<n>/file/) are immutable per URL: cache first, and Range requests
//    (pdf.js loads by ranges) are answered from the cached whole file with a 206.
//  - Pages, notes and static files: network first; the cached copy when the network is down.
//  - A 403/404 from the server for a cached URL means access was withdrawn: the paper's (or the
//    meeting's) cached entries are deleted.
// Logout answers with Clear-Site-Data, which empties every cache and unregisters this worker.
//  - Any response carrying "X-Offline-Purge: 1" (a session that was wiped, revoked, deactivated or
//    has expired: cabinet/trust/middleware.py) deletes every offline copy at once.
//  - Every copy is stamped when it is stored (X-Offline-Stored-At, ms, and X-Offline-Max-Age, s:
//    OFFLINE_MAX_HOURS from the manifest). An older copy is never served: it is deleted, and only
//    the network (that is, a valid session) can answer; offline, a page explains why. Copies
//    stamped in the future (the clock was set back) count as expired. Expired copies are also
//    swept out when the worker starts and at most once a minute while it is used.

const PREFIX = "offline-";
const META = "offline-meta";
const USER_KEY = "/__offline_user__";
const FILE_RE = /^\/papers\/(\d+)\/v\d+\/file\/$/;
const PAPER_RE = /^\/papers\/(\d+)\//;
const MEETING_RE = /^\/meetings\/(\d+)\/$/;
const STORED_AT = "X-Offline-Stored-At";
const MAX_AGE = "X-Offline-Max-Age";
const PURGE = "X-Offline-Purge";
const CLOCK_SLACK_MS = 5 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 1000;

let currentUser = null;
let lastSweep = 0;

// This script's global scope. The WebWorker type library calls `self` a plain worker's scope;
// here it is a service worker's (skipWaiting, clients, fetch events).
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

sw.addEventListener("install", () => sw.skipWaiting());
sw.addEventListener("activate", (event) => event.waitUntil(Promise.all([sw.clients.claim(), sweep()])));

/** Whether a stored copy may still be served (see the header comment). */
function isFresh(response, now = Date.now()) {
  const stored = Number(response.headers.get(STORED_AT));
  const maxAge = Number(response.headers.get(MAX_AGE));
  if (!stored || !maxAge) return false; // unstamped: stored before copies expired, or tampered
  const age = now - stored;
  return age >= -CLOCK_SLACK_MS && age <= maxAge * 1000;
}

/** A copy of `response` stamped now, to be put in a cache. */
async function stamped(response, maxAge) {
  const headers = new Headers(response.headers);
  headers.set(STORED_AT, String(Date.now()));
  headers.set(MAX_AGE, String(maxAge));
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

/** Delete every offline copy, of every user (the session behind them has ended). */
async function purgeAll() {
  currentUser = "";
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX)) await caches.delete(name);
  }
}

/** Delete the expired copies. (Not the caches they leave empty: the page may be filling one.) */
async function sweep() {
  lastSweep = Date.now();
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX + "u")) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if (!response || !isFresh(response)) await cache.delete(request);
    }
  }
}

function expiredPage() {
  const text =
    "<!DOCTYPE html><meta charset=utf-8><title>Bản lưu đã hết hạn</title>" +
    "<p>Bản lưu để đọc ngoại tuyến đã hết hạn. Đề nghị đồng chí kết nối mạng và đăng nhập lại để tải lại tài liệu.</p>" +
    "<p lang=en>The offline copy has expired. Please connect and sign in again to download the papers.</p>";
  return new Response(text, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function noticePurge(response) {
  if (response && response.headers.get(PURGE) === "1") await purgeAll();
}

async function userId() {
  if (currentUser !== null) return currentUser;
  const meta = await caches.open(META);
  const stored = await meta.match(USER_KEY);
  currentUser = stored ? await stored.text() : "";
  return currentUser;
}

async function setUser(id) {
  const value = String(id || "");
  currentUser = value;
  const meta = await caches.open(META);
  await meta.put(USER_KEY, new Response(value));
  // A different person on this tablet: nothing of the previous one stays.
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX + "u") && !name.startsWith(`${PREFIX}u${value}-`)) await caches.delete(name);
  }
}

sw.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "user") event.waitUntil(setUser(data.id).then(sweep));
  if (data.type === "purge") event.waitUntil(purgeAll());
});

async function userCaches() {
  const id = await userId();
  if (!id) return [];
  const names = (await caches.keys()).filter((n) => n.startsWith(`${PREFIX}u${id}-`));
  return Promise.all(names.map((n) => caches.open(n)));
}

/** The signed-in user's stored copy of a URL: {cache, response, fresh}, or null. */
async function matchCached(url) {
  for (const cache of await userCaches()) {
    const hit = await cache.match(url, { ignoreVary: true, ignoreSearch: false });
    if (hit) return { cache, response: hit, fresh: isFresh(hit) };
  }
  return null;
}

/** Access withdrawn: forget the paper (every version, page and file) or the whole meeting. */
async function forget(pathname) {
  const meeting = MEETING_RE.exec(pathname);
  if (meeting) {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX + "u") && name.endsWith(`-m${meeting[1]}`)) await caches.delete(name);
    }
    return;
  }
  const paper = PAPER_RE.exec(pathname);
  for (const cache of await userCaches()) {
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (path === pathname || (paper && path.startsWith(`/papers/${paper[1]}/`))) await cache.delete(request);
    }
  }
}

function wholeOrRange(request, blob, cached) {
  const size = blob.size;
  const headers = {
    "Content-Type": cached.headers.get("Content-Type") || "application/pdf",
    "Accept-Ranges": "bytes",
    "Cache-Control": "private",
  };
  const etag = cached.headers.get("ETag");
  if (etag) headers.ETag = etag;
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("Range") || "");
  if (!range) {
    return new Response(blob, { status: 200, headers: { ...headers, "Content-Length": String(size) } });
  }
  let start;
  let end;
  if (range[1] === "") {
    start = Math.max(0, size - Number(range[2]));
    end = size - 1;
  } else {
    start = Number(range[1]);
    end = range[2] === "" ? size - 1 : Math.min(Number(range[2]), size - 1);
  }
  if (start >= size || start > end) {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
  }
  return new Response(blob.slice(start, end + 1), {
    status: 206,
    headers: { ...headers, "Content-Length": String(end - start + 1), "Content-Range": `bytes ${start}-${end}/${size}` },
  });
}

async function paperFile(request, url) {
  const found = await matchCached(url.pathname);
  if (found && found.fresh && found.response.status === 200) {
    return wholeOrRange(request, await found.response.blob(), found.response);
  }
  if (found) await found.cache.delete(url.pathname); // expired: only the server may answer now
  let response;
  try {
    // Past a copy's lifetime, not the browser's HTTP cache either: only the server.
    response = await fetch(request, found ? { cache: "no-store" } : undefined);
  } catch (error) {
    if (found) return expiredPage();
    throw error;
  }
  await noticePurge(response);
  if (response.status === 403 || response.status === 404) await forget(url.pathname);
  return response;
}

async function networkFirst(request, url) {
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const found = await matchCached(url.pathname);
    if (found && found.fresh) return found.response;
    if (found) {
      await found.cache.delete(url.pathname);
      return expiredPage();
    }
    throw error;
  }
  await noticePurge(response);
  if (response.status === 403 || response.status === 404) {
    await forget(url.pathname);
  } else if (response.ok && !response.redirected && response.type === "basic") {
    // Keep the offline copy fresh, but only of what the user chose to keep; a fresh answer from
    // the server (a valid session) starts its clock again.
    const found = await matchCached(url.pathname);
    if (found) {
      const maxAge = Number(found.response.headers.get(MAX_AGE));
      if (maxAge) await found.cache.put(url.pathname, await stamped(response.clone(), maxAge));
      else await found.cache.delete(url.pathname);
    }
  }
  return response;
}

sw.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (url.pathname.startsWith("/ws/") || url.pathname === "/sw.js") return;
  if (Date.now() - lastSweep > SWEEP_EVERY_MS) event.waitUntil(sweep());
  if (FILE_RE.test(url.pathname)) {
    event.respondWith(paperFile(request, url));
  } else if (url.search === "") {
    event.respondWith(networkFirst(request, url));
  }
});
