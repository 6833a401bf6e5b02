"""The report in a real browser: the system's Chromium (Debian's, never a downloaded one) driven
by Playwright, for the browser tests and `entitas bench --report-docs`. Playwright comes with the
dev install; it is imported only when a browser is started.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def overlapping_labels(page) -> list:
    """Pairs of drawn network labels whose boxes overlap, measured by the browser."""
    return page.evaluate("""() => {
        const boxes = [...document.querySelectorAll('#network text')].filter(t => t.style.display !== 'none')
            .map(t => [t.textContent, t.getBoundingClientRect()]);
        const hits = [];
        boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
            if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5)
                hits.push([a, b]);
        }));
        return hits;
    }""")


def browse_report(path: Path, search: str, expect: str, shots: Path | None = None) -> dict:
    """Open the report in the system's Chromium through Playwright, type ``search`` into the
    search box, open the entity ``expect``, one of its documents and the network, filter the
    network and click a node; what was seen (and screenshots of the views into ``shots``)."""
    from playwright.sync_api import sync_playwright

    seen: dict = {"errors": []}

    def shoot(view: str) -> None:
        if shots:
            page.screenshot(path=shots / f"report-{view}.jpg", type="jpeg", quality=70)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda message: message.type == "error" and seen["errors"].append(message.text))
        page.on("pageerror", lambda error: seen["errors"].append(str(error)))
        started = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready-ms]")
        seen["open_s"] = round(time.perf_counter() - started, 2)
        seen["script_ms"] = int(page.get_attribute("body", "data-ready-ms"))
        seen["top_chart"] = page.locator("#chart-top").bounding_box()["height"]
        page.click("nav a[data-view=entities]")
        page.fill("#search", search)
        seen["count"] = page.text_content("#entity-count")
        shoot("index")
        page.click(f"#entity-table tbody a:text-is('{expect}')")
        page.wait_for_selector("#view-entity:not([hidden]) h2")
        seen["entity"] = page.text_content("#view-entity h2")
        seen["kwic"] = page.locator(".kwic mark").all_text_contents()
        shoot("entity")
        page.click("#view-entity ul.documents a >> nth=0")
        page.wait_for_selector("#view-document:not([hidden]) h2")
        seen["focus"] = page.locator("#view-document mark.focus").all_text_contents()
        page.click("nav a[data-view=network]")
        page.wait_for_selector("#network g.node")
        shoot("network")
        seen["nodes"] = page.locator("#network g.node").count()
        seen["labels"] = page.locator("#network text:visible").count()
        seen["overlaps"] = overlapping_labels(page)
        page.uncheck("input[name=network-label][value=LOC]")
        seen["nodes_without_places"] = page.locator("#network g.node:visible").count()
        page.check("input[name=network-label][value=LOC]")
        page.hover("#network g.node:visible circle >> nth=0")
        seen["tooltip"] = page.text_content("#tooltip")
        page.click("#network g.node:visible circle >> nth=0")
        page.wait_for_selector("#view-entity:not([hidden]) h2")
        seen["clicked"] = page.text_content("#view-entity h2")
        browser.close()
    return seen
