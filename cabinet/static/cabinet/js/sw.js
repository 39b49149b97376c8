// Service worker for offline reading (served at /sw.js by cabinet.views.offline.service_worker).
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

const PREFIX = "offline-";
const META = "offline-meta";
const USER_KEY = "/__offline_user__";
const FILE_RE = /^\/papers\/(\d+)\/v\d+\/file\/$/;
const PAPER_RE = /^\/papers\/(\d+)\//;
const MEETING_RE = /^\/meetings\/(\d+)\/$/;

let currentUser = null;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

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

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "user") event.waitUntil(setUser(data.id));
});

async function userCaches() {
  const id = await userId();
  if (!id) return [];
  const names = (await caches.keys()).filter((n) => n.startsWith(`${PREFIX}u${id}-`));
  return Promise.all(names.map((n) => caches.open(n)));
}

async function matchCached(url) {
  for (const cache of await userCaches()) {
    const hit = await cache.match(url, { ignoreVary: true, ignoreSearch: false });
    if (hit) return { cache, response: hit };
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
  if (found && found.response.status === 200) {
    return wholeOrRange(request, await found.response.blob(), found.response);
  }
  const response = await fetch(request);
  if (response.status === 403 || response.status === 404) await forget(url.pathname);
  return response;
}

async function networkFirst(request, url) {
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const found = await matchCached(url.pathname);
    if (found) return found.response;
    throw error;
  }
  if (response.status === 403 || response.status === 404) {
    await forget(url.pathname);
  } else if (response.ok && !response.redirected && response.type === "basic") {
    // Keep the offline copy fresh, but only of what the user chose to keep.
    const found = await matchCached(url.pathname);
    if (found) await found.cache.put(url.pathname, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/ws/") || url.pathname === "/sw.js") return;
  if (FILE_RE.test(url.pathname)) {
    event.respondWith(paperFile(request, url));
  } else if (url.search === "") {
    event.respondWith(networkFirst(request, url));
  }
});
