"""A trawl: one search of an agency's data sources for everyone on a case, and the candidates it found.

Nothing a trawl finds is shared. A candidate is a proposal with its evidence; the agency's researcher
confirms or rejects it, and only events of a confirmed record that the researcher picks become
history items in the agency's return, which is shared when the return is submitted.
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.db import models

from openmash.core.models import BaseModel
from openmash.enquiries.models import InformationRequest
from openmash.referrals.models import ReferralPerson
from openmash.sources.models import DataSource, SourceLoad


class TrawlStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Searching"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class Trawl(BaseModel):
    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="trawls")
    status = models.CharField(max_length=10, choices=TrawlStatus.choices, default=TrawlStatus.QUEUED)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    people_total = models.PositiveIntegerField(default=0)
    people_done = models.PositiveIntegerField(default=0)
    searched = models.JSONField(default=list, blank=True, help_text="Sources searched: name, load, records.")
    refused = models.JSONField(default=list, blank=True, help_text="People the gate did not allow searched.")
    error = models.TextField(blank=True, default="")
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The worker's last sign of progress (a trawl without one is resumed).",
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a worker has started on it.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Trawl of {self.request} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {TrawlStatus.DONE, TrawlStatus.FAILED}

    @property
    def percent(self) -> int:
        if self.status == TrawlStatus.DONE:
            return 100
        if not self.people_total:
            return 0
        return min(99, int(100 * self.people_done / self.people_total))


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", "To review"
    CONFIRMED = "confirmed", "Confirmed: same person"
    REJECTED = "rejected", "Rejected: not the same person"


class TrawlCandidate(BaseModel):
    """A record in an agency's source that may be a person on the case, with the evidence why."""

    trawl = models.ForeignKey(Trawl, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(ReferralPerson, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+")
    load = models.ForeignKey(SourceLoad, on_delete=models.PROTECT, related_name="+")
    record_id = models.CharField(max_length=200)
    rank = models.PositiveSmallIntegerField()
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    evidence = models.JSONField(
        default=list, help_text="Per field: comparison, level, weight, the query's and the record's values."
    )
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The candidate of an earlier search of this request whose decision this one keeps.",
    )

    class Meta:
        ordering = ["person__is_subject", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["trawl", "person", "source", "record_id"], name="one_candidate_per_record_and_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source.name} {self.record_id} for {self.person} ({self.match_probability:.2f})"

    @property
    def evidence_rows(self) -> list[dict[str, object]]:
        """The evidence with its values as a researcher reads them: names capitalised, dates written
        out (the stored evidence keeps the compared, normalised values)."""
        rows = []
        for e in self.evidence:
            query = shown_value(e.get("comparison"), e.get("query"))
            record = shown_value(e.get("comparison"), e.get("record"))
            level_text = e.get("level_text")
            if not query and not record and level_text == NOT_RECORDED_ONE_SIDE:
                level_text = NOT_RECORDED_EITHER_SIDE
            rows.append({**e, "query": query, "record": record, "level_text": level_text})
        return rows

    @property
    def band(self) -> str:
        """How strong the evidence is, in words a researcher reads at a glance."""
        if self.match_probability >= 0.95:
            return "Strong match"
        if self.match_probability >= 0.8:
            return "Likely match"
        return "Possible match"

    @property
    def percent(self) -> str:
        p = 100 * self.match_probability
        if p >= 99.95:
            return ">99.9%"
        return f"{p:.1f}%"


_SEX = {"m": "Male", "f": "Female", "male": "Male", "female": "Female", "u": "Unknown", "x": "Indeterminate"}


NOT_RECORDED_ONE_SIDE = "Not recorded on one side"
NOT_RECORDED_EITHER_SIDE = "Not recorded on either side"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_POSTCODE_AT_END = re.compile(r"([A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2})\s*$")


def _address_shown(text: str) -> str:
    """A normalised address as people write it: words capitalised, the postcode in capitals."""
    words = " ".join(w[:1].upper() + w[1:] for w in text.split())
    return _POSTCODE_AT_END.sub(lambda m: m.group(1).upper(), words)


def field_shown(key: str, value: object) -> tuple[str, date | None]:
    """A field of an agency's record as a researcher reads it: (text, date). A date comes back as a
    date for the template's one date filter; sex spelled out; postcodes in capitals; "Not recorded"
    when empty."""
    if value is None or str(value).strip() == "":
        return "Not recorded", None
    text = str(value).strip()
    if _ISO_DATE.match(text):
        try:
            return "", date.fromisoformat(text)
        except ValueError:
            return text, None
    if key == "sex":
        return _SEX.get(text.lower(), text), None
    if key == "postcode":
        return text.upper(), None
    if key in {"given_name", "surname"}:
        return text.title() if text.isupper() or text.islower() else text, None
    if key == "address":
        return _address_shown(text), None
    return text, None


def field_label(key: str) -> str:
    """ "warning_markers" as "Warning markers"."""
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()


def shown_value(comparison: object, value: object) -> str:
    """One compared value as shown in the evidence table ("" when not recorded)."""
    if value is None or value == "":
        return ""
    text = str(value)
    if comparison in {"given_name", "surname"}:
        return text.title()
    if comparison == "sex":
        return _SEX.get(text.lower(), text)
    if comparison == "date_of_birth":
        try:
            return date.fromisoformat(text).strftime("%-d %B %Y")
        except ValueError:
            return text
    if comparison == "location":
        return _address_shown(text)
    return text
