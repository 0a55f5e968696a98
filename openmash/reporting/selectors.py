"""The partnership's measures, read as aggregate queries in the database (a handful per measure, however
many cases): each over a chosen period with the period before it beside it.

Words the measures use:
- A *contact* is every referral the hub receives; it becomes a *referral* (to children's social care)
  when the hub's decision counts as a CIN referral in statutory returns (decisions.OUTCOME_CODES).
- Screening and decisions are on time when done by the case's `decision_due_at` (one working day after
  the contact arrived, counted in working time when the case opened). A request is on time when it is
  returned or nil-returned by its `due_at` (the RAG response time, counted in working time when sent).
- The agency filter narrows contacts, decisions and re-referrals to the referrer's agency, and
  requests and contributions to the agency asked.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

from openmash.cases.models import Case, CaseStatus, Keyworker, Route
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.core.codes import ContactOutcome, ReferralOutcome, ReferralSource
from openmash.core.worktime import WorkingCalendar
from openmash.decisions.models import (
    OUTCOME_CODES,
    AgencyView,
    Decision,
    LevelChange,
    Outcome,
)
from openmash.enquiries.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    InformationRequest,
    RequestStatus,
)
from openmash.hub.models import Agency, RagRating
from openmash.hub.selectors import hub_calendar, hub_configuration
from openmash.referrals.models import REREFERRAL_WINDOW, ConcernCategory, Referral
from openmash.reporting.period import LONDON, Filters, Period
from openmash.retention.models import RequestTombstone
from openmash.trawl.models import CandidateStatus, Trawl, TrawlCandidate

TWELVE_MONTHS = REREFERRAL_WINDOW
"""A re-referral's look-back, and Annex A's "in the last 12 months": 365 days before the referral."""


@dataclass
class Table:
    """One table of a measure: the same numbers feed its chart, its page and its exports."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[object]]
    chart: tuple[int, int] | None = (1, 2)
    """The columns the chart compares (this period, the period before), or None for no chart."""
    rag: int | None = None
    """A column whose values are RAG ratings for colouring (scorecards)."""


@dataclass
class Measure:
    slug: str
    title: str
    period: Period
    filters: Filters
    summary: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def table(self, slug: str) -> Table:
        return next(t for t in self.tables if t.slug == slug)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _n(value: object) -> int:
    return int(value or 0)  # type: ignore[call-overload]


def both(period: Period, field_name: str, extra: Q | None = None) -> dict[str, Count]:
    """Counts for this period ("now") and the one before ("before"), in one query."""
    extra = extra or Q()
    return {
        "now": Count("pk", filter=period.within(field_name) & extra),
        "before": Count("pk", filter=period.previous.within(field_name) & extra),
    }


# Volumes ---------------------------------------------------------------------------------------------------


def contacts(filters: Filters) -> QuerySet[Referral]:
    rows = Referral.objects.all()
    if filters.agency:
        rows = rows.filter(referrer_agency_id=filters.agency)
    if filters.source:
        rows = rows.filter(source=filters.source)
    if filters.rag:
        rows = rows.filter(case__rag=filters.rag)
    return rows


IS_REFERRAL = Q(case__decision__contact_outcome=ContactOutcome.CIN_REFERRAL)


