"""The golden genogram as Chromium actually draws it: no label collides with another label or with
someone else's symbol, and everything is inside the picture. Run with ``pytest -m e2e``."""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest

from openmash.genogram import render_svg
from openmash.genogram.tests.browser import CHROMIUM_ARGS, chromium_path
from openmash.genogram.tests.families import AS_OF, blended_family

pytestmark = pytest.mark.e2e

MEASURE = """() => {
  const out = {texts: [], shapes: [], view: document.querySelector('svg').viewBox.baseVal};
  for (const g of document.querySelectorAll('[data-person-id]')) {
    const id = g.getAttribute('data-person-id');
    for (const el of g.children) {
      if (el.tagName === 'title') continue;
      const b = el.getBBox();
      const box = {id, x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height, text: el.textContent};
      if (el.tagName === 'text' && el.textContent !== '?') out.texts.push(box);
      if (['rect', 'circle', 'polygon'].includes(el.tagName)) out.shapes.push(box);
    }
  }
  for (const el of document.querySelectorAll('[data-household-label], [data-legend] text')) {
    const b = el.getBBox();
    const box = {x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height};
    out.texts.push({id: 'other', text: el.textContent, ...box});
  }
  return {texts: out.texts, shapes: out.shapes, width: out.view.width, height: out.view.height};
}"""


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"])


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = chromium_path()
    if executable is None:
        pytest.skip("Debian chromium is not on PATH")
    from playwright.sync_api import sync_playwright

    svg = render_svg(blended_family(), as_of=AS_OF)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(f"<!doctype html><html><body>{svg}</body></html>")
            result: dict[str, Any] = page.evaluate(MEASURE)
        finally:
            browser.close()
    return result


def test_no_label_overlaps_another_label(measured: dict[str, Any]) -> None:
    for a, b in itertools.combinations(measured["texts"], 2):
        if a["id"] == b["id"] != "other":
            continue  # the lines of one person's label sit close together by design
        assert not overlap(a, b), (a["text"], b["text"])


def test_no_label_overlaps_another_persons_symbol(measured: dict[str, Any]) -> None:
    for text in measured["texts"]:
        for shape in measured["shapes"]:
            if text["id"] != shape["id"]:
                assert not overlap(text, shape), (text["text"], shape["id"])


def test_everything_is_inside_the_picture(measured: dict[str, Any]) -> None:
    for box in measured["texts"] + measured["shapes"]:
        assert box["x0"] >= 0 and box["y0"] >= 0, box
        assert box["x1"] <= measured["width"] and box["y1"] <= measured["height"], box
