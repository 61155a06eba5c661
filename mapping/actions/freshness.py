"""Keeping listings fresh: reminders to organisations whose published services are stale, and
the one-click "still correct" confirmation their e-mail carries.

A service is stale when it was not verified for HARTIS ``STALE_AFTER_DAYS`` days
(``ServiceQuerySet.stale``). Each organisation's editors and admins get one e-mail listing its
stale services, again every HARTIS ``REMIND_EVERY_DAYS`` days (default 14) while any stays
stale; ``Service.reminded_at`` says when. Each service in it has a signed link: the signature
binds the service, its ``version`` and ``assured_date`` and the recipient, so a link stops
working once the record changed or was confirmed, and it expires after ``LINK_MAX_AGE``.
Confirming changes only the verification date, so it needs no moderation and no log-in (the
signature is the authority); it is recorded in the record's history with its reason.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mapping.conf import hartis_options
from mapping.models import (
    Membership,
    Organization,
    Publication,
    Service,
    ServiceStatus,
    published_q,
)
from mapping.models.queries import ATHENS_TZ, ServiceQuerySet

SALT = "hartis.freshness"
LINK_MAX_AGE = datetime.timedelta(days=30)
CONFIRM_REASON = "verification confirmed from the reminder's link"


INVALID_LINK = gettext_lazy("This link is not valid. Copy the whole link from the e-mail.")


class BadConfirmation(Exception):
    """A confirm link that cannot be used; ``str()`` tells the person who clicked why."""


def remind_every_days() -> int:
    """Days between two reminders to the same organisation (HARTIS ``REMIND_EVERY_DAYS``)."""
    return hartis_options().remind_every_days


def checkable_services() -> ServiceQuerySet:
    """Published services whose organisation is asked to keep them verified (a defunct
    service has nothing left to verify)."""
    return Service.objects.filter(published_q()).exclude(status=ServiceStatus.DEFUNCT)


def _reminder_due_q(now: datetime.datetime) -> Q:
    return Q(reminded_at__isnull=True) | Q(
        reminded_at__lte=now - datetime.timedelta(days=remind_every_days())
    )


def recipients_q() -> Q:
    """People who receive an organisation's reminders: its editors and admins with an
    active account and an address."""
    return Q(user__is_active=True) & ~Q(user__email="")


# Signed links ---------------------------------------------------------------------------


def _state(service: Service) -> dict[str, object]:
    assured = service.assured_date.isoformat() if service.assured_date else None
    return {"s": str(service.pk), "v": service.version, "a": assured}


def confirm_token(service: Service, email: str) -> str:
    """The signed token of ``email``'s "still correct" link for ``service`` as it is now."""
    return signing.dumps({**_state(service), "e": email}, salt=SALT)


def check_confirm_token(service: Service, token: str) -> str:
    """The address the link was sent to, if ``token`` may confirm ``service`` now; else
    BadConfirmation saying why."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise BadConfirmation(
            _("This link has expired. The next reminder will bring a new one.")
        ) from None
    except signing.BadSignature:
        raise BadConfirmation(INVALID_LINK) from None
    if not isinstance(payload, dict) or payload.get("s") != str(service.pk):
        raise BadConfirmation(INVALID_LINK)
    still_as_sent = all(payload.get(key) == value for key, value in _state(service).items())
    if service.publication != Publication.PUBLISHED or not still_as_sent:
        raise BadConfirmation(
            _(
                "This listing has changed or was confirmed since the e-mail was sent, so the "
                "link no longer works. Nothing more to do here."
            )
        )
    return str(payload.get("e", ""))


@transaction.atomic
def confirm_still_correct(
    *, service: Service, token: str, today: datetime.date | None = None
) -> Service:
    """Mark ``service`` verified today by the holder of a valid reminder link (raises
    BadConfirmation). Not moderated: only the verification date and who vouched change."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    email = check_confirm_token(service, token)
    service.assured_date = today or timezone.now().astimezone(ATHENS_TZ).date()
    service.assurer_email = email
    # No version bump: an editor with the record open must not get a conflict over a date.
    service._history_user = None
    service._change_reason = CONFIRM_REASON
    service.save(update_fields=["assured_date", "assurer_email", "last_modified"])
    return service


