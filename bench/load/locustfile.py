"""Fifty signed-in hub staff at once: page reads mixed with agency returns and decisions.

Run by bench/load/run.sh (which sets up the hub, gunicorn and the worker, and checks every write).
Each simulated person signs in with a demo account (two-factor off for the run) and works as that role
does: researchers answer their agency's open requests, decision makers record decisions on cases ready
for one, screening managers and IG officers read lists, case pages and the audit trail.

Every write the server acknowledges (the redirect a successful form gives) is appended to the file named
by OPENMASH_LOAD_ACKS as one JSON line: what was written, the record's id and a marker text written
with it. The runner then looks each one up in the database.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forms import post_forms  # noqa: E402

PASSWORD = os.environ.get("OPENMASH_DEMO_PASSWORD", "synthetic-demo-only")
ACKS = Path(os.environ.get("OPENMASH_LOAD_ACKS", "var/bench/load/acked.jsonl"))
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Seconds each person waits between pages ("min,max"): staff read a page before the next.
WAIT = tuple(float(x) for x in os.environ.get("OPENMASH_LOAD_WAIT", "5,15").split(","))
RESEARCHERS = ("police.researcher", "health.researcher", "education.researcher", "housing.researcher")


def record_ack(kind: str, record_id: str, marker: str) -> None:
    ACKS.parent.mkdir(parents=True, exist_ok=True)
    with ACKS.open("a") as out:
        out.write(json.dumps({"kind": kind, "id": record_id, "marker": marker}) + "\n")


class HubUser(HttpUser):
    abstract = True
    wait_time = between(WAIT[0], WAIT[1])
    usernames: tuple[str, ...] = ()

    def on_start(self) -> None:
        self.username = random.choice(self.usernames)  # noqa: S311 - load mix, not security
        page = self.client.get("/sign-in/", name="sign-in")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        answer = self.client.post(
            "/sign-in/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="sign-in",
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{self.username} could not sign in: {answer.status_code}")

    def read(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response.text

    def links(self, html: str, prefix: str) -> list[str]:
        return sorted(set(re.findall(rf'href="({re.escape(prefix)}{UUID}/)"', html)))

    def submit(self, path: str, data: dict[str, Any], name: str, expect: str) -> bool:
        """POST a form; True when the server acknowledged it (redirected to `expect`). A refusal shown
        on the form (someone else got there first) is a clean answer, not an error."""
        with self.client.post(path, data=data, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302 and expect in r.headers.get("Location", ""):
                r.success()
                return True
            if r.status_code == 200 and "govuk-error-summary" in r.text:
                r.success()  # refused with a reason (already answered, changed meanwhile)
                summary = r.text.split("govuk-error-summary__list", 1)[-1]
                reason = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary.split("</ul>", 1)[0])).strip(
                    ' ">'
                )
                events.request.fire(
                    request_type="REFUSED",
                    name=f"{name}: {reason[:70]}",
                    response_time=0,
                    response_length=0,
                    exception=None,
                    context={},
                )
                return False
            r.failure(f"{r.status_code}")
            return False


class Researcher(HubUser):
    """An agency researcher: the request queue, a request, and a submitted return."""

    weight = 20
    usernames = RESEARCHERS

    @task(3)
    def queue(self) -> None:
        self.read("/requests/", "request queue")

    @task(2)
    def answer(self) -> None:
        queue = self.read("/requests/", "request queue")
        requests = self.links(queue, "/requests/")
        if not requests:
            return
        path = random.choice(requests[:20])  # noqa: S311
        page = self.read(path, "request page")
        forms = [(f, r) for f, r in post_forms(page) if "summary" in f]
        if not forms:
            return  # taken or answered already: nothing to write
        form, _ = forms[0]
        marker = f"LOAD-{uuid.uuid4()}"
        form.pop("_action", None)
        for name in [n for n in form if re.match(r"history-\d+-", n)]:
            del form[name]  # no history items: the blank extra row stays blank
        form["history-TOTAL_FORMS"] = "0"
        form.update(
            summary=f"Known to this agency: two contacts last year. {marker}",
            risk_factors="Missed appointments",
            protective_factors="Grandparents nearby",
            action="submit",
        )
        if self.submit(path, form, "submit return", "/requests/"):
            record_ack("return", path.strip("/").split("/")[-1], marker)


class DecisionMaker(HubUser):
    """A decision maker: the decision queue, a case, and a recorded decision."""

    weight = 8
    usernames = ("decision.maker",)

    @task(2)
    def queue(self) -> None:
        self.read("/decisions/", "decision queue")

    @task(1)
    def decide(self) -> None:
        queue = self.read("/decisions/", "decision queue")
        cases = self.links(queue, "/decisions/")
        if not cases:
            return
        path = random.choice(cases[:20])  # noqa: S311
        page = self.read(path, "decision page")
        forms = [(f, r) for f, r in post_forms(page) if "rationale" in f]
        if not forms:
            return
        form, radios = forms[0]
        marker = f"LOAD-{uuid.uuid4()}"
        form.pop("_action", None)
        for name, values in radios.items():
            if name == "level" or name.startswith("view_"):
                form.setdefault(name, "agree" if "agree" in values else values[0])
        form.update(
            outcome="advice",
            rationale=f"Advice to the family is proportionate on what the agencies returned. {marker}",
            information_considered="The referral and every return",
            participants="Decision maker",
        )
        if "proceed_reason" in form:
            form["proceed_reason"] = "The remaining agency is not expected to add to the decision"
        if self.submit(path, form, "record decision", "/cases/"):
            record_ack("decision", path.strip("/").split("/")[-1], marker)


class Screener(HubUser):
    """A screening manager: home, the case list (a few pages), case pages and the screening queue."""

    weight = 16
    usernames = ("screening.manager",)

    @task(2)
    def home(self) -> None:
        self.read("/", "home")

    @task(3)
    def case_list(self) -> None:
        page = random.randint(1, 40)  # noqa: S311
        html = self.read(f"/cases/?page={page}", "case list")
        self.cases = self.links(html, "/cases/") or getattr(self, "cases", [])

    @task(4)
    def case_page(self) -> None:
        cases = getattr(self, "cases", None) or self.links(self.read("/cases/", "case list"), "/cases/")
        self.cases = cases
        if cases:
            self.read(random.choice(cases), "case page")  # noqa: S311

    @task(1)
    def screening_queue(self) -> None:
        self.read("/cases/screening/", "screening queue")


class Auditor(HubUser):
    """An IG officer: the audit trail, newest first, and a few pages back."""

    weight = 6
    usernames = ("ig.officer",)

    @task(3)
    def trail(self) -> None:
        self.read("/audit/", "audit trail")

    @task(1)
    def trail_page(self) -> None:
        self.read(f"/audit/?page={random.randint(2, 50)}", "audit trail (older page)")  # noqa: S311

    @task(1)
    def home(self) -> None:
        self.read("/", "home")
