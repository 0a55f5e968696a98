"""Hub administrator pages: data sources, their column mapping, loads with progress and bad-row reports."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from openmash.accounts.permissions import Perm, can, require
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.sources import loading, services
from openmash.sources.forms import SETTING_FIELDS, LoadForm, MappingForm, SourceForm
from openmash.sources.models import DataSource, SourceLoad


@require(Perm.HUB_VIEW_CONFIGURATION)
def source_list(request: HttpRequest) -> HttpResponse:
    newest = SourceLoad.objects.filter(source=OuterRef("pk")).order_by("-created_at").values("pk")[:1]
    sources = list(
        DataSource.objects.select_related("agency", "current_load")
        .annotate(latest_load_id=Subquery(newest))
        .order_by("agency__name", "name")
    )
    # The newest load of each source (it may be waiting, running or failed), in one more query.
    latest = SourceLoad.objects.in_bulk([s.latest_load_id for s in sources if s.latest_load_id])
    rows = [(source, latest.get(source.latest_load_id)) for source in sources]
    return render(
        request,
        "sources/list.html",
        {"rows": rows, "may_manage": can(request.user, Perm.SOURCES_MANAGE)},
    )


def _source(source_id: str) -> DataSource:
    return get_object_or_404(DataSource.objects.select_related("agency", "current_load"), pk=source_id)


@require(Perm.SOURCES_MANAGE)
def source_create(request: HttpRequest) -> HttpResponse:
    form = SourceForm(
        request.POST or None, initial={"threshold": 0.3, "is_active": True, "encoding": "utf-8"}
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            source = services.source_create(
                actor=Actor.from_request(request),
                agency=form.cleaned_data["agency"],
                name=form.cleaned_data["name"],
                kind=kind,
                settings_values=form.settings_values(kind),
                threshold=form.cleaned_data["threshold"],
                refresh_hours=form.cleaned_data["refresh_hours"],
            )
        except services.SettingRefused as error:
            form.add_error(error.field, str(error))
        except DomainError as error:
            form.add_error("name", str(error))
        else:
            messages.success(
                request,
                f"{source.name} registered for {source.agency.name}. Check its columns, then load it.",
            )
            return redirect("sources:mapping", source_id=source.pk)
    return render(request, "sources/form.html", {"form": form, "source": None})


@require(Perm.SOURCES_MANAGE)
def source_edit(request: HttpRequest, source_id: str) -> HttpResponse:
    source = _source(source_id)
    initial: dict[str, Any] = {
        "version": source.version,
        "name": source.name,
        "kind": source.kind,
        "threshold": source.threshold,
        "is_active": source.is_active,
        "refresh_hours": source.refresh_hours,
        **source.settings,
    }
    form = SourceForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.source_update(
                actor=Actor.from_request(request),
                source=source,
                expected_version=form.cleaned_data["version"] or source.version,
                values={
                    "name": form.cleaned_data["name"],
                    "threshold": form.cleaned_data["threshold"],
                    "is_active": form.cleaned_data["is_active"],
                    "refresh_hours": form.cleaned_data["refresh_hours"],
                    "settings": {**source.settings, **form.settings_values(source.kind)},
                },
            )
        except services.SettingRefused as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{source.name} saved.")
            return redirect("sources:detail", source_id=source.pk)
    return render(request, "sources/form.html", {"form": form, "source": source})


@require(Perm.HUB_VIEW_CONFIGURATION)
def source_detail(request: HttpRequest, source_id: str) -> HttpResponse:
    source = _source(source_id)
    may_manage = can(request.user, Perm.SOURCES_MANAGE)
    load_form = LoadForm(kind=source.kind) if may_manage else None
    return _render_detail(request, source, may_manage=may_manage, load_form=load_form)


def _render_detail(
    request: HttpRequest,
    source: DataSource,
    *,
    may_manage: bool,
    load_form: LoadForm | None,
    status: int = 200,
) -> HttpResponse:
    loads = list(source.loads.select_related("requested_by")[:20])
    return render(
        request,
        "sources/detail.html",
        {
            "source": source,
            "loads": loads,
            "next_refresh": source.next_refresh_at(loads[0] if loads else None),
            "may_manage": may_manage,
            "load_form": load_form,
            "settings_shown": _settings_shown(source),
        },
        status=status,
    )


def _settings_shown(source: DataSource) -> list[tuple[str, str]]:
    labels = {name: SourceForm.base_fields[name].label or name for name in SETTING_FIELDS[source.kind]}
    shown = []
    for name, label in labels.items():
        value = source.settings.get(name)
        if value in (None, ""):
            continue
        text = str(value)
        if name in {"url", "token"} and not text.startswith("env:"):
            text = re.sub(r"://([^:/@]+):[^@]+@", r"://\1:***@", text) if name == "url" else "(set)"
        shown.append((str(label), text))
    return shown


@require(Perm.SOURCES_MANAGE)
def source_mapping(request: HttpRequest, source_id: str) -> HttpResponse:
    source = _source(source_id)
    try:
        columns = services.source_columns(source)
    except DomainError as error:
        return render(
            request, "sources/mapping.html", {"source": source, "read_error": str(error)}, status=200
        )
    form = MappingForm(
        request.POST or None,
        columns=columns,
        mapping=source.column_mapping,
        initial={"version": source.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.source_update(
                actor=Actor.from_request(request),
                source=source,
                expected_version=form.cleaned_data["version"],
                values={"column_mapping": form.mapping()},
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Columns of {source.name} saved.")
            return redirect("sources:detail", source_id=source.pk)
    return render(request, "sources/mapping.html", {"source": source, "form": form})


def _store_upload(source: DataSource, upload: UploadedFile) -> Path:
    directory = loading.uploads_root() / str(source.pk)
    directory.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(upload.name or "extract").name)[-100:]
    path = directory / f"{uuid.uuid4().hex[:8]}-{safe}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


class _SizeLimitedUpload(FileUploadHandler):
    """Refuses an upload over the limit before it is stored: when the request says it is larger
    than the limit, or as soon as more than the limit has arrived. The file is skipped (nothing of
    it is kept) and the view shows the form's error."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 - Django's name
        content_length: int,
        boundary: Any,
        encoding: Any = None,
    ) -> None:
        self.too_large = content_length > self.limit + 64 * 1024  # the form's other fields: a little more

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.too_large:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _refuse(self) -> None:
        self.too_large = True
        self.request.openmash_upload_refused = True  # type: ignore[union-attr]
        raise SkipFile