def volumes(period: Period, filters: Filters, brief: bool = False) -> Measure:
    base = contacts(filters).filter(period.either("received_at"))
    prev = period.previous
    w = "received_at"
    counts = {
        "c_now": Count("pk", filter=period.within(w)),
        "c_before": Count("pk", filter=prev.within(w)),
        "r_now": Count("pk", filter=period.within(w) & IS_REFERRAL),
        "r_before": Count("pk", filter=prev.within(w) & IS_REFERRAL),
        "d_now": Count("pk", filter=period.within(w) & Q(case__decision__isnull=False)),
        "d_before": Count("pk", filter=prev.within(w) & Q(case__decision__isnull=False)),
        "nfa_now": Count("pk", filter=period.within(w) & Q(case__decision__outcome=Outcome.NFA)),
        "nfa_before": Count("pk", filter=prev.within(w) & Q(case__decision__outcome=Outcome.NFA)),
    }
    # One grouped query gives the totals and the figures by source (the page adds up its few rows).
    by_source: list[dict[str, Any]] = [
        dict(r) for r in base.values("source").annotate(**counts).order_by("source")
    ]
    t = {key: sum(_n(r[key]) for r in by_source) for key in counts}
    headline = Table(
        "totals",
        "Contacts, referrals and no further action",
        ["Measure", "This period", "Previous period"],
        [
            ["Contacts received", t["c_now"], t["c_before"]],
            ["Became referrals to children's social care", t["r_now"], t["r_before"]],
            [
                "Contact to referral conversion (%)",
                percent(t["r_now"], t["c_now"]),
                percent(t["r_before"], t["c_before"]),
            ],
            ["Decided", t["d_now"], t["d_before"]],
            ["No further action", t["nfa_now"], t["nfa_before"]],
            [
                "No further action rate, of those decided (%)",
                percent(t["nfa_now"], t["d_now"]),
                percent(t["nfa_before"], t["d_before"]),
            ],
        ],
        chart=None,
    )
    summary = [
        f"{t['c_now']} contacts this period ({t['c_before']} the period before); "
        f"{t['r_now']} became referrals to children's social care "
        f"({_pc(percent(t['r_now'], t['c_now']))} of contacts).",
        f"No further action on {t['nfa_now']} of {t['d_now']} decided contacts "
        f"({_pc(percent(t['nfa_now'], t['d_now']))}).",
    ]
    if brief:
        return Measure("volumes", "Volumes", period, filters, summary, [headline])
    order = {code: i for i, code in enumerate(ReferralSource.values)}
    source_rows = sorted(by_source, key=lambda r: order.get(r["source"], len(order)))
    sources = Table(
        "sources",
        "Contacts and referrals by source (CIN referral source code)",
        [
            "Source",
            "Contacts this period",
            "Contacts previous period",
            "Referrals this period",
            "Referrals previous period",
        ],
        [
            [_source_label(r["source"]), r["c_now"], r["c_before"], r["r_now"], r["r_before"]]
            for r in source_rows
        ],
    )
    # The codes are lower-case JSON strings: a case-sensitive match on the list's text (no UPPER on
    # every row for every category).
    category_counts = base.annotate(category_text=Cast("concern_categories", TextField())).aggregate(
        **{
            f"{key}_{cat.value}": Count(
                "pk",
                filter=p.within(w) & Q(category_text__contains=f'"{cat.value}"'),
            )
            for key, p in (("now", period), ("before", prev))
            for cat in ConcernCategory
        }
    )
    categories = Table(
        "categories",
        "Contacts by concern category (a contact may have several)",
        ["Concern", "This period", "Previous period"],
        [
            [cat.label, _n(category_counts[f"now_{cat.value}"]), _n(category_counts[f"before_{cat.value}"])]
            for cat in ConcernCategory
            if category_counts[f"now_{cat.value}"] or category_counts[f"before_{cat.value}"]
        ],
    )
    by_route = (
        base.exclude(case__route="")
        .filter(case__isnull=False)
        .values("case__route")
        .annotate(now=Count("pk", filter=period.within(w)), before=Count("pk", filter=prev.within(w)))
        .order_by("case__route")
    )
    route_labels = dict(Route.choices)
    routes = Table(
        "routes",
        "Contacts by the route screening chose",
        ["Route", "This period", "Previous period"],
        [[route_labels.get(r["case__route"], r["case__route"]), r["now"], r["before"]] for r in by_route],
    )
    return Measure("volumes", "Volumes", period, filters, summary, [headline, sources, categories, routes])


