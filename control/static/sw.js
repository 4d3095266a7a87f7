// Tradefly control service worker: caches the app shell (styles, scripts, icons, offline page)
// and shows the offline page when a page cannot be fetched. Pages themselves are never cached
// (they carry Cache-Control: no-store and live data), so nothing stale is shown as current.
const CACHE = "tradefly-shell-v1";
const SHELL = [
  "/offline",
  "/static/app.css",
  "/static/app.js",
  "/static/htmx.min.js",
  "/static/icon.svg",
  "/static/icon-192.png",
  "/static/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key)))
    )
  );
  self.clients.claim();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline")));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// Web push from the node (risk.webpush): the payload is {"title": ..., "body": ...}.
self.addEventListener("push", (event) => {
  let message = { title: "Tradefly", body: "" };
  try {
    message = event.data ? event.data.json() : message;
  } catch (error) {
    message.body = event.data ? event.data.text() : "";
  }
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      icon: "/static/icon-192.png",
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow("/"));
});
