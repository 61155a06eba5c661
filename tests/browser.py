"""Shared Playwright set-up: Debian's Chromium, headless, no network beyond the test server."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Page, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BASEMAP_TILES = "https://tile.openstreetmap.org/"


@contextmanager
def chromium_page(**context_options: object) -> Iterator[Page]:
    """A fresh page; basemap tile requests are refused (no internet here), as when tiles fail."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            **{"viewport": {"width": 1280, "height": 900}, **context_options}
        )
        page = context.new_page()
        page.route(BASEMAP_TILES + "**", lambda route: route.abort())
        try:
            yield page
        finally:
            browser.close()
