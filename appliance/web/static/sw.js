// Shoebox's service worker: the page that says the box cannot be reached, and Android's
// share sheet (the manifest's share_target). It keeps nothing of the family's: no photo,
// page or API answer is cached; shared files wait in the cache only until the page that
// uploads them has read them (static/upload.js).
"use strict";

const SHELL = "shoebox-shell-v1";
const SHARED = "shoebox-shared";
const OFFLINE = "/offline";
const SHELL_FILES = [OFFLINE];  // the page draws its icon itself: nothing else to fetch

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== SHELL && name !== SHARED) await caches.delete(name);
    await self.clients.claim();
  })());
});

// Android's share sheet posts the files here; they wait in a cache until the timeline
// page (opened with ?shared=N) uploads them through the normal, signed-in upload.
async function takeShared(request) {
  const form = await request.formData();
  const files = form.getAll("photos").filter((f) => f instanceof File && f.size);
  const cache = await caches.open(SHARED);
  for (const old of await cache.keys()) await cache.delete(old);
  let n = 0;
  for (const file of files) {
    const headers = { "Content-Type": file.type || "application/octet-stream", "X-Name": encodeURIComponent(file.name) };
    await cache.put(`/shared/${n++}`, new Response(file, { headers }));
  }
  return Response.redirect(`/?shared=${n}`, 303);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/share-target") {
    event.respondWith(takeShared(request));
    return;
  }
  if (request.mode === "navigate" && request.method === "GET") {  // a form's POST goes as it is
    event.respondWith(fetch(request).catch(async () => (await caches.match(OFFLINE)) || Response.error()));
  }
});