def _day(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def _source_label(code: str) -> str:
    try:
        return f"{code}: {ReferralSource(code).label}"
    except ValueError:
        return code


def _pc(value: float | None) -> str:
    return "no figure" if value is None else f"{value:g}%"


# Timeliness ------------------------------------------------------------------------------------------------


def cases_for(filters: Filters) -> QuerySet[Case]:
    rows = Case.objects.all()
    if filters.agency:
        rows = rows.filter(referral__referrer_agency_id=filters.agency)
    if filters.source:
        rows = rows.filter(referral__source=filters.source)
    if filters.rag:
        rows = rows.filter(rag=filters.rag)
    return rows


def requests_for(filters: Filters) -> QuerySet[InformationRequest]:
    rows = InformationRequest.objects.exclude(status=RequestStatus.WITHDRAWN)
    if filters.agency:
        rows = rows.filter(agency_id=filters.agency)
    if filters.source:
        rows = rows.filter(case__referral__source=filters.source)
    if filters.rag:
        rows = rows.filter(case__rag=filters.rag)
    return rows


def decisions_for(filters: Filters) -> QuerySet[Decision]:
    rows = Decision.objects.all()
    if filters.agency:
        rows = rows.filter(case__referral__referrer_agency_id=filters.agency)
    if filters.source:
        rows = rows.filter(case__referral__source=filters.source)
    if filters.rag:
        rows = rows.filter(case__rag=filters.rag)
    return rows


class WorkingClock:
    """Working time read off a running total, for many pairs of instants at once: the working seconds
    from the first day of a range to any instant in it, so the working time between two instants is the
    difference of two readings. It counts as `WorkingCalendar.working_time_between` does (day by day on
    the local wall clock, each working day worth `day_end - day_start`), at a look-up a reading instead
    of a walk over the days between."""

    def __init__(self, calendar: WorkingCalendar, first: date, last: date) -> None:
        self.calendar = calendar
        self.first = first
        self.first_ordinal = first.toordinal()
        self.zone = ZoneInfo(calendar.timezone)
        start = calendar.day_start
        self.start = start.hour * 3600 + start.minute * 60 + start.second + start.microsecond / 1e6
        self.length = calendar.working_day_length().total_seconds()
        self.open = [
            calendar.is_working_day(first + timedelta(days=i)) for i in range((last - first).days + 1)
        ]
        self.before = [0]
        for is_open in self.open:
            self.before.append(self.before[-1] + int(is_open))

    def reading(self, instant: datetime) -> float:
        wall = instant.astimezone(self.zone)  # the local wall clock; read as plain numbers below
        index = wall.toordinal() - self.first_ordinal
        seconds = self.before[index] * self.length
        if self.open[index]:
            into = wall.hour * 3600 + wall.minute * 60 + wall.second + wall.microsecond / 1e6 - self.start
            seconds += min(max(into, 0.0), self.length)
        return seconds

    def hours_between(self, start: datetime, end: datetime) -> float:
        return (self.reading(end) - self.reading(start)) / 3600

    def reading_local(self, wall_seconds: float) -> float:
        """The same reading for an instant given as seconds since 1 January 1970 on the local wall clock."""
        day, into_day = divmod(wall_seconds, 86400)
        index = int(day) + UNIX_ORDINAL - self.first_ordinal
        seconds = self.before[index] * self.length
        if self.open[index]:
            seconds += min(max(into_day - self.start, 0.0), self.length)
        return seconds

    def hours_between_local(self, start: float, end: float) -> float:
        return (self.reading_local(end) - self.reading_local(start)) / 3600


UNIX_ORDINAL = date(1970, 1, 1).toordinal()


class LocalEpoch(Func):
    """PostgreSQL: an instant as seconds since 1970 on a time zone's wall clock, a plain number."""

    output_field = FloatField()

    def __init__(self, field_name: str, zone: str) -> None:
        at_zone = Func(F(field_name), Value(zone), arg_joiner=" AT TIME ZONE ", template="(%(expressions)s)")
        super().__init__(at_zone, template="EXTRACT(EPOCH FROM %(expressions)s)::float8")


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value at least 90% of values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def hours_to_return(
    period: Period, filters: Filters, calendar: WorkingCalendar | None = None
) -> dict[object, list[float]]:
    """Working hours from sending to the return, for each agency's requests sent in the period and
    answered. The database gives two timestamps per answered request; the working-time clock (hub
    hours, weekends, bank holidays, closure days) turns them into hours."""
    calendar = calendar or hub_calendar()
    out: dict[object, list[float]] = {}
    answered = requests_for(filters).filter(
        period.within("sent_at"),
        status__in=DONE_STATUSES,
        returned_at__isnull=False,
        returned_at__gte=F("sent_at"),
    )
    if connection.vendor == "postgresql":
        # PostgreSQL gives each instant as seconds on the hub's wall clock, a plain number: reading
        # tens of thousands of them costs a fraction of turning as many timestamps into Python objects.
        local = answered.values_list(
            "agency_id",
            LocalEpoch("sent_at", calendar.timezone),
            LocalEpoch("returned_at", calendar.timezone),
        )
        rows = list(local)
        if not rows:
            return out
        first = date.fromordinal(int(min(s for _, s, _ in rows) // 86400) + UNIX_ORDINAL)
        last = date.fromordinal(int(max(r for _, _, r in rows) // 86400) + UNIX_ORDINAL)
        clock = WorkingClock(calendar, first, last)
        for agency_id, sent, returned in rows:
            out.setdefault(agency_id, []).append(clock.hours_between_local(sent, returned))
        return out
    pairs = [
        (a, s, r)
        for a, s, r in answered.values_list("agency_id", "sent_at", "returned_at").iterator(chunk_size=5000)
        if r is not None
    ]
    if not pairs:
        return out
    zone = ZoneInfo(calendar.timezone)
    first = min(s for _, s, _ in pairs).astimezone(zone).date()
    last = max(r for _, _, r in pairs).astimezone(zone).date()
    clock = WorkingClock(calendar, first, last)
    for agency_id, sent_at, returned_at in pairs:
        out.setdefault(agency_id, []).append(clock.hours_between(sent_at, returned_at))
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def timeliness(period: Period, filters: Filters, now: datetime | None = None, brief: bool = False) -> Measure:
    now = now or timezone.now()
    prev = period.previous
    w = "referral__received_at"
    on_time = Q(screened_at__lte=F("decision_due_at"))
    screened = Q(screened_at__isnull=False)
    s = (
        cases_for(filters)
        .filter(period.either(w))
        .aggregate(
            now=Count("pk", filter=period.within(w) & screened),
            before=Count("pk", filter=prev.within(w) & screened),
            ok_now=Count("pk", filter=period.within(w) & screened & on_time),
            ok_before=Count("pk", filter=prev.within(w) & screened & on_time),
        )
    )
    # Waiting now, whenever they came: a query of its own, on the few new cases (by status).
    s["late_waiting"] = cases_for(filters).filter(status=CaseStatus.NEW, decision_due_at__lt=now).count()
    s = {k: _n(v) for k, v in s.items()}
    d_on_time = Q(decided_at__lte=F("case__decision_due_at"))
    d = (
        decisions_for(filters)
        .filter(period.either("decided_at"))
        .aggregate(
            now=Count("pk", filter=period.within("decided_at")),
            before=Count("pk", filter=prev.within("decided_at")),
            ok_now=Count("pk", filter=period.within("decided_at") & d_on_time),
            ok_before=Count("pk", filter=prev.within("decided_at") & d_on_time),
        )
    )
    d = {k: _n(v) for k, v in d.items()}
    hub = Table(
        "hub",
        "Screening and decisions within the hub's target (one working day)",
        ["Measure", "This period", "Previous period"],
        [
            ["Contacts screened", s["now"], s["before"]],
            ["Screened within target", s["ok_now"], s["ok_before"]],
            [
                "Screened within target (%)",
                percent(s["ok_now"], s["now"]),
                percent(s["ok_before"], s["before"]),
            ],
            ["Decisions made", d["now"], d["before"]],
            ["Decided within target", d["ok_now"], d["ok_before"]],
            [
                "Decided within target (%)",
                percent(d["ok_now"], d["now"]),
                percent(d["ok_before"], d["before"]),
            ],
            ["Waiting for screening past the target now", s["late_waiting"], None],
        ],
        chart=None,
    )
    agencies = agency_timeliness(period, filters, now, hours=not brief)
    summary = [
        f"{s['ok_now']} of {s['now']} contacts screened this period were screened within one working day "
        f"({_pc(percent(s['ok_now'], s['now']))}; the period before, "
        f"{_pc(percent(s['ok_before'], s['before']))}).",
        f"{d['ok_now']} of {d['now']} decisions were made within target.",
        f"{sum(_n(r[8]) for r in agencies.rows)} requests to partner agencies are overdue now.",
    ]
    return Measure("timeliness", "Timeliness", period, filters, summary, [hub, agencies])


TIMELINESS_COLUMNS = [
    "Agency",
    "Answered in time (%) this period",
    "Answered in time (%) previous period",
    "Requests sent",
    "Answered",
    "Answered by the deadline",
    "Median working hours to answer",
    "90th percentile working hours",
    "Overdue now",
    "Deadlines missed in the period",
]


def agency_timeliness(period: Period, filters: Filters, now: datetime, hours: bool = True) -> Table:
    """Each agency's timeliness; without `hours`, the working hours to answer are left out (a summary)."""
    prev = period.previous
    done = Q(status__in=DONE_STATUSES)
    in_time = done & Q(returned_at__lte=F("due_at"))
    # A request still open whose deadline has not come yet is neither in time nor late: left out.
    counted = done | Q(due_at__lt=now)
    missed = Q(due_at__isnull=False) & (
        Q(returned_at__isnull=True, status__in=OPEN_STATUSES) | Q(returned_at__gt=F("due_at"))
    )
    rows = (
        requests_for(filters)
        .filter(
            Q(period.either("sent_at"))
            | Q(status__in=OPEN_STATUSES, due_at__lt=now)
            | period.within("due_at")
        )
        .values("agency_id", "agency__name")
        .annotate(
            sent=Count("pk", filter=period.within("sent_at")),
            answered=Count("pk", filter=period.within("sent_at") & done),
            ok=Count("pk", filter=period.within("sent_at") & in_time),
            counted=Count("pk", filter=period.within("sent_at") & counted),
            counted_before=Count("pk", filter=prev.within("sent_at") & counted),
            ok_before=Count("pk", filter=prev.within("sent_at") & in_time),
            overdue_now=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
            missed=Count("pk", filter=period.within("due_at") & missed),
        )
        .order_by("agency__name")
    )
    spent_by_agency = hours_to_return(period, filters) if hours else {}
    table_rows: list[list[object]] = []
    for r in rows:
        spent = spent_by_agency.get(r["agency_id"], [])
        table_rows.append(
            [
                r["agency__name"],
                percent(r["ok"], r["counted"]),
                percent(r["ok_before"], r["counted_before"]),
                r["sent"],
                r["answered"],
                r["ok"],
                _round(statistics.median(spent)) if spent else None,
                _round(p90(spent)),
                r["overdue_now"],
                r["missed"],
            ]
        )
    return Table(
        "agencies", "Requests answered within the RAG deadline, by agency", TIMELINESS_COLUMNS, table_rows
    )


# Contributions ---------------------------------------------------------------------------------------------

REASON_DESTROYED = "Not kept: destroyed with the case's personal data"
"""A withheld item's reason is free text, so it goes when the case is destroyed; the item still counts."""

CONTRIBUTION_COLUMNS = [
    "Agency",
    "Requests received",
    "Requests received previous period",
    "Returns",
    "Nil returns",
    "History items shared",
    "Items withheld",
    "Trawls run",
    "Matches confirmed",
]


def contributions(period: Period, filters: Filters, brief: bool = False) -> Measure:
    prev = period.previous
    requests = (
        requests_for(filters)
        .filter(period.either("sent_at"))
        .values("agency_id")
        .annotate(
            received=Count("pk", filter=period.within("sent_at")),
            received_before=Count("pk", filter=prev.within("sent_at")),
            returns=Count("pk", filter=period.within("sent_at") & Q(status=RequestStatus.RETURNED)),
            nil=Count("pk", filter=period.within("sent_at") & Q(status=RequestStatus.NIL_RETURN)),
        )
        .order_by()
    )
    by_agency: dict[object, Any] = {r["agency_id"]: r for r in requests}
    shared = (
        # From the period's returned requests (by the index on when they were sent) to their items.
        requests_for(filters)
        .filter(period.within("sent_at"), status=RequestStatus.RETURNED)
        .values("agency_id")
        .annotate(n=Count("history"))
        .order_by()
    )
    withheld_rows = Disclosure.objects.filter(period.within("at"), kind=DisclosureKind.WITHHELD)
    trawls = Trawl.objects.filter(period.within("created_at"))
    confirmed = TrawlCandidate.objects.filter(period.within("decided_at"), status=CandidateStatus.CONFIRMED)
    # Destroyed cases: their history items, trawls and candidates are gone; their requests' tombstones
    # keep the counts (casework/destruction.py).
    kept = RequestTombstone.objects.filter(request__in=requests_for(filters))
    kept_shared = kept.filter(
        request__in=requests_for(filters).filter(period.within("sent_at"), status=RequestStatus.RETURNED)
    )
    kept_trawls = kept.filter(period.within("trawled_at"), trawls__gt=0)
    kept_confirmed = kept.filter(period.within("confirmed_at"), matches_confirmed__gt=0)
    if filters.agency:
        withheld_rows = withheld_rows.filter(from_agency_id=filters.agency)
        trawls = trawls.filter(request__agency_id=filters.agency)
        confirmed = confirmed.filter(trawl__request__agency_id=filters.agency)
    if filters.source:
        withheld_rows = withheld_rows.filter(case__referral__source=filters.source)
        trawls = trawls.filter(request__case__referral__source=filters.source)
        confirmed = confirmed.filter(trawl__request__case__referral__source=filters.source)
    if filters.rag:
        withheld_rows = withheld_rows.filter(case__rag=filters.rag)
        trawls = trawls.filter(request__case__rag=filters.rag)
        confirmed = confirmed.filter(trawl__request__case__rag=filters.rag)

    def by_agency_sum(rows: QuerySet[RequestTombstone], field_name: str) -> Counter[object]:
        return Counter(
            dict(
                rows.values("request__agency_id")
                .annotate(n=Sum(field_name))
                .order_by()
                .values_list("request__agency_id", "n")
            )
        )

    extra: dict[str, Counter[object]] = {
        "shared": Counter({r["agency_id"]: r["n"] for r in shared})
        + by_agency_sum(kept_shared, "history_items"),
        "withheld": Counter(
            dict(
                withheld_rows.values("from_agency_id")
                .annotate(n=Count("pk"))
                .values_list("from_agency_id", "n")
            )
        ),
        "trawls": Counter(
            dict(
                trawls.values("request__agency_id")
                .annotate(n=Count("pk"))
                .values_list("request__agency_id", "n")
            )
        )
        + by_agency_sum(kept_trawls, "trawls"),
        "confirmed": Counter(
            dict(
                confirmed.values("trawl__request__agency_id")
                .annotate(n=Count("pk"))
                .values_list("trawl__request__agency_id", "n")
            )
        )
        + by_agency_sum(kept_confirmed, "matches_confirmed"),
    }
    agencies = Agency.objects.filter(is_active=True).order_by("name")
    if filters.agency:
        agencies = agencies.filter(pk=filters.agency)
    rows: list[list[object]] = []
    for agency in agencies:
        r = by_agency.get(agency.pk, {})
        figures = [
            _n(r.get("received")),
            _n(r.get("received_before")),
            _n(r.get("returns")),
            _n(r.get("nil")),
            *(_n(extra[k].get(agency.pk)) for k in ("shared", "withheld", "trawls", "confirmed")),
        ]
        if any(figures):
            rows.append([agency.name, *figures])
    table = Table("agencies", "Each agency's contribution", CONTRIBUTION_COLUMNS, rows)
    total = sum(_n(r[1]) for r in rows)
    answered = sum(_n(r[3]) + _n(r[4]) for r in rows)
    summary = [
        f"Partner agencies received {total} requests this period and answered {answered} of them "
        f"({sum(_n(r[3]) for r in rows)} returns, {sum(_n(r[4]) for r in rows)} nil returns).",
        f"They shared {sum(_n(r[5]) for r in rows)} history items and withheld "
        f"{sum(_n(r[6]) for r in rows)}, each with a reason.",
    ]
    if brief:
        return Measure("contributions", "Contributions by agency", period, filters, summary, [table])
    reasons = Table(
        "withheld",
        "Items withheld, with the reasons given",
        ["Agency", "Reason", "Items"],
        [
            [r["from_agency__name"], r["reason"][:300] or REASON_DESTROYED, r["n"]]
            for r in withheld_rows.values("from_agency__name", "reason")
            .annotate(n=Count("pk"))
            .order_by("from_agency__name", "-n", "reason")
        ],
        chart=None,
    )
    return Measure("contributions", "Contributions by agency", period, filters, summary, [table, reasons])


# Decisions -------------------------------------------------------------------------------------------------


def decisions(period: Period, filters: Filters, brief: bool = False) -> Measure:
    prev = period.previous
    w = "decided_at"
    base = decisions_for(filters).filter(period.either(w))
    by_outcome: dict[str, Any] = {
        r["outcome"]: r for r in base.values("outcome").annotate(**both(period, w)).order_by()
    }
    contact_labels = dict(ContactOutcome.choices)
    referral_labels = dict(ReferralOutcome.choices)
    outcomes = Table(
        "outcomes",
        "Decisions by outcome, with the SSD contact and referral outcome each counts as",
        ["Outcome", "This period", "Previous period", "SSD contact outcome", "SSD referral outcome"],
        [
            [
                label,
                _n(by_outcome.get(value, {}).get("now")),
                _n(by_outcome.get(value, {}).get("before")),
                contact_labels[OUTCOME_CODES[value][0]],
                referral_labels[OUTCOME_CODES[value][1]],
            ]
            for value, label in Outcome.choices
            if value in by_outcome
        ],
    )
    by_level: dict[str, Any] = {
        r["level_change"]: r for r in base.values("level_change").annotate(**both(period, w)).order_by()
    }
    levels = Table(
        "levels",
        "Escalation and de-escalation against the referrer's view of the level of need",
        ["Level of need", "This period", "Previous period"],
        [
            [label, _n(by_level.get(value, {}).get("now")), _n(by_level.get(value, {}).get("before"))]
            for value, label in LevelChange.choices
        ],
    )
    # Dissent and challenges are joined to the period's decisions and counted once per decision: the
    # database reads only the rows of the decisions in the period (a correlated EXISTS in every count,
    # or a set of every decision ever challenged, costs more at volume).
    without = ~Q(proceeded_without=[])
    c = base.aggregate(
        **{
            f"{key}_{suffix}": Count("pk", filter=p.within(w) & condition)
            for key, p in (("now", period), ("before", prev))
            for suffix, condition in (("all", Q()), ("without", without))
        }
    )
    for suffix, joined in (
        ("dissent", base.filter(views__view=AgencyView.View.DISAGREE)),
        ("challenged", base.filter(Q(challenges__isnull=False) | Q(outcome_challenges__isnull=False))),
    ):
        c.update(
            joined.aggregate(
                **{
                    f"{key}_{suffix}": Count("pk", filter=p.within(w), distinct=True)
                    for key, p in (("now", period), ("before", prev))
                }
            )
        )
    c = {k: _n(v) for k, v in c.items()}
    scrutiny = Table(
        "scrutiny",
        "Decisions with dissent, challenge, or made without some agencies",
        ["Decisions", "This period", "Previous period"],
        [
            ["All decisions", c["now_all"], c["before_all"]],
            ["An agency disagreed", c["now_dissent"], c["before_dissent"]],
            ["The outcome was challenged", c["now_challenged"], c["before_challenged"]],
            ["Made without some agencies' information", c["now_without"], c["before_without"]],
        ],
    )
    level_now = {k: _n(v.get("now")) for k, v in by_level.items()}
    summary = [
        f"{c['now_all']} decisions this period ({c['before_all']} the period before).",
        f"{level_now.get(LevelChange.ESCALATED, 0)} escalated and "
        f"{level_now.get(LevelChange.DE_ESCALATED, 0)} de-escalated "
        "against the referrer's view of the level of need.",
        f"{c['now_dissent']} with an agency disagreeing, {c['now_challenged']} challenged, "
        f"{c['now_without']} made without some agencies' information.",
    ]
    return Measure("decisions", "Decisions", period, filters, summary, [outcomes, levels, scrutiny])


# Re-referrals ----------------------------------------------------------------------------------------------


def earlier_referral_within_year() -> QuerySet[Any]:
    """The earlier referrals (to children's social care) about the same child within 12 months."""
    through = Referral.earlier_referrals.through
    return through.objects.filter(
        from_referral_id=OuterRef("pk"),
        to_referral__received_at__lt=OuterRef("received_at"),
        to_referral__received_at__gte=OuterRef("received_at") - TWELVE_MONTHS,
        to_referral__case__decision__contact_outcome=ContactOutcome.CIN_REFERRAL,
    )


def rereferrals(period: Period, filters: Filters, brief: bool = False) -> Measure:
    prev = period.previous
    w = "received_at"
    base = (
        contacts(filters)
        .filter(period.either(w), IS_REFERRAL)
        .annotate(again=Exists(earlier_referral_within_year()) | Q(earlier_referrals_destroyed__gt=0))
    )
    t = base.aggregate(
        now=Count("pk", filter=period.within(w)),
        before=Count("pk", filter=prev.within(w)),
        again_now=Count("pk", filter=period.within(w) & Q(again=True)),
        again_before=Count("pk", filter=prev.within(w) & Q(again=True)),
    )
    t = {k: _n(v) for k, v in t.items()}
    rate = Table(
        "rate",
        "Referrals about a child referred in the 12 months before",
        ["Measure", "This period", "Previous period"],
        [
            ["Referrals to children's social care", t["now"], t["before"]],
            ["Re-referrals within 12 months", t["again_now"], t["again_before"]],
            [
                "Re-referral rate (%)",
                percent(t["again_now"], t["now"]),
                percent(t["again_before"], t["before"]),
            ],
        ],
        chart=None,
    )
    summary = [
        f"{t['again_now']} of {t['now']} referrals this period were about a child referred in the 12 months "
        f"before ({_pc(percent(t['again_now'], t['now']))}; the period before, "
        f"{_pc(percent(t['again_before'], t['before']))}).",
        "A child is recognised across referrals by NHS number, or by name and date of birth, so a "
        "misspelt name with the same NHS number still counts.",
    ]
    if brief:
        return Measure("rereferrals", "Re-referrals", period, filters, summary, [rate])
    through = Referral.earlier_referrals.through
    listed = (
        through.objects.filter(
            from_referral__in=base.filter(period.within(w), again=True).values("pk"),
            to_referral__received_at__lt=F("from_referral__received_at"),
            to_referral__received_at__gte=F("from_referral__received_at") - TWELVE_MONTHS,
            to_referral__case__decision__contact_outcome=ContactOutcome.CIN_REFERRAL,
        )
        .values_list(
            "from_referral__reference",
            "from_referral__received_at",
            "to_referral__reference",
            "to_referral__received_at",
        )
        .order_by("from_referral__received_at", "to_referral__received_at")
    )
    # An earlier referral whose case was destroyed is no longer linked: only how many there were is kept.
    unlinked = (
        base.filter(period.within(w), earlier_referrals_destroyed__gt=0)
        .values_list("reference", "received_at", "earlier_referrals_destroyed")
        .order_by("received_at")
    )
    ordered: list[tuple[datetime, datetime | None, list[object]]] = [
        (when, earlier_when, [ref, _day(when), earlier, _day(earlier_when)])
        for ref, when, earlier, earlier_when in listed
    ]
    ordered += [
        (when, None, [ref, _day(when), f"{n} earlier referral{'s' if n > 1 else ''}, since destroyed", None])
        for ref, when, n in unlinked
    ]
    ordered.sort(key=lambda o: (o[0], o[1] is None, o[1] or o[0]))
    found = [row for _, _, row in ordered]
    items = Table(
        "list",
        "Re-referrals in this period, each with the earlier referral it follows",
        ["Referral", "Received", "Earlier referral", "Earlier referral received"],
        found,
        chart=None,
    )
    return Measure("rereferrals", "Re-referrals", period, filters, summary, [rate, items])


# Early help ------------------------------------------------------------------------------------------------


def runs_early_help() -> bool:
    """The hub runs early help when it hands its product to a keyworker rather than deciding in the hub
    (`decision_in_hub` off, the early-help model: casework/handover.py); only then are keyworkers
    appointed, and only then is the time from referral to keyworker a measure."""
    return not hub_configuration().decision_in_hub


def keyworkers_for(filters: Filters) -> QuerySet[Keyworker]:
    rows = Keyworker.objects.filter(first_appointed_at__isnull=False, working_seconds_to_first__isnull=False)
    if filters.agency:
        rows = rows.filter(case__referral__referrer_agency_id=filters.agency)
    if filters.source:
        rows = rows.filter(case__referral__source=filters.source)
    if filters.rag:
        rows = rows.filter(case__rag=filters.rag)
    return rows


def _median_and_p90(rows: QuerySet[Keyworker], count: int) -> tuple[float | None, float | None]:
    """The median and the 90th percentile (nearest rank) of the stored working seconds, read from the
    database by position in order: two short queries, however many rows."""
    if not count:
        return None, None
    ordered = rows.order_by("working_seconds_to_first").values_list("working_seconds_to_first", flat=True)
    middle = [float(v or 0) for v in ordered[(count - 1) // 2 : count // 2 + 1]]
    rank = math.ceil(0.9 * count) - 1
    ninetieth = ordered[rank : rank + 1]
    return sum(middle) / len(middle), float(next(iter(ninetieth), 0) or 0)


def early_help(period: Period, filters: Filters, brief: bool = False) -> Measure:
    """The time from a referral's arrival to its first keyworker's appointment, in working days on the
    hub's calendar (stored when the keyworker was appointed), for keyworkers appointed in the period."""
    prev = period.previous
    w = "first_appointed_at"
    base = keyworkers_for(filters).filter(period.either(w))
    t = {
        k: _n(v)
        for k, v in base.aggregate(
            now=Count("pk", filter=period.within(w)), before=Count("pk", filter=prev.within(w))
        ).items()
    }
    waiting = (
        cases_for(filters)
        .filter(
            status__in=(CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION),
            keyworker__isnull=True,
        )
        .count()
    )
    day = hub_calendar().working_day_length().total_seconds()
    figures = {
        key: _median_and_p90(keyworkers_for(filters).filter(p.within(w)), t[key])
        for key, p in (("now", period), ("before", prev))
    }

    def days(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / day, 1)

    def hours(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / 3600, 1)

    counts = Table(
        "keyworkers",
        "Keyworkers appointed, and families waiting for one",
        ["Measure", "This period", "Previous period"],
        [
            ["Keyworkers appointed (a case's first)", t["now"], t["before"]],
            ["Cases gathering information without a keyworker now", waiting, None],
        ],
        chart=None,
    )
    times = Table(
        "time",
        "Working days from the referral to the first keyworker",
        ["Measure", "This period", "Previous period"],
        [
            ["Median working days", days(figures["now"][0]), days(figures["before"][0])],
            ["90th percentile working days", days(figures["now"][1]), days(figures["before"][1])],
            ["Median working hours", hours(figures["now"][0]), hours(figures["before"][0])],
            ["90th percentile working hours", hours(figures["now"][1]), hours(figures["before"][1])],
        ],
    )
    summary = [
        f"{t['now']} families were given a keyworker this period ({t['before']} the period before), "
        f"a median of {_days(days(figures['now'][0]))} after the referral arrived "
        f"(the period before, {_days(days(figures['before'][0]))}).",
        f"{waiting} cases are gathering information without a keyworker now.",
    ]
    return Measure("earlyhelp", EARLY_HELP_TITLE, period, filters, summary, [times, counts])


def _days(value: float | None) -> str:
    return "no figure" if value is None else f"{value:g} working days"


EARLY_HELP_TITLE = "Early help: referral to keyworker"

# PLACE FOR LATER MEASURES: each adds its function here and one entry in MEASURES.


MEASURES: dict[str, Callable[..., Measure]] = {
    "volumes": volumes,
    "timeliness": timeliness,
    "contributions": contributions,
    "decisions": decisions,
    "rereferrals": rereferrals,
    "earlyhelp": early_help,
}

MEASURE_TITLES = {
    "volumes": "Volumes",
    "timeliness": "Timeliness",
    "contributions": "Contributions by agency",
    "decisions": "Decisions",
    "rereferrals": "Re-referrals",
    "earlyhelp": EARLY_HELP_TITLE,
}

#: Measures that only a hub of a kind has, and the test of whether this hub is one.
ONLY_WHERE: dict[str, Callable[[], bool]] = {"earlyhelp": runs_early_help}


def measure_titles() -> dict[str, str]:
    """The measures this hub has (early help only where the hub runs it), in the dashboard's order."""
    return {
        slug: title for slug, title in MEASURE_TITLES.items() if slug not in ONLY_WHERE or ONLY_WHERE[slug]()
    }


def measure(slug: str, period: Period, filters: Filters, brief: bool = False) -> Measure:
    """The measure; `brief` reads only what its summary needs (the dashboard)."""
    return MEASURES[slug](period, filters, brief=brief)


RAG_CHOICES = RagRating.choices
