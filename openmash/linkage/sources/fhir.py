"""A live FHIR R4 source: Patient resources as identities, Encounter and Condition as events.

:meth:`FhirConnector.read` pages through ``GET {base}/Patient?_count={page_size}`` (following each
Bundle's ``next`` link) and turns each Patient into an identity row:

* ``record_id`` — ``Patient.id``;
* ``given_name`` and ``surname`` — the first given name and the family name of the ``official``
  name (else the first name);
* ``date_of_birth`` — ``birthDate``; ``sex`` — ``gender``;
* ``postcode`` and ``address`` — of the ``home`` address (else the first one that is not ``old``):
  ``postalCode``, and the lines and city joined with ``", "``;
* ``nhs_number`` — the identifier of system :data:`NHS_NUMBER_SYSTEM`;
* ``other_identifiers`` (a detail, not a standard column) — every other identifier as
  ``system|value``, separated by ``"; "``. Telecom is not read.

:meth:`FhirConnector.fetch` reads ``Patient/{id}`` for each confirmed match (an unknown id is
left out) and searches ``Encounter?subject=Patient/{id}`` and ``Condition?subject=Patient/{id}``:

* an Encounter becomes a ``health attendance`` on the date its period starts, described by its
  type (else its class) and reason; ``high`` significance for an emergency (priority ``EM`` or
  class ``EMER``), ``medium`` otherwise;
* a Condition becomes a ``health condition`` on its onset date (else the date recorded),
  described by its code's text (else the first coding's display), ``medium`` significance.

A resource without a usable date is skipped, as are Encounters that are planned, cancelled or
entered in error and Conditions entered in error or refuted: they are not events in a history.

Only the standard library is used (urllib). ``token`` (or ``env:NAME``, read from the
environment) is sent as ``Authorization: Bearer ...``; it is never sent to another host (a next
link or a redirect to one fails the load instead) and never appears in a report.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from http.client import HTTPMessage
from typing import IO, Any, ClassVar, Final, cast

from openmash.linkage.engine.records import STANDARD_COLUMNS
from openmash.linkage.sources.base import (
    BadRow,
    Connector,
    Extract,
    LoadFailed,
    Progress,
    SourceEvent,
    SourceRecord,
    build_extract,
    parse_event_date,
    renamed_columns,
)
from openmash.linkage.sources.limits import (
    UNRESTRICTED,
    HostRefused,
    SecretRefused,
    SourceLimits,
    error_reference,
)

__all__ = ["FHIR_COLUMNS", "NHS_NUMBER_SYSTEM", "FhirConnector", "patient_row"]

NHS_NUMBER_SYSTEM: Final = "https://fhir.nhs.uk/Id/nhs-number"
#: The identity columns a Patient becomes (all standard but ``other_identifiers``, a detail).
FHIR_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "given_name",
    "surname",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "nhs_number",
    "other_identifiers",
)
#: What a FHIR id may be (R4 ``id`` datatype); anything else cannot name a resource.
_FHIR_ID: Final = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_MISSING: Final = frozenset({404, 410})
_SKIPPED_ENCOUNTERS: Final = frozenset({"planned", "cancelled", "entered-in-error"})
_SKIPPED_CONDITIONS: Final = frozenset({"entered-in-error", "refuted"})
log = logging.getLogger(__name__)


# --- reading resources -----------------------------------------------------------------------------


def cell_text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _list(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _preferred(items: list[dict[str, Any]], use: str) -> dict[str, Any]:
    for item in items:
        if item.get("use") == use:
            return item
    current = [item for item in items if item.get("use") != "old"]
    return (current or items or [{}])[0]


def _concept_text(concept: object) -> str | None:
    """A CodeableConcept's text, else its first coding's display, else that coding's code."""
    concept = _dict(concept)
    codings = _list(concept.get("coding"))
    return (
        cell_text(concept.get("text"))
        or next((t for c in codings if (t := cell_text(c.get("display")))), None)
        or next((t for c in codings if (t := cell_text(c.get("code")))), None)
    )


def _codes(concept: object) -> set[str]:
    return {str(c.get("code")) for c in _list(_dict(concept).get("coding")) if c.get("code")}


