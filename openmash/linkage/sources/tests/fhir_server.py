"""A small FHIR R4 server for the connector tests: real HTTP over a local socket.

Serves, from in-memory resources:

* ``GET /fhir/Patient?_count=N`` — a searchset Bundle with ``total`` and real ``next`` links
  (``_offset``), so a client must page;
* ``GET /fhir/Patient/{id}`` — the Patient, or 404 with an OperationOutcome;
* ``GET /fhir/Encounter?subject=Patient/{id}`` and ``GET /fhir/Condition?subject=...`` — paged
  the same way.

It can require a bearer token and can be told to fail (``fail = "500"``, ``"not-json"`` or
``"not-bundle"``, on every request or only those whose path contains ``fail_on``), and its next
links can point elsewhere (``link_origin``). Every request is recorded (path and headers) so tests
can check what the client sent.

:func:`synthetic_resources` builds the resources from a synthetic area's GP extract
(:mod:`openmash.synth`): each GP record a Patient, each appointment an Encounter and a Condition.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from openmash.linkage.sources.fhir import NHS_NUMBER_SYSTEM
from openmash.synth import generate_area
from openmash.synth.extracts import generate_extracts

GP_RECORD_SYSTEM = "https://example.invalid/Id/gp-record"
BASE_PATH = "/fhir"


@dataclass
class Resources:
    patients: list[dict[str, Any]] = field(default_factory=list)
    encounters: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)


def synthetic_resources(seed: int = 3, households: int = 20) -> Resources:
    """Patients, Encounters and Conditions from a small synthetic area's GP records."""
    extract = generate_extracts(generate_area(seed, households=households, referrals=10)).extract("gp")
    out = Resources()
    for record in extract.records:
        parts = [p.strip() for p in record.address.split(",") if p.strip()]
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "id": record.record_id,
            "identifier": [{"system": GP_RECORD_SYSTEM, "value": record.record_id}],
            "name": [{"use": "official", "family": record.surname, "given": [record.given_name]}],
            "telecom": [{"system": "phone", "value": "01632 960000"}],
        }
        if record.nhs_number:
            patient["identifier"].insert(0, {"system": NHS_NUMBER_SYSTEM, "value": record.nhs_number})
        if record.sex:
            patient["gender"] = record.sex
        if record.date_of_birth:
            patient["birthDate"] = record.date_of_birth
        if parts:
            patient["address"] = [
                {"use": "home", "line": parts[:-1], "city": parts[-1], "postalCode": record.postcode or None}
            ]
        out.patients.append(patient)
    for number, event in enumerate(e for e in extract.events if e.kind == "appointment"):
        subject = {"reference": f"Patient/{event.record_id}"}
        out.encounters.append(
            {
                "resourceType": "Encounter",
                "id": f"enc-{number}",
                "status": "finished",
                "class": {"code": "AMB", "display": "ambulatory"},
                "type": [{"text": "GP appointment"}],
                "subject": subject,
                "period": {"start": f"{event.occurred_on.isoformat()}T09:30:00+00:00"},
            }
        )
        problem = event.description.removeprefix("Appointment with GP:").strip().rstrip(".") or "review"
        out.conditions.append(
            {
                "resourceType": "Condition",
                "id": f"cond-{number}",
                "code": {"text": problem},
                "subject": subject,
                "recordedDate": event.occurred_on.isoformat(),
            }
        )
    return out


class FhirTestServer:
    """A FHIR server on 127.0.0.1 (port chosen by the system), run in a thread."""

    def __init__(self, resources: Resources, *, token: str | None = None, host: str = "127.0.0.1") -> None:
        self.resources = resources
        self.token = token
        self.fail: str | None = None
        self.fail_on = ""
        #: Where ``next`` links point (default: this server), to test a link to another host.
        self.link_origin: str | None = None
        #: Paths under ``BASE_PATH + moved`` answer 301, pointing to the same path without it.
        self.moved: str | None = None
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._httpd = ThreadingHTTPServer((host, 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.origin}{BASE_PATH}"

    def __enter__(self) -> FhirTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def paths(self, startswith: str = "") -> list[str]:
        return [path for path, _ in self.requests if path.startswith(BASE_PATH + startswith)]

    # --- answering -------------------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
        self.requests.append((path, headers))
        if self.moved is not None and path.startswith(BASE_PATH + self.moved + "/"):
            return 301, "location:" + BASE_PATH + path.removeprefix(BASE_PATH + self.moved), b""
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            return _json(401, _outcome("login", "a bearer token is required"))
        if self.fail is not None and self.fail_on in path:
            if self.fail == "500":
                return _json(500, _outcome("exception", "the test server was told to fail"))
            if self.fail == "not-json":
                return 200, "text/html", b"<html><body>Service temporarily unavailable</body></html>"
            if self.fail == "not-bundle":
                return _json(200, _outcome("informational", "all is well"))
        split = urllib.parse.urlsplit(path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query).items()}
        route = split.path.removeprefix(BASE_PATH).strip("/").split("/")
        if route[0] == "Patient" and len(route) == 2:
            found = next((p for p in self.resources.patients if p.get("id") == route[1]), None)
            return _json(200, found) if found else _json(404, _outcome("not-found", "no such Patient"))
        if route[0] == "Patient" and len(route) == 1:
            return _json(200, self._bundle(split.path, query, self.resources.patients))
        if route[0] in {"Encounter", "Condition"} and len(route) == 1:
            pool = self.resources.encounters if route[0] == "Encounter" else self.resources.conditions
            subject = query.get("subject")
            matching = [r for r in pool if subject is None or _refers_to(r, subject)]
            return _json(200, self._bundle(split.path, query, matching))
        return _json(404, _outcome("not-supported", "unknown route"))

    def _bundle(self, path: str, query: dict[str, str], resources: list[dict[str, Any]]) -> dict[str, Any]:
        count = int(query.get("_count", "50"))
        offset = int(query.get("_offset", "0"))
        page = resources[offset : offset + count]
        links = [{"relation": "self", "url": f"{self.origin}{path}?{urllib.parse.urlencode(query)}"}]
        if offset + count < len(resources):
            following = urllib.parse.urlencode({**query, "_offset": str(offset + count)})
            links.append({"relation": "next", "url": f"{self.link_origin or self.origin}{path}?{following}"})
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
            "link": links,
            "entry": [
                {"fullUrl": f"{self.url}/{r['resourceType']}/{r.get('id')}", "resource": r} for r in page
            ],
        }


def _refers_to(resource: dict[str, Any], subject: str) -> bool:
    reference = str(resource.get("subject", {}).get("reference", ""))
    return reference == subject or reference.endswith(f"/{subject}")


def _outcome(code: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }


def _json(status: int, body: object) -> tuple[int, str, bytes]:
    return status, "application/fhir+json", json.dumps(body).encode()


def _handler(server: FhirTestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            status, content_type, body = server.answer(
                self.path, {k.lower(): v for k, v in self.headers.items()}
            )
            self.send_response(status)
            if content_type.startswith("location:"):  # a redirect
                self.send_header("Location", content_type.removeprefix("location:"))
                content_type = "text/plain"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

    return Handler
