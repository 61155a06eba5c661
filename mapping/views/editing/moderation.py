"""The moderators' pages: the review queue, the review of one record, and a record's history.

Every decision is one action of :mod:`mapping.actions.publishing`; these views parse the
form, call it, and show its refusals (``ValueError``, ``EditConflict``) as form errors. A
record is named by its *kind* (``service``, ``activity``: the moderated models) and id.
"""

import datetime
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from mapping import access
from mapping.actions import publishing
from mapping.models import Activity, Language, Publication, Revision, Service, TaxonomyTerm

# The moderated models, by the name the URLs use.
KINDS: dict[str, type[models.Model]] = {"service": Service, "activity": Activity}
KIND_OF_MODEL = {model: kind for kind, model in KINDS.items()}

# How many records of each kind, and pending changes, the queue lists (oldest first); the
# counts above the lists are always whole.
QUEUE_LENGTH = 50
CHANGES_LENGTH = 20  # each is compared with its live record: a few queries apiece
HISTORY_PAGE = 20

# Bookkeeping columns: they change on every save and say nothing a reader needs.
HISTORY_HIDDEN = ["version", "last_modified", "created_at"]

# Labels of the parts of a changes dict that are not columns of the record.
PART_LABELS = {
    "categories": _("themes and subcategories"),
    "target_groups": _("target groups"),
    "languages": _("languages"),
    "audience": _("audience"),
    "place": _("place"),
    "hours": _("opening hours"),
    "catchment": _("area served"),
    "translations": _("translations"),
}

# Parts of a changes dict that hold codes, and where their names are.
CODED_PARTS = {
    "categories": TaxonomyTerm,
    "target_groups": TaxonomyTerm,
    "audience": TaxonomyTerm,
    "languages": Language,
}

# The reasons publishing.py writes into history rows, as readers see them.
REASONS = {
    "created": _("created"),
    "edited": _("edited"),
    "submitted for review": _("submitted for review"),
    "published": _("published"),
    "returned for changes": _("returned for changes"),
}

WEEKDAYS = {
    1: _("Mon"),
    2: _("Tue"),
    3: _("Wed"),
    4: _("Thu"),
    5: _("Fri"),
    6: _("Sat"),
    7: _("Sun"),
}


# ------------------------------------------------------------------------------------------
# Reading records and their changes


@dataclass(frozen=True)
class Difference:
    """One part of a record, as it is (``then``) and as proposed or saved (``now``)."""

    label: str
    then: str
    now: str


@dataclass
class QueueItem:
    kind: str
    record: models.Model
    revision: Revision | None = None
    differences: list[Difference] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(self.record._meta.verbose_name)


@dataclass
class HistoryEntry:
    row: Any  # a simple-history row
    reason: str
    differences: list[Difference]
    is_current: bool = False  # the newest row: the record as it is now


def _model(kind: str) -> type[models.Model]:
    try:
        return KINDS[kind]
    except KeyError:
        raise Http404("No such kind of record.") from None


def _plain(value: Any) -> Any:
    """``value`` as JSON would carry it, so a live snapshot compares with a stored change."""
    return json.loads(json.dumps(value, default=str))