def patient_row(patient: Mapping[str, Any]) -> dict[str, str | None]:
    """One Patient resource as an identity row in :data:`FHIR_COLUMNS`."""
    name = _preferred(_list(patient.get("name")), "official")
    given = [g for g in name.get("given") or [] if isinstance(g, str) and g.strip()]
    address = _preferred(_list(patient.get("address")), "home")
    lines = [t for line in address.get("line") or [] if (t := cell_text(line))]
    city = cell_text(address.get("city"))
    address_text = ", ".join([*lines, city] if city else lines) or cell_text(address.get("text"))
    nhs_number = None
    others = []
    for identifier in _list(patient.get("identifier")):
        system, value = cell_text(identifier.get("system")), cell_text(identifier.get("value"))
        if value is None:
            continue
        if system == NHS_NUMBER_SYSTEM and nhs_number is None:
            nhs_number = value
        else:
            others.append(f"{system}|{value}" if system else value)
    return {
        "record_id": cell_text(patient.get("id")),
        "given_name": given[0].strip() if given else None,
        "surname": cell_text(name.get("family")),
        "date_of_birth": cell_text(patient.get("birthDate")),
        "sex": cell_text(patient.get("gender")),
        "postcode": cell_text(address.get("postalCode")),
        "address": address_text,
        "nhs_number": nhs_number,
        "other_identifiers": "; ".join(others) or None,
    }


def _encounter_event(record_id: str, encounter: Mapping[str, Any]) -> SourceEvent | None:
    status = cell_text(encounter.get("status"))
    occurred = parse_event_date(cell_text(_dict(encounter.get("period")).get("start")))
    if status in _SKIPPED_ENCOUNTERS or occurred is None:
        return None
    kind_of = _dict(encounter.get("class"))  # R4: a Coding
    class_text = cell_text(kind_of.get("display")) or cell_text(kind_of.get("code"))
    types = _list(encounter.get("type"))
    what = (_concept_text(types[0]) if types else None) or class_text or "Encounter"
    reasons = [t for reason in _list(encounter.get("reasonCode")) if (t := _concept_text(reason))]
    description = f"{what} (reason: {'; '.join(reasons)})" if reasons else what
    priority = _dict(encounter.get("priority"))
    emergency = (
        "EM" in _codes(priority)
        or (cell_text(priority.get("text")) or "").lower() == "emergency"
        or cell_text(kind_of.get("code")) == "EMER"
    )
    details = tuple((k, v) for k, v in (("class", class_text), ("status", status)) if v)
    return SourceEvent(
        record_id=record_id,
        occurred_on=occurred,
        kind="health attendance",
        description=description,
        significance="high" if emergency else "medium",
        source_reference=f"Encounter/{encounter.get('id') or ''}",
        details=details,
    )


def _condition_event(record_id: str, condition: Mapping[str, Any]) -> SourceEvent | None:
    if _codes(condition.get("verificationStatus")) & _SKIPPED_CONDITIONS:
        return None
    occurred = (
        parse_event_date(cell_text(condition.get("onsetDateTime")))
        or parse_event_date(cell_text(_dict(condition.get("onsetPeriod")).get("start")))
        or parse_event_date(cell_text(condition.get("recordedDate")))
    )
    if occurred is None:
        return None
    clinical = _concept_text(condition.get("clinicalStatus"))
    return SourceEvent(
        record_id=record_id,
        occurred_on=occurred,
        kind="health condition",
        description=_concept_text(condition.get("code")) or "Condition (no description recorded)",
        significance="medium",
        source_reference=f"Condition/{condition.get('id') or ''}",
        details=(("clinical status", clinical),) if clinical else (),
    )


# --- HTTP --------------------------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class _Pinned(urllib.request.Request):
    """A request to be sent to ``address``, the address its host was checked at, not to whatever a
    second look-up of the name answers (it could have changed since: "DNS rebinding")."""

    def __init__(self, url: str, *, address: str, headers: Mapping[str, str]) -> None:
        super().__init__(url, headers=dict(headers))  # noqa: S310 - the caller checked the scheme
        self.address = address


