// Registers the service worker (offline page, cached shell, web push) and, on the risk page,
// subscribes this browser to web push. No inline script: the CSP forbids it.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function subscribePush(button) {
  const status = document.getElementById("push-status");
  try {
    const response = await fetch("/push/key", { credentials: "same-origin" });
    if (!response.ok) throw new Error("web push is not set up on the server");
    const { key } = await response.json();
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key),
    });
    const saved = await fetch("/push/subscribe", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!saved.ok) throw new Error("the server refused the subscription");
    status.textContent = "Notifications are on for this phone.";
  } catch (error) {
    status.textContent = "Notifications not turned on: " + error.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("push-subscribe");
  if (button && "PushManager" in window) {
    button.addEventListener("click", () => subscribePush(button));
  }
});
