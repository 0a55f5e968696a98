"""Browser fixtures: one shared headless Debian Chromium, a live server, and a guard that fails the
test on any console error, uncaught script error, CSP violation or failed (4xx/5xx) response, and on
any critical or serious accessibility violation axe-core finds on a page the test loads."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response, expect
from playwright.sync_api import Error as PlaywrightError

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

PASSWORD = "a-long-test-password"  # openmash.accounts.tests.factories.PASSWORD
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Browser tests use a SQLite file, not memory. With an in-memory database the live server
    shares the test's connection, so a test acting as the worker while the page polls collides with
    a request mid-flight ("database table is locked"); with a file each has its own connection and
    waits on SQLite's lock, as a web process and the worker do."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "e2e.sqlite3")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian chromium is not on PATH; e2e tests never download a browser")
    return {**browser_type_launch_args, "executable_path": chromium, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "en-GB",
        "timezone_id": "Europe/London",
    }


@dataclass
class BrowserProblems:
    """Everything that went wrong in the browser while a test ran."""

    items: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.on("page", lambda page: page.on("load", self.check_accessibility))
        context.on("console", self._console)
        context.on("weberror", lambda error: self.items.append(f"uncaught script error: {error.error}"))
        context.on("response", self._response)
        context.on("requestfailed", self._request_failed)
        return context

    def _console(self, message: ConsoleMessage) -> None:
        # Chromium reports CSP violations and failed resource loads as console errors too.
        if message.type == "error":
            self.items.append(f"console error on {message.page.url if message.page else '?'}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.items.append(f"HTTP {response.status} for {response.request.method} {response.url}")

    def _request_failed(self, request: Request) -> None:
        if request.failure == "net::ERR_ABORTED":
            return  # cancelled by the browser, e.g. a favicon still loading when the page navigates away
        self.items.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def check_accessibility(self, page: Page) -> None:
        """Run axe-core on a page (every page the moment it has loaded; a test may call it again after
        changing the page, e.g. revealing a question); a critical or serious violation (or one of
        FAILING_RULES) fails the test like a console error does."""
        url = page.url  # the page checked, even if the test has moved on by the time axe answers
        try:
            content_type, loaded = page.evaluate("[document.contentType, typeof axe !== 'undefined']")
            if content_type != "text/html":
                return
            # A page whose markup (elements, ids, classes, roles, ARIA and which labels are empty) is
            # one already checked gets the same answer from axe: it is checked once (ADR 0021).
            state = (checked_path(url), page.evaluate(MARKUP_SIGNATURE))
            if state in TALLY.states:
                TALLY.repeats += 1
                return
            if not loaded:  # once a page: the script is half a megabyte
                page.evaluate(AXE_SCRIPT)
            result = page.evaluate(AXE_RUN, AXE_OPTIONS)
        except PlaywrightError as error:
            if any(reason in str(error) for reason in NAVIGATED_AWAY):
                TALLY.left_early += 1
                TALLY.missed.add(checked_path(url))
                return
            raise
        TALLY.loads += 1
        TALLY.checked.add(checked_path(url))
        TALLY.states.add(state)
        for violation in result["violations"]:
            rule, impact = violation["id"], violation["impact"]
            TALLY.findings[f"{rule} ({impact})"] = TALLY.findings.get(f"{rule} ({impact})", 0) + len(
                violation["nodes"]
            )
            if impact in FAILING_IMPACTS or rule in FAILING_RULES:
                targets = "; ".join(
                    f"{' '.join(node['target'])}: {node['html'][:160]}" for node in violation["nodes"]
                )
                self.items.append(
                    f"accessibility ({impact}) {rule} on {url}: {violation['help']} – {targets}"
                )

    def assert_none(self) -> None:
        problems, self.items = self.items, []
        assert not problems, "Problems in the browser:\n" + "\n".join(problems)


# Impacts that fail a test. Moderate and minor findings are counted in the summary, except the rules
# below, which fail too because the product once broke them and fixed them (see docs/adr/0021).
FAILING_IMPACTS = frozenset({"critical", "serious"})
FAILING_RULES = frozenset({"region"})
AXE_OPTIONS = {"resultTypes": ["violations"]}
# One run at a time on a page: axe-core refuses a second while one runs, and a check a test asks for can
# meet the one started when the page loaded (its load event is handled while the test waits).
AXE_RUN = """async options => {
  while (window.openmashAxeRun) {
    await window.openmashAxeRun.catch(() => null);
  }
  const run = axe.run(document, options);
  window.openmashAxeRun = run;
  try {
    return await run;
  } finally {
    if (window.openmashAxeRun === run) window.openmashAxeRun = null;
  }
}"""
# What axe-core's rules read of a page, as one number: each element's name, id, classes, role, ARIA and
# the other attributes the rules look at, and whether an element that must name something has text.
# The words themselves (a case's reference, a person's name) are left out, so the same page for another
# case, or the same form refilled, is one state.
MARKUP_SIGNATURE = """() => {
  const kept = new RegExp('^(aria-|role$|type$|for$|scope$|lang$|alt$|title$|tabindex$|disabled$|' +
    'hidden$|open$|style$|name$|href$|src$|data-module$)');
  const uuid = /[0-9a-f]{8}-[0-9a-f-]{27}/g;
  const named = new Set(['A', 'BUTTON', 'LABEL', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'TH', 'TD', 'LEGEND',
    'OPTION', 'SUMMARY', 'TITLE', 'CAPTION', 'LI', 'DT', 'DD', 'P', 'SPAN', 'STRONG']);
  let hash = 0;
  const add = text => {
    for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
    hash = (Math.imul(hash, 31) + 1) | 0;
  };
  const all = document.getElementsByTagName('*');
  for (const element of all) {
    add(element.tagName);
    add(element.id.replace(uuid, 'U'));
    add(element.getAttribute('class') || '');
    for (const attribute of element.attributes) {
      if (!kept.test(attribute.name)) continue;
      const link = attribute.name === 'href' || attribute.name === 'src';
      const value = link ? (attribute.value ? '+' : '') : attribute.value;
      add(attribute.name + '=' + value.replace(uuid, 'U'));
    }
    if (named.has(element.tagName)) add(element.textContent.trim() ? '+' : '-');
  }
  return `${all.length}:${hash}`;
}"""
NAVIGATED_AWAY = (
    "Execution context was destroyed",
    "navigat",
    "Target page, context or browser has been closed",
)


@dataclass
class AccessibilityTally:
    """What axe-core checked in the whole run, printed at the end of the test summary."""

    checked: set[str] = field(default_factory=set)
    loads: int = 0
    states: set[tuple[str, str]] = field(default_factory=set)  # (page, what its markup is) checked
    repeats: int = 0  # loads of a page whose markup was checked already
    left_early: int = 0
    missed: set[str] = field(default_factory=set)
    findings: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"axe-core: {self.loads} page loads checked on {len(self.checked)} distinct pages; "
            f"{self.repeats} loads of markup already checked; "
            f"{self.left_early} loads left by the test before the check finished",
        ]
        lines += [f"  {rule}: {count} nodes" for rule, count in sorted(self.findings.items())]
        never = sorted(self.missed - self.checked)
        if never:
            lines.append(f"  loaded but never checked (the test moved on first): {', '.join(never)}")
        return "\n".join(lines)


TALLY = AccessibilityTally()


def checked_path(url: str) -> str:
    """A page's path with each part holding a digit (an id, a reference) folded to N, so /cases/12/ and
    /cases/13/ count as one page."""
    parts = urlsplit(url).path.split("/")
    return "/".join("N" if any(c.isdigit() for c in part) else part for part in parts) or url


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY.loads or TALLY.left_early:
        terminalreporter.write_sep("-", "accessibility")
        terminalreporter.write_line(TALLY.summary())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Report browser problems as a failure of the test itself, not only as an error at teardown."""
    result = yield
    problems = getattr(item, "funcargs", {}).get("browser_problems")
    if isinstance(problems, BrowserProblems):
        problems.assert_none()
    return result


@pytest.fixture
def browser_problems() -> Iterator[BrowserProblems]:
    problems = BrowserProblems()
    yield problems
    problems.assert_none()


@pytest.fixture
def new_page(
    new_context: Callable[..., BrowserContext], browser_problems: BrowserProblems
) -> Callable[[], Page]:
    """A page in a fresh browser context (its own cookies), watched for problems."""

    def make() -> Page:
        context = browser_problems.watch(new_context())
        context.set_default_timeout(10_000)
        return context.new_page()

    return make


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in form."""
    page.goto("/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to OpenMASH")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def service_navigation(page: Page) -> Any:
    return page.get_by_role("navigation", name="Menu")


def nav_link_texts(page: Page) -> list[str]:
    return [text.strip() for text in service_navigation(page).get_by_role("link").all_inner_texts()]


def nav_links(page: Page) -> list[tuple[str, str | None]]:
    """(text, href) of every link in the service navigation, in order."""
    links = service_navigation(page).get_by_role("link")
    return [(link.inner_text().strip(), link.get_attribute("href")) for link in links.all()]
