"""Members' activity pages: add an activity (a draft), edit it, submit it for review.

Every write goes through mapping.actions.publishing (row-level access, drafts vs pending
revisions of published activities, optimistic locking), with the activity editor of
mapping.actions.activity_edits.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mapping import access
from mapping.actions import publishing
from mapping.models import Activity, Organization, Publication, Revision
from mapping.views.activities.forms import ActivityForm


@login_required
def activity_create(request: HttpRequest, organization: uuid.UUID) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=organization)
    access.require(
        access.can_edit_for(request.user, organization),
        _("You may only add activities for organisations you are a member of."),
    )
    form = ActivityForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            activity = publishing.create_draft(
                model=Activity, by=request.user, organization=organization, changes=form.changes()
            )
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Saved as a draft. Submit it for review when it is ready."))
            return redirect("activity-edit", pk=activity.pk)
    context = {"form": form, "organization": organization, "activity": None}
    return render(
        request, "mapping/activities/form.html", context, status=400 if form.errors else 200
    )


@login_required
def activity_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    activity = get_object_or_404(
        Activity.objects.select_related("organization", "theme", "location"), pk=pk
    )
    access.require(access.can_edit(request.user, activity), _("You may not change this activity."))
    pending = None
    if activity.publication == Publication.PUBLISHED:
        pending = Revision.objects.of(activity).pending().first()
    conflict = None
    if request.method == "POST":
        form = ActivityForm(request.POST, organization=activity.organization)
        if form.is_valid():
            try:
                revision = _save(request, activity, form)
            except publishing.EditConflict as refused:
                conflict = refused
                form = _reloaded(request.POST, activity, pending, refused)
            except ValidationError as error:
                form.add_action_errors(error)
            else:
                if revision is None:
                    messages.success(request, _("Saved."))
                else:
                    messages.success(
                        request,
                        _(
                            "Saved. The published activity stays as it is until a moderator "
                            "approves your changes."
                        ),
                    )
                return redirect("activity-edit", pk=activity.pk)
    else:
        changes = pending.changes if pending else publishing.editor_for(activity).snapshot(activity)
        initial = ActivityForm.initial_from(
            changes, activity.version, pending.pk if pending else None
        )
        form = ActivityForm(initial=initial, organization=activity.organization)
    context = {
        "form": form,
        "organization": activity.organization,
        "activity": activity,
        "pending": pending,
        "conflict": conflict,
        "can_submit": activity.publication in (Publication.DRAFT, Publication.RETURNED),
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "mapping/activities/form.html", context, status=status)


def _save(request: HttpRequest, activity: Activity, form: ActivityForm) -> Revision | None:
    version = form.cleaned_data.get("version")
    if version is None:
        raise ValidationError(_("The form lost its version number: open the page again."))
    return publishing.edit(
        by=request.user,
        record=activity,
        changes=form.changes(),
        loaded_version=version,
        loaded_revision=form.cleaned_data.get("revision"),
    )


def _reloaded(
    data: QueryDict, activity: Activity, pending: Revision | None, conflict: Exception
) -> ActivityForm:
    """The member's input again, now based on the current version: saving it once more is a
    deliberate choice after reading what changed."""
    activity.refresh_from_db()
    pending = Revision.objects.of(activity).pending().first()
    data = data.copy()
    data["version"] = str(activity.version)
    data["revision"] = "" if pending is None else str(pending.pk)
    form = ActivityForm(data, organization=activity.organization)
    form.is_valid()
    return form


@require_POST
@login_required
def activity_submit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    access.require(access.can_edit(request.user, activity), _("You may not change this activity."))
    try:
        publishing.submit_for_review(by=request.user, record=activity)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Submitted: a moderator of the centre will review it."))
    return redirect("activity-edit", pk=activity.pk)
