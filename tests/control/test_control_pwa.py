"""The installable app: manifest with icons that exist, the service worker, the offline page."""

from fastapi.testclient import TestClient

from control.main import CSP


def test_manifest_icons_service_worker_and_offline_page_need_no_session(
    client: TestClient,
) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["start_url"] == "/" and data["display"] == "standalone"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200 and response.headers["content-type"] == icon["type"]
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    for cached in ("/offline", "/static/app.css", "/static/app.js", "/static/htmx.min.js"):
        assert f'"{cached}"' in worker.text
        assert client.get(cached).status_code == 200
    offline = client.get("/offline")
    assert "data is stale" in offline.text and offline.headers["content-security-policy"] == CSP


def test_the_vendored_htmx_keeps_its_licence() -> None:
    from control.main import STATIC

    head = (STATIC / "htmx.min.js").read_text()[:300]
    assert "htmx.org 2.0.11" in head and "0BSD" in head
    assert "Zero-Clause BSD" in (STATIC / "htmx.LICENSE").read_text()
