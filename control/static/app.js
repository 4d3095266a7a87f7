// Registers the service worker (offline page, cached shell). No inline script: CSP forbids it.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