def _show(part: str, value: Any) -> str:
    """A changes-dict value for a reader (lists joined, hours as days and times)."""
    if value in (None, "", [], {}):
        return "—"
    if part == "hours":
        return "; ".join(
            f"{WEEKDAYS.get(day, day)} {opens}–{closes}" for day, opens, closes in value
        )
    if part == "catchment":
        return gettext("an area drawn on the map")
    if part == "translations":
        return ", ".join(sorted(value))
    if isinstance(value, dict):
        shown = {key: item for key, item in value.items() if item not in (None, "")}
        return "; ".join(f"{key}: {_show(key, item)}" for key, item in shown.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def _named(part: str, value: Any) -> Any:
    """Codes of languages and terms in a changes dict as the names people read."""
    if part not in CODED_PARTS or not isinstance(value, list):
        return value
    model = CODED_PARTS[part]
    names = dict(model.objects.filter(code__in=value).values_list("code", "name"))
    return sorted(names.get(code, code) for code in value)


def _label(model: type[models.Model], name: str) -> str:
    """A column's verbose name; a part of a changes dict (``place``, ``translations``…,
    some of them reverse relations without one) by its own label."""
    try:
        label = getattr(model._meta.get_field(name), "verbose_name", None)
    except FieldDoesNotExist:
        label = None
    return str(label or PART_LABELS.get(name, name))


def current_values(record: models.Model) -> dict[str, Any]:
    """The record as its editor's changes dict (what a pending change is compared with)."""
    try:
        return publishing.editor_for(record).snapshot(record)
    except KeyError:  # a moderated model without an editor: its columns only
        names = [f.name for f in record._meta.concrete_fields]
        return {"fields": {name: getattr(record, name) for name in names}}


def differences(record: models.Model, changes: dict[str, Any]) -> list[Difference]:
    """Field by field, what ``changes`` would change in the live ``record``."""
    live, model, found = _plain(current_values(record)), type(record), []
    for name, value in _plain(changes.get("fields", {})).items():
        then = live.get("fields", {}).get(name)
        if then != value:
            found.append(Difference(_label(model, name), _show(name, then), _show(name, value)))
    for part, value in _plain(changes).items():
        if part == "fields":
            continue
        then = live.get(part)
        if isinstance(then, list) and isinstance(value, list):
            same = sorted(map(str, then)) == sorted(map(str, value))
        else:
            same = then == value
        if not same:
            then, value = _named(part, then), _named(part, value)
            found.append(Difference(_label(model, part), _show(part, then), _show(part, value)))
    return found


def summary(record: models.Model) -> list[Difference]:
    """The record's current values as rows (``then`` empty), for the review page."""
    values, model = current_values(record), type(record)
    rows = [
        Difference(_label(model, name), "", _show(name, value))
        for name, value in _plain(values.get("fields", {})).items()
    ]
    rows += [
        Difference(_label(model, part), "", _show(part, _named(part, value)))
        for part, value in _plain(values).items()
        if part != "fields"
    ]
    return [row for row in rows if row.now != "—"]


def _history_value(model: type[models.Model], name: str, value: Any) -> str:
    model_field = model._meta.get_field(name)
    if model_field.many_to_many:
        target = model_field.m2m_reverse_field_name()
        return _show(name, sorted(str(row[target]) for row in value or []))
    if model_field.choices:
        return _show(name, dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return _show(name, value)


def history_entries(record: models.Model, rows: list[Any], older: Any) -> list[HistoryEntry]:
    """``rows`` (newest first) each with what it changed against the row before it
    (``older`` is the row before the last of ``rows``, or None), many-to-many included."""
    model, entries = type(record), []
    for index, row in enumerate(rows):
        before = rows[index + 1] if index + 1 < len(rows) else older
        found = []
        if before is not None:
            delta = row.diff_against(
                before, excluded_fields=HISTORY_HIDDEN, foreign_keys_are_objs=True
            )
            found = [
                Difference(
                    _label(model, change.field),
                    _history_value(model, change.field, change.old),
                    _history_value(model, change.field, change.new),
                )
                for change in delta.changes
            ]
        reason = row.history_change_reason or ""
        entries.append(HistoryEntry(row, str(REASONS.get(reason, reason)), found))
    return entries


# ------------------------------------------------------------------------------------------
# Forms


class Decision(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    RETURN = "return", _("Return for changes")
    APPROVE = "approve", _("Approve the change")
    RETURN_REVISION = "return_revision", _("Return the change")


COMMENT_REQUIRED = {Decision.RETURN, Decision.RETURN_REVISION}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment for the organisation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you return a record or a change: say what should change."),
    )
    # What the moderator read: a decision on anything newer is refused, not applied blind.
    version = forms.IntegerField(widget=forms.HiddenInput)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") in COMMENT_REQUIRED and not data.get("comment", "").strip():
            self.add_error("comment", _("Say what should change: the comment is required."))
        return data


class RestoreForm(forms.Form):
    history_id = forms.IntegerField(widget=forms.HiddenInput)


# ------------------------------------------------------------------------------------------
# Views


def _require_moderator(request: HttpRequest) -> None:
    access.require(
        access.is_moderator(request.user), gettext("Only the centre's moderators review records.")
    )


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """Records waiting for review and pending changes of published ones, oldest first."""
    _require_moderator(request)
    waiting, counts = [], {}
    for kind, model in KINDS.items():
        rows = model.objects.filter(publication=Publication.IN_REVIEW)
        counts[kind] = rows.count()
        rows = rows.select_related("organization").order_by("last_modified")[:QUEUE_LENGTH]
        waiting += [QueueItem(kind, record) for record in rows]
    pending = Revision.objects.pending().select_related("author", "content_type")
    counts["revisions"] = pending.count()
    changes = []
    for revision in pending.order_by("created_at").prefetch_related("record")[:CHANGES_LENGTH]:
        record = revision.record
        if record is None or type(record) not in KIND_OF_MODEL:
            continue
        kind = KIND_OF_MODEL[type(record)]
        changes.append(QueueItem(kind, record, revision, differences(record, revision.changes)))
    context = {"waiting": waiting, "changes": changes, "counts": counts, "kinds": KINDS}
    return render(request, "mapping/moderation/queue.html", context)


def _decide(by: Any, record: models.Model, pending: Revision | None, data: dict) -> str:
    """Run the decision's action; return the message for the moderator."""
    decision, comment = data["decision"], data["comment"]
    if decision in (Decision.PUBLISH, Decision.RETURN):
        if data["version"] != record.version:
            raise ValueError(
                gettext("The record changed after you opened it: read it again and decide.")
            )
        if decision == Decision.PUBLISH:
            publishing.publish(by=by, record=record)
            return gettext("Published: “%(record)s” is now public.") % {"record": record}
        publishing.return_for_changes(by=by, record=record, comment=comment)
        return gettext("Returned “%(record)s” to its organisation.") % {"record": record}
    if pending is None or pending.pk != data["revision"]:
        raise ValueError(
            gettext("This change was decided or replaced meanwhile: read the current one.")
        )
    if decision == Decision.APPROVE:
        try:
            publishing.approve_revision(by=by, revision=pending)
        except publishing.EditConflict:
            raise ValueError(
                gettext(
                    "The record changed after this change was proposed: return the change so "
                    "its author edits the current version."
                )
            ) from None
        return gettext("Approved: the change to “%(record)s” is public.") % {"record": record}
    publishing.return_revision(by=by, revision=pending, comment=comment)
    return gettext("Returned the change to “%(record)s” to its organisation.") % {"record": record}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review(request: HttpRequest, kind: str, pk: uuid.UUID) -> HttpResponse:
    """One record: its values or its pending change, and the moderator's decision."""
    _require_moderator(request)
    model = _model(kind)
    record = get_object_or_404(model.objects.select_related("organization"), pk=pk)
    pending = Revision.objects.of(record).pending().select_related("author").first()
    initial = {"version": record.version, "revision": pending.pk if pending else None}
    form = DecisionForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            message = _decide(request.user, record, pending, form.cleaned_data)
        except (ValueError, publishing.EditConflict) as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, message)
            return redirect("moderation-queue")
    context = {
        "kind": kind,
        "record": record,
        "form": form,
        "pending": pending,
        "differences": differences(record, pending.changes) if pending else [],
        "values": summary(record),
        "in_review": record.publication == Publication.IN_REVIEW,
        "preview_url": reverse("service-page", args=[record.pk]) if kind == "service" else "",
    }
    status = 400 if form.is_bound else 200
    return render(request, "mapping/moderation/review.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def history(request: HttpRequest, kind: str, pk: uuid.UUID) -> HttpResponse:
    """Every saved version of a record, for its organisation and the moderators; the
    moderators may put an earlier version back (POST ``history_id``)."""
    model = _model(kind)
    record = get_object_or_404(model.objects.select_related("organization"), pk=pk)
    access.require(
        access.can_edit(request.user, record), gettext("Not your organisation's record.")
    )
    is_moderator = access.is_moderator(request.user)
    form = RestoreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        access.require(is_moderator, gettext("Only the centre's moderators restore versions."))
        if form.is_valid():
            try:
                publishing.restore(
                    by=request.user, record=record, history_id=form.cleaned_data["history_id"]
                )
            except record.history.model.DoesNotExist:
                form.add_error(None, gettext("That version is not one of this record's."))
            else:
                messages.success(request, gettext("The earlier version was restored."))
                return redirect("record-history", kind=kind, pk=record.pk)
    rows = record.history.select_related("history_user").order_by("-history_date", "-history_id")
    page = Paginator(rows, HISTORY_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    older = shown[-1].prev_record if shown else None
    entries = history_entries(record, shown, older)
    if entries and page.number == 1:
        entries[0].is_current = True
    context = {
        "kind": kind,
        "record": record,
        "entries": entries,
        "page": page,
        "can_restore": is_moderator,
        "form": form,
    }
    status = 400 if form.is_bound else 200
    return render(request, "mapping/moderation/history.html", context, status=status)


urlpatterns = [
    path("moderation/", queue, name="moderation-queue"),
    path("moderation/<str:kind>/<uuid:pk>/", review, name="moderation-review"),
    path("history/<str:kind>/<uuid:pk>/", history, name="record-history"),
]
