"""The moderators' side of this area: the public's feedback queue and the stale dashboard."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from mapping import access
from mapping.actions import feedback, freshness
from mapping.conf import hartis_options
from mapping.models import (
    FeedbackStatus,
    Membership,
    MembershipStatus,
    Organization,
    ProblemReport,
    ServiceSuggestion,
)
from mapping.views.public_feedback.forms import FeedbackDecisionForm

TEMPLATES = "mapping/public_feedback/"


def _require_moderator(request: HttpRequest) -> None:
    access.require(
        access.is_moderator(request.user), _("This page is for the centre's moderators.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_queue(request: HttpRequest) -> HttpResponse:
    """Open problem reports and suggestions; a moderator marks each dealt with or dismissed."""
    _require_moderator(request)
    form, error = FeedbackDecisionForm(), ""
    if request.method == "POST":
        form = FeedbackDecisionForm(request.POST)
        if form.is_valid():
            try:
                feedback.handle_feedback(
                    by=request.user,
                    item=form.cleaned_data["record"],
                    status=form.cleaned_data["status"],
                )
            except ValueError as refused:
                error = str(refused)
            else:
                return redirect("feedback-queue")
        else:
            error = " ".join(message for messages in form.errors.values() for message in messages)
    context = {
        "reports": ProblemReport.objects.filter(status=FeedbackStatus.OPEN)
        .select_related("service__organization")
        .order_by("created_at"),
        "suggestions": ServiceSuggestion.objects.filter(status=FeedbackStatus.OPEN).order_by(
            "created_at"
        ),
        "statuses": [FeedbackStatus.DONE, FeedbackStatus.DISMISSED],
        "error": error,
    }
    return render(request, TEMPLATES + "queue.html", context, status=400 if error else 200)


def stale_by_organization(members_only: bool = False) -> QuerySet:
    """Organisations with stale published services: ``stale_services`` (oldest check first),
    ``stale_count``, ``last_reminded`` (latest reminder among them) and ``remindable``
    (someone would get the e-mail). Most stale first. Two queries."""
    stale = freshness.checkable_services().stale()
    of_this = stale.filter(organization_id=OuterRef("pk"))
    organizations = Organization.objects.filter(Exists(of_this))
    if members_only:
        organizations = organizations.filter(membership_status=MembershipStatus.APPROVED)
    return (
        organizations.annotate(
            stale_count=Subquery(
                of_this.order_by().values("organization_id").annotate(n=Count("pk")).values("n")
            ),
            last_reminded=Subquery(
                of_this.order_by(F("reminded_at").desc(nulls_last=True)).values("reminded_at")[:1]
            ),
            remindable=Exists(
                Membership.objects.filter(freshness.recipients_q(), organization_id=OuterRef("pk"))
            ),
        )
        .prefetch_related(
            Prefetch(
                "services",
                queryset=stale.order_by(F("assured_date").asc(nulls_first=True), "name"),
                to_attr="stale_services",
            )
        )
        .order_by("-stale_count", "name")
    )


@login_required
@require_safe
def stale_dashboard(request: HttpRequest) -> HttpResponse:
    """Stale published services grouped by organisation, with counts and last reminders."""
    _require_moderator(request)
    members_only = request.GET.get("members") == "1"
    organizations = list(stale_by_organization(members_only))
    context = {
        "organizations": organizations,
        "total": sum(organization.stale_count for organization in organizations),
        "members_only": members_only,
        "stale_after_days": hartis_options().stale_after_days,
    }
    return render(request, TEMPLATES + "stale.html", context)
