"""What the public tells the centre — problem reports and suggested services — and the
moderators' handling of it.

The public's actions take no user and store nothing about the sender: the forms ask only
about the service (see mapping.models.feedback).
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mapping import access
from mapping.models import FeedbackStatus, ProblemReport, Service, ServiceSuggestion

Feedback = ProblemReport | ServiceSuggestion


@transaction.atomic
def report_problem(*, service: Service, kind: str, message: str = "") -> ProblemReport:
    """Record "something is wrong with this listing" for the moderators."""
    report = ProblemReport(service=service, kind=kind, message=message.strip())
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def suggest_service(
    *,
    name: str,
    organization_name: str = "",
    description: str = "",
    address: str = "",
    url: str = "",
) -> ServiceSuggestion:
    """Record a service the public misses in the directory."""
    suggestion = ServiceSuggestion(
        name=name.strip(),
        organization_name=organization_name.strip(),
        description=description.strip(),
        address=address.strip(),
        url=url.strip(),
    )
    suggestion.full_clean()
    suggestion.save()
    return suggestion


@transaction.atomic
def handle_feedback(*, by: Any, item: Feedback, status: str) -> Feedback:
    """A moderator closes an open report or suggestion as dealt with or dismissed."""
    access.require(access.is_moderator(by), _("Only the centre's moderators handle feedback."))
    if status not in (FeedbackStatus.DONE, FeedbackStatus.DISMISSED):
        raise ValueError(_("Choose “dealt with” or “dismissed”."))
    # Locked and re-read: two moderators clicking at once must not both "handle" it.
    item = type(item).objects.select_for_update().get(pk=item.pk)
    if item.status != FeedbackStatus.OPEN:
        raise ValueError(_("Someone has already handled this."))
    item.status, item.handled_by, item.handled_at = status, by, timezone.now()
    item.save(update_fields=["status", "handled_by", "handled_at"])
    return item


__all__ = ["handle_feedback", "report_problem", "suggest_service"]
