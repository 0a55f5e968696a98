"""Render an SVG to PNG in the system's headless Chromium (never a downloaded browser).

``python -m openmash.genogram.tests.browser`` writes docs/screenshots/genogram-blended-family.png."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "genogram-blended-family.png"


def chromium_path() -> str | None:
    return shutil.which("chromium")


def screenshot_svg(svg: str, path: Path, *, scale: float = 1.5) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Debian chromium is not on PATH; a browser is never downloaded")
    html = f'<!doctype html><html><body style="margin:0;background:#fff">{svg}</body></html>'
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(device_scale_factor=scale)
            page.set_content(html)
            page.locator("svg").first.screenshot(path=str(path))
        finally:
            browser.close()


def main() -> int:
    from openmash.genogram import render_svg
    from openmash.genogram.tests.families import AS_OF, blended_family

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SCREENSHOT
    target.parent.mkdir(parents=True, exist_ok=True)
    screenshot_svg(render_svg(blended_family(), as_of=AS_OF), target)
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
