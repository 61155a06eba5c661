"""Write actions of the support board: members post, edit and close open calls, and other
member organisations respond to them.

Calls are not moderated (members post for members, on the members-only board), but they are
versioned like moderated records: an edit carries the ``version`` it was loaded with and a
save from an older version is refused with publishing's :class:`EditConflict`.
"""

import datetime
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from geodata.models import District
from mapping import access
from mapping.actions import publishing
from mapping.actions.publishing import EditConflict, changes_since
from mapping.models import (
    CallResponse,
    OpenCall,
    Organization,
    TaxonomyTerm,
)
from mapping.models.board import on_board_q

# How far ahead a call may run: the board shows current needs, not standing adverts.
MAX_DAYS_OPEN = 180


@dataclass(frozen=True)
class CallFields:
    """What a member writes in an open call."""

    kind: str
    category: str
    title: str
    description: str
    expires_on: datetime.date
    theme: TaxonomyTerm | None = None
    district: District | None = None


def check_expiry(expires_on: datetime.date, today: datetime.date | None = None) -> None:
    """A call runs from today (Athens) to at most MAX_DAYS_OPEN days ahead."""
    today = today or timezone.localdate()
    if expires_on < today:
        raise ValidationError(
            {"expires_on": _("Choose today or a later date.")}, code="expires_in_past"
        )
    if expires_on > today + datetime.timedelta(days=MAX_DAYS_OPEN):
        raise ValidationError(
            {
                "expires_on": _("A call stays open at most %(days)s days: choose an earlier date.")
                % {"days": MAX_DAYS_OPEN}
            },
            code="expires_too_late",
        )


def member_organizations(user: Any) -> "Organization.objects":
    """The approved member organisations ``user`` belongs to (those it may post and respond
    for). Moderators act for the centre, not for an organisation: only their own
    memberships count here."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    return Organization.objects.members().filter(memberships__user=user).order_by("name")


def may_use_board(user: Any) -> bool:
    """The board is the members' space: people of an approved member organisation, and the
    centre's moderators."""
    return access.is_moderator(user) or member_organizations(user).exists()


@transaction.atomic
def post_call(*, by: Any, organization: Organization, fields: CallFields) -> OpenCall:
    """A new open call of ``organization``, on the board at once."""
    access.require_member_organization(by, organization)
    check_expiry(fields.expires_on)
    call = OpenCall(
        organization=organization,
        created_by=by if by.is_authenticated else None,
        **_clean(fields),
    )
    publishing.save_new_version(call, by, "posted", bump=False)
    return call


@transaction.atomic
def edit_call(*, by: Any, call: OpenCall, fields: CallFields, loaded_version: int) -> OpenCall:
    """Save an edit made from ``loaded_version``; EditConflict if someone saved since."""
    access.require(access.can_edit(by, call), _("You may not change this call."))
    call = OpenCall.objects.select_for_update().get(pk=call.pk)
    if loaded_version != call.version:
        raise EditConflict(call, loaded_version, changes_since(call, loaded_version))
    if call.closed_at is not None:
        raise ValidationError(_("This call is closed; post a new one instead."))
    if fields.expires_on != call.expires_on:  # an unchanged past date is not the editor's doing
        check_expiry(fields.expires_on)
    for name, value in _clean(fields).items():
        setattr(call, name, value)
    publishing.save_new_version(call, by, "edited")
    return call


@transaction.atomic
def close_call(*, by: Any, call: OpenCall) -> OpenCall:
    """Take a call off the board (found what it needed, or no longer offered)."""
    access.require(access.can_edit(by, call), _("You may not change this call."))
    call = OpenCall.objects.select_for_update().get(pk=call.pk)
    if call.closed_at is None:
        call.closed_at = timezone.now()
        publishing.save_new_version(call, by, "closed")
    return call


@transaction.atomic
def respond_to_call(
    *, by: Any, call: OpenCall, organization: Organization, message: str, call_url: str = ""
) -> CallResponse:
    """``organization`` answers ``call``; the poster organisation's people get an e-mail
    (after commit) they can reply to, reaching the responder. ``call_url`` is the absolute
    link to the call for that e-mail."""
    access.require_member_organization(by, organization)
    if organization.pk == call.organization_id:
        raise ValidationError(
            {"organization": _("This is your organisation's own call.")}, code="own_call"
        )
    if not message.strip():
        raise ValidationError({"message": _("Write a message.")}, code="required")
    if not OpenCall.objects.filter(on_board_q(timezone.localdate()), pk=call.pk).exists():
        raise ValidationError(_("This call is closed or has expired."), code="not_on_board")
    response = CallResponse.objects.create(
        call=call, organization=organization, author=by, message=message.strip()
    )
    transaction.on_commit(lambda: _send_response_mail(response, call_url))
    return response


def _send_response_mail(response: CallResponse, call_url: str) -> None:
    """One e-mail to the poster organisation's people, in the site's language (we do not
    know theirs), with Reply-To the responder so the conversation leaves the site."""
    call = response.call
    recipients = list(
        get_user_model()
        .objects.filter(memberships__organization=call.organization_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return
    context = {"response": response, "call": call, "call_url": call_url}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("mapping/community/email/call_response_subject.txt", context)
        body = render_to_string("mapping/community/email/call_response_body.txt", context)
    reply_to = [response.author.email] if response.author and response.author.email else []
    EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=recipients,
        reply_to=reply_to,
    ).send()


def _clean(fields: CallFields) -> dict[str, Any]:
    values = {field.name: getattr(fields, field.name) for field in dataclass_fields(fields)}
    values["title"] = values["title"].strip()
    values["description"] = values["description"].strip()
    return values