def _connect_to(address: str) -> Any:
    """http.client's way of opening a connection, to ``address`` on the port asked for."""

    def create_connection(
        host_port: tuple[str, int], timeout: float | None = None, source_address: Any = None
    ) -> socket.socket:
        return socket.create_connection((address, host_port[1]), timeout, source_address)

    return create_connection


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = _connect_to(address)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address; the certificate is still checked against the host's name (the
    name is what the connection sends as SNI and verifies, as ``http.client`` always does)."""

    def __init__(self, host: str, *, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = _connect_to(address)


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        if not isinstance(req, _Pinned):
            raise urllib.error.URLError("a request whose host was not checked")
        return self.do_open(cast(Any, _PinnedHTTPConnection), req, address=req.address)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self) -> None:
        super().__init__()
        self._tls = ssl.create_default_context()  # verifies the certificate and the host's name

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        if not isinstance(req, _Pinned):
            raise urllib.error.URLError("a request whose host was not checked")
        return self.do_open(cast(Any, _PinnedHTTPSConnection), req, context=self._tls, address=req.address)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the same scheme, host and port (the token goes with it), to the
    address the host was checked at."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(newurl) != _origin(req.full_url) or not isinstance(req, _Pinned):
            return None  # urllib then raises the redirect as an HTTPError
        followed = super().redirect_request(req, fp, code, msg, headers, newurl)
        if followed is None:
            return None
        return _Pinned(followed.full_url, address=req.address, headers=dict(followed.header_items()))


class FhirConnector(Connector):
    """A FHIR R4 server: Patients as identities; Encounters and Conditions fetched as events."""

    kind: ClassVar[str] = "fhir"
    live: ClassVar[bool] = True

    def __init__(
        self,
        base_url: str,
        *,
        page_size: int = 200,
        token: str | None = None,
        timeout: float = 10,
        limits: SourceLimits = UNRESTRICTED,
    ) -> None:
        self.limits = limits
        self.base_url = base_url.strip().rstrip("/")
        self.page_size = max(1, int(page_size))
        self.token = token or None
        self.timeout = float(timeout)
        # No proxy from the environment: each request goes straight to the address its host was
        # checked at (a proxy would look the name up again, where the check cannot see).
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            _PinnedHTTPHandler(),
            _PinnedHTTPSHandler(),
            _SameOriginRedirects(),
        )

    # --- requests -------------------------------------------------------------------------------

    def _headers(self, part: str) -> dict[str, str]:
        headers = {"Accept": "application/fhir+json"}
        token = self.token
        if token and token.startswith("env:"):
            name = token[4:].strip()
            try:
                token = self.limits.secret(name)
            except SecretRefused as refused:
                raise LoadFailed([BadRow(str(refused), part=part)]) from None
            if not token:
                raise LoadFailed(
                    [BadRow(f"the environment variable {name} (the FHIR token) is not set", part=part)]
                )
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _failed(self, problem: str, part: str, row: int | None = None) -> LoadFailed:
        return LoadFailed([BadRow(f"{problem} (FHIR server {self.base_url})", row=row, part=part)])

    def _unreachable(self, doing: str, part: str, cause: BaseException) -> LoadFailed:
        """One message for a host that is refused, does not resolve, refuses the connection or does
        not answer, so a load's report never tells a closed port from an open one. The cause goes
        to the server log under the reference shown."""
        reference = error_reference()
        log.warning(
            "FHIR source %s unreachable while %s [ref %s]: %r", self.base_url, doing, reference, cause
        )
        return self._failed(
            f"could not reach the server while {doing} (reference {reference}; the detail is in the"
            " server log)",
            part,
        )

    def _get(self, url: str, *, doing: str, part: str, missing_ok: bool = False) -> dict[str, Any] | None:
        """The JSON resource at ``url``; ``None`` for 404/410 when ``missing_ok``."""
        if _origin(url)[0] not in {"http", "https"}:
            raise self._failed("the FHIR base URL must start with http:// or https://", part)
        if _origin(url) != _origin(self.base_url):
            raise self._failed(f"while {doing}, the server pointed to another host; not following it", part)
        parts = urllib.parse.urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
            # The host is checked before the token is read: a secret goes only where it may.
            addresses = self.limits.check_host(parts.hostname, port)
        except (HostRefused, ValueError) as refused:
            raise self._unreachable(doing, part, refused) from None
        # Sent to the first address checked: a second look-up of the name is never made.
        request = _Pinned(url, address=str(addresses[0]), headers=self._headers(part))
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            if missing_ok and exc.code in _MISSING:
                return None
            if exc.code in {401, 403}:
                raise self._failed(
                    f"the server refused access while {doing} (HTTP {exc.code}): check the source's token",
                    part,
                ) from None
            if 300 <= exc.code < 400:
                raise self._failed(
                    f"while {doing}, the server redirected to another host; not following it", part
                ) from None
            raise self._failed(f"the server answered HTTP {exc.code} while {doing}", part) from None
        except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise self._unreachable(doing, part, exc) from None
        try:
            resource = json.loads(body)
        except ValueError:
            raise self._failed(f"the server's answer while {doing} is not JSON", part) from None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise self._failed(f"the server's answer while {doing} is not a FHIR resource", part)
        return resource

    def _pages(self, url: str, *, doing: str, part: str) -> Iterator[dict[str, Any]]:
        """Each Bundle of a search, following ``next`` links."""
        visited: set[str] = set()
        next_url: str | None = url
        while next_url is not None:
            if next_url in visited:
                raise self._failed(f"while {doing}, the server's next link repeats an earlier page", part)
            visited.add(next_url)
            bundle = self._get(next_url, doing=doing, part=part)
            assert bundle is not None  # noqa: S101 - not missing_ok
            if bundle.get("resourceType") != "Bundle":
                raise self._failed(
                    f"the server's answer while {doing} is a {bundle['resourceType']}, not a Bundle", part
                )
            yield bundle
            link = next(
                (
                    cell_text(li.get("url"))
                    for li in _list(bundle.get("link"))
                    if li.get("relation") == "next"
                ),
                None,
            )
            next_url = urllib.parse.urljoin(next_url, link) if link else None

    def _search(self, resource_type: str, params: Mapping[str, str]) -> str:
        query = urllib.parse.urlencode({**params, "_count": str(self.page_size)})
        return f"{self.base_url}/{resource_type}?{query}"

    # --- the connector --------------------------------------------------------------------------

    def columns(self) -> list[str]:
        return list(FHIR_COLUMNS)

    def read(self, *, mapping: Mapping[str, str] | None = None, progress: Progress | None = None) -> Extract:
        rows: list[dict[str, str | None]] = []
        numbers: list[int] = []
        problems: list[BadRow] = []
        position = 0
        for bundle in self._pages(self._search("Patient", {}), doing="searching Patients", part="identities"):
            total = bundle.get("total") if isinstance(bundle.get("total"), int) else None
            for entry in _list(bundle.get("entry")):
                resource = _dict(entry.get("resource"))
                if resource.get("resourceType") != "Patient":
                    continue  # an OperationOutcome or included resource, not a result
                position += 1
                if cell_text(resource.get("id")) is None:
                    problems.append(BadRow("the Patient resource has no id", row=position, column="id"))
                    continue
                rows.append(patient_row(resource))
                numbers.append(position)
            if progress is not None:
                progress(position, total)
        try:
            extract = build_extract(rows, identity_columns=FHIR_COLUMNS, mapping=mapping, row_numbers=numbers)
        except LoadFailed as failed:
            merged = sorted([*problems, *failed.bad_rows], key=lambda b: (b.row is not None, b.row or 0))
            raise LoadFailed(merged, total=len(problems) + failed.total) from None
        if problems:
            raise LoadFailed(problems)
        return extract

    def fetch(
        self, record_ids: Sequence[str], *, mapping: Mapping[str, str] | None = None
    ) -> dict[str, SourceRecord]:
        renames = renamed_columns(FHIR_COLUMNS, mapping, STANDARD_COLUMNS)
        records: dict[str, SourceRecord] = {}
        for record_id in dict.fromkeys(str(r).strip() for r in record_ids if r is not None):
            if not _FHIR_ID.match(record_id):
                continue  # cannot name a FHIR resource, so no such Patient
            patient = self._get(
                f"{self.base_url}/Patient/{record_id}",
                doing="reading a Patient",
                part="identities",
                missing_ok=True,
            )
            if patient is None:
                continue
            if patient.get("resourceType") != "Patient":
                raise self._failed(f"reading a Patient gave a {patient['resourceType']}", "identities")
            row = patient_row(patient)
            identity: dict[str, str | None] = dict.fromkeys(STANDARD_COLUMNS)
            for source, target in renames.items():
                identity[target] = row[source]
            identity["record_id"] = record_id
            details = {c: v for c, v in row.items() if c not in renames and v}
            events = [
                *self._events(record_id, "Encounter", _encounter_event),
                *self._events(record_id, "Condition", _condition_event),
            ]
            records[record_id] = SourceRecord(
                record_id=record_id,
                identity=identity,
                details=details,
                events=tuple(sorted(events, key=lambda e: (e.occurred_on, e.source_reference))),
            )
        return records

    def _events(self, record_id: str, resource_type: str, make: Any) -> Iterator[SourceEvent]:
        subject = f"Patient/{record_id}"
        doing = f"searching {resource_type}s"
        for bundle in self._pages(
            self._search(resource_type, {"subject": subject}), doing=doing, part="events"
        ):
            for entry in _list(bundle.get("entry")):
                resource = _dict(entry.get("resource"))
                if resource.get("resourceType") != resource_type:
                    continue
                reference = cell_text(_dict(resource.get("subject")).get("reference")) or ""
                if reference != subject and not reference.endswith(f"/{subject}"):
                    raise self._failed(
                        f"while {doing} by subject, the server returned one of another patient", "events"
                    )
                event = make(record_id, resource)
                if event is not None:
                    yield event
