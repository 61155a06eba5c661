"""The members' pages that add and edit a service (not the admin): parse the form, call one
publishing action (create_draft, edit, submit_for_review), render. Who may do it is decided
by mapping.access; how the record changes, by mapping.actions.publishing."""

import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from geodata.models import Municipality
from mapping import access
from mapping.actions import publishing
from mapping.conf import hartis_options
from mapping.models import Organization, Publication, Revision, RevisionStatus, Service
from mapping.views.editing.forms import ServiceEditForms

EDITABLE_STATES = (Publication.DRAFT, Publication.RETURNED)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def service_create(request: HttpRequest, organization: uuid.UUID) -> HttpResponse:
    """A new service of ``organization``, saved as a draft."""
    organization = get_object_or_404(Organization, pk=organization)
    access.require(
        access.can_edit_for(request.user, organization),
        _("You may only add services for organisations you are a member of."),
    )
    forms = ServiceEditForms(request.POST if request.method == "POST" else None)
    if request.method == "POST" and forms.is_valid():
        try:
            service = publishing.create_draft(
                by=request.user, model=Service, organization=organization, changes=forms.changes()
            )
        except ValidationError as exc:
            forms.main.add_error(None, exc.messages)
        else:
            messages.success(request, _("Saved as draft."))
            return redirect("service-edit", pk=service.pk)
    return _render(request, forms, organization=organization)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def service_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Edit a service: drafts change at once, a published one gets a pending revision.

    The form carries the version (and pending revision) it was loaded from; a save from an
    older one is refused and the page shows what changed, keeping what the person typed."""
    service = get_object_or_404(Service.objects.select_related("organization"), pk=pk)
    access.require(access.can_edit(request.user, service), _("You may not change this service."))
    conflict = None
    if request.method != "POST":
        pending = _pending(service)
        forms = ServiceEditForms(
            initial=_starting_changes(service, pending),
            version=service.version,
            revision=pending.pk if pending else None,
        )
        return _render(request, forms, service=service, pending=pending)
    forms = ServiceEditForms(request.POST, version_required=True)
    if forms.is_valid():
        loaded = forms.main.cleaned_data
        try:
            revision = publishing.edit(
                by=request.user,
                record=service,
                changes=forms.changes(),
                loaded_version=loaded["version"],
                loaded_revision=loaded["revision"],
            )
        except publishing.EditConflict as exc:
            conflict = exc
            forms = ServiceEditForms(_rebased(request.POST, exc.record), version_required=True)
        except ValidationError as exc:
            forms.main.add_error(None, exc.messages)
        else:
            messages.success(request, _saved_message(service, revision))
            return redirect("service-edit", pk=service.pk)
    service.refresh_from_db()
    return _render(request, forms, service=service, pending=_pending(service), conflict=conflict)


@login_required
@require_POST
def service_submit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Send a draft (or a returned service) to the centre's moderators."""
    service = get_object_or_404(Service, pk=pk)
    access.require(access.can_edit(request.user, service), _("You may not change this service."))
    try:
        publishing.submit_for_review(by=request.user, record=service)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Submitted for review: a moderator will publish it or return it with comments."),
        )
    return redirect("service-edit", pk=service.pk)


def _pending(service: Service) -> Revision | None:
    if service.publication != Publication.PUBLISHED:
        return None
    return Revision.objects.of(service).pending().first()


def _starting_changes(service: Service, pending: Revision | None) -> publishing.Changes:
    """What the form shows: the record, with its pending revision's changes over it (the
    author goes on from what waits for review, not from the live version)."""
    changes = publishing.editor_for(service).snapshot(service)
    if pending is not None:
        changes.update(pending.changes)
    return changes


def _rebased(data: QueryDict, record: Service) -> QueryDict:
    """The refused input, now marked as made from the current version: saving it again
    (after reading what changed) is a deliberate overwrite, not a silent one."""
    data = data.copy()
    pending = _pending(record)
    data["version"] = str(record.version)
    data["revision"] = str(pending.pk) if pending else ""
    return data


def _saved_message(service: Service, revision: Revision | None) -> str:
    if revision is not None:
        return _("Your changes wait for a moderator; the live version stays until approved.")
    if service.publication in EDITABLE_STATES:
        return _("Saved as draft.")
    if service.publication == Publication.IN_REVIEW:
        return _("Saved. The service is still waiting for review.")
    return _("Saved: the published service shows your changes now.")


def _render(
    request: HttpRequest,
    forms: ServiceEditForms,
    *,
    organization: Organization | None = None,
    service: Service | None = None,
    pending: Revision | None = None,
    conflict: publishing.EditConflict | None = None,
) -> HttpResponse:
    returned = None
    if service is not None and service.publication == Publication.PUBLISHED and pending is None:
        latest = Revision.objects.of(service).first()
        returned = latest if latest and latest.status == RevisionStatus.RETURNED else None
    context = {
        "forms": forms,
        "organization": organization or service.organization,
        "service": service,
        "pending": pending,
        "returned_revision": returned,
        "conflict": conflict,
        "can_submit": service is not None and service.publication in EDITABLE_STATES,
        "map_config": _map_config(),
    }
    status = 409 if conflict else (400 if forms.has_errors else 200)
    return render(request, "mapping/editing/service_form.html", context, status=status)


def _map_config() -> dict[str, object]:
    """Base map and the city's outline (GeoJSON made in the database, 5 decimals ≈ 1 m)."""
    options = hartis_options()
    outline = (
        Municipality.objects.filter(slug=options.city_slug)
        .annotate(outline=AsGeoJSON("geom", precision=5))
        .values_list("outline", flat=True)
        .first()
    )
    return {
        "tiles": {"url": options.basemap_tile_url, "attribution": options.basemap_attribution},
        "center": list(settings.LEAFLET_CONFIG["DEFAULT_CENTER"]),  # (lat, lon)
        "zoom": 13,
        "city": json.loads(outline) if outline else None,
    }
