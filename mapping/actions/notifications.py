"""E-mails of moderated publishing: who hears about a review, and what they are told.

:mod:`mapping.actions.publishing` sends ``review_requested`` and ``review_decided`` once its
transaction has committed; the receivers here turn them into e-mails:

- a record (or a pending change of it) waits for review → the centre's moderators, with a
  link to its review page;
- a moderator decided → the people of the record's organisation (editors and admins), with
  the decision and the moderator's comment.

The record is committed when they run, so a failing mail server cannot undo a decision; it
is logged instead of turning the member's or moderator's click into an error page. Messages
are written in the site's language (``LANGUAGE_CODE``): the recipients' own is not known.
Links are absolute, from HARTIS['SITE_URL'] (mapping.conf).
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import models
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mapping.conf import hartis_options
from mapping.models import MODERATORS_GROUP, Membership
from mapping.signals import review_decided, review_requested

logger = logging.getLogger(__name__)

# The moderation pages name a record by kind; the e-mails link to them.
KIND_OF_MODEL = {"service": "service", "activity": "activity"}

DECISIONS = {
    "published": _("published"),
    "approved": _("approved (the change is now public)"),
    "returned": _("returned for changes"),
}

# Where an organisation's people change a record of each kind (the editing areas' pages).
EDIT_PAGES = {"service": "service-edit", "activity": "activity-edit"}


def _kind(record: models.Model) -> str:
    return KIND_OF_MODEL.get(record._meta.model_name, record._meta.model_name)


def _link(name: str, *args: object) -> str:
    """Absolute link to page ``name`` in the site's language ("" when it does not exist)."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return hartis_options().site_url + reverse(name, args=args)
        except NoReverseMatch:
            logger.warning("No page %r to link to in an e-mail", name)
            return ""


def _send(template: str, context: dict[str, Any], recipients: list[str]) -> int:
    """One message per recipient (they do not see each other's addresses), from
    ``mapping/moderation/email/<template>_{subject,body}.txt``."""
    recipients = sorted(set(recipients))
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"mapping/moderation/email/{template}_subject.txt", context)
        body = render_to_string(f"mapping/moderation/email/{template}_body.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:  # the decision is committed; a mail outage must not hide that
        logger.exception("Could not send %s e-mails to %s", template, recipients)
        return 0


def moderator_emails() -> list[str]:
    """Addresses of the active users in the centre moderators' group."""
    users = get_user_model().objects.filter(groups__name=MODERATORS_GROUP, is_active=True)
    return list(users.exclude(email="").values_list("email", flat=True))


def organization_emails(organization: Any) -> list[str]:
    """Addresses of the organisation's people (every role: editors and admins)."""
    people = Membership.objects.filter(organization=organization, user__is_active=True)
    return list(people.exclude(user__email="").values_list("user__email", flat=True))


@receiver(review_requested, dispatch_uid="hartis_tell_moderators")
def tell_moderators(sender: type, record: models.Model, **kwargs: object) -> None:
    """A record, or a change of a published one, waits for review."""
    kind = _kind(record)
    context = {
        "record": record,
        "kind": record._meta.verbose_name,
        "organization": getattr(record, "organization", None),
        "link": _link("moderation-review", kind, record.pk),
    }
    _send("review_requested", context, moderator_emails())


@receiver(review_decided, dispatch_uid="hartis_tell_organisation")
def tell_organization(
    sender: type, record: models.Model, decision: str, comment: str = "", **kwargs: object
) -> None:
    """A moderator published, approved or returned the organisation's record."""
    organization = getattr(record, "organization", None)
    if organization is None:
        return
    kind = _kind(record)
    link = _link(EDIT_PAGES[kind], record.pk) if kind in EDIT_PAGES else ""
    context = {
        "record": record,
        "kind": record._meta.verbose_name,
        "organization": organization,
        "decision": decision,
        "decision_label": DECISIONS.get(decision, decision),
        "comment": comment,
        "link": link or _link("record-history", kind, record.pk),
    }
    _send("review_decided", context, organization_emails(organization))