@require(Perm.SOURCES_MANAGE)
@csrf_exempt
def source_load(request: HttpRequest, source_id: str) -> HttpResponse:
    # The size check must see the upload before Django stores it, so it is installed before the
    # form (and the CSRF check, which reads the form) is parsed; CSRF is then checked as usual.
    request.upload_handlers.insert(0, _SizeLimitedUpload(request, loading.max_upload_bytes()))
    return _source_load(request, source_id)


@csrf_protect
def _source_load(request: HttpRequest, source_id: str) -> HttpResponse:
    source = _source(source_id)
    if request.method != "POST":
        return redirect("sources:detail", source_id=source.pk)
    form = LoadForm(
        request.POST,
        request.FILES,
        kind=source.kind,
        max_bytes=loading.max_upload_bytes(),
        refused=getattr(request, "openmash_upload_refused", False),
    )
    if not form.is_valid():
        return _render_detail(request, source, may_manage=True, load_form=form, status=400)
    uploads = {}
    for field, setting in (("identities_file", "identities"), ("events_file", "events")):
        upload = form.cleaned_data.get(field)
        if upload is not None:
            uploads[setting] = _store_upload(source, upload)
    try:
        load = services.load_request(actor=Actor.from_request(request), source=source, uploads=uploads)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("sources:detail", source_id=source.pk)
    return redirect("sources:load", source_id=source.pk, load_id=load.pk)


@require(Perm.HUB_VIEW_CONFIGURATION)
def load_detail(request: HttpRequest, source_id: str, load_id: str) -> HttpResponse:
    source = _source(source_id)
    load = get_object_or_404(SourceLoad, pk=load_id, source=source)
    return render(request, "sources/load.html", {"source": source, "load": load})


@require(Perm.HUB_VIEW_CONFIGURATION)
@require_GET
def load_progress(request: HttpRequest, source_id: str, load_id: str) -> HttpResponse:
    source = _source(source_id)
    load = get_object_or_404(SourceLoad, pk=load_id, source=source)
    response = render(request, "sources/_load_progress.html", {"source": source, "load": load})
    if load.is_finished:
        response["HX-Refresh"] = "true"
    return response