# Reminders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """One organisation's reminder: who was (or would be) written to, about which services."""

    organization: Organization
    recipients: list[str]
    services: list[Service]


def organizations_due(now: datetime.datetime | None = None) -> QuerySet[Organization]:
    """Organisations with a stale published service whose reminder is due, and someone to
    remind (an organisation without members is left to the moderators' stale dashboard)."""
    now = now or timezone.now()
    due = checkable_services().stale(now.astimezone(ATHENS_TZ).date()).filter(_reminder_due_q(now))
    people = Membership.objects.filter(recipients_q(), organization_id=OuterRef("pk"))
    return Organization.objects.filter(
        Exists(due.filter(organization_id=OuterRef("pk"))), Exists(people)
    ).order_by("name")


def send_freshness_reminders(
    *, base_url: str, now: datetime.datetime | None = None, dry_run: bool = False
) -> list[Reminder]:
    """E-mail every organisation due a reminder (see the module docstring); idempotent: a
    second run finds nothing due until REMIND_EVERY_DAYS have passed. ``base_url`` (e.g.
    ``https://hartis.example.org``) makes the links absolute. Each organisation is one
    transaction; its e-mails leave once it commits."""
    now = now or timezone.now()
    reminders = []
    for organization in organizations_due(now):
        reminder = _remind(organization, now=now, base_url=base_url, dry_run=dry_run)
        if reminder is not None:
            reminders.append(reminder)
    return reminders


@transaction.atomic
def _remind(
    organization: Organization, *, now: datetime.datetime, base_url: str, dry_run: bool
) -> Reminder | None:
    today = now.astimezone(ATHENS_TZ).date()
    # Locked, then checked again: a run started at the same time waits here and, once this one
    # has committed, finds the reminder no longer due (so nobody gets it twice).
    services = list(
        checkable_services()
        .stale(today)
        .filter(organization=organization)
        .select_for_update(of=("self",))
        .order_by("name", "pk")
    )
    cutoff = now - datetime.timedelta(days=remind_every_days())
    if not any(s.reminded_at is None or s.reminded_at <= cutoff for s in services):
        return None
    recipients = sorted(
        set(
            Membership.objects.filter(recipients_q(), organization=organization).values_list(
                "user__email", flat=True
            )
        )
    )
    reminder = Reminder(organization, recipients, services)
    if dry_run or not recipients:
        return reminder
    # update(): a reminder is not a change of the record (no history row, no version).
    Service.objects.filter(pk__in=[s.pk for s in services]).update(reminded_at=now)
    messages = [_message(reminder, email, base_url.rstrip("/")) for email in recipients]
    transaction.on_commit(lambda: get_connection().send_messages(messages))
    return reminder


def _absolute(base_url: str, name: str, **kwargs: object) -> str:
    try:
        return base_url + reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # another area's page that is not there yet
        return ""


def _message(reminder: Reminder, email: str, base_url: str) -> EmailMessage:
    """One recipient's e-mail, in the site's language (links carry it too). Each person gets
    their own links, so the record says who confirmed."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "organization": reminder.organization,
            "stale_after_days": hartis_options().stale_after_days,
            "services": [
                {
                    "service": service,
                    "page": _absolute(base_url, "service-page", pk=service.pk),
                    "confirm": _absolute(
                        base_url,
                        "service-confirm",
                        pk=service.pk,
                        token=confirm_token(service, email),
                    ),
                    "edit": _absolute(base_url, "service-edit", pk=service.pk),
                }
                for service in reminder.services
            ],
            "link_days": LINK_MAX_AGE.days,
        }
        subject = render_to_string("mapping/public_feedback/email/reminder_subject.txt", context)
        body = render_to_string("mapping/public_feedback/email/reminder_body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[email])


__all__ = [
    "BadConfirmation",
    "Reminder",
    "check_confirm_token",
    "confirm_still_correct",
    "confirm_token",
    "organizations_due",
    "recipients_q",
    "send_freshness_reminders",
]
