"""The support board: members' open calls (needs and offers) and the answers to them."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from geodata.models import District
from mapping.models.organization import Organization
from mapping.models.taxonomy import TaxonomyTerm


class CallKind(models.TextChoices):
    NEED = "need", _("Need")
    OFFER = "offer", _("Offer")


class CallCategory(models.TextChoices):
    VOLUNTEERS = "volunteers", _("Volunteers")
    INTERPRETERS = "interpreters", _("Interpreters")
    SPACE = "space", _("Space")
    GOODS = "goods", _("Goods")
    EXPERTISE = "expertise", _("Expertise")
    OTHER = "other", _("Other")


def on_board_q(today: datetime.date) -> Q:
    """The call is on the board on ``today`` (an Athens calendar date): not closed, and
    ``expires_on`` is today or later."""
    return Q(closed_at__isnull=True, expires_on__gte=today)


class OpenCallQuerySet(models.QuerySet):
    def on_board(self, today: datetime.date) -> "OpenCallQuerySet":
        return self.filter(on_board_q(today))

    def matching(
        self,
        *,
        kind: str | None = None,
        category: str | None = None,
        theme: TaxonomyTerm | None = None,
        district: District | None = None,
    ) -> "OpenCallQuerySet":
        """The board's filters; an empty value leaves that filter off."""
        rules = Q()
        if kind:
            rules &= Q(kind=kind)
        if category:
            rules &= Q(category=category)
        if theme is not None:
            rules &= Q(theme=theme)
        if district is not None:
            rules &= Q(district=district)
        return self.filter(rules)


class OpenCall(models.Model):
    """A member's need or offer, on the board until ``expires_on`` (inclusive, Athens date)
    or until it is closed."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="open_calls"
    )
    kind = models.CharField(_("need or offer"), max_length=10, choices=CallKind.choices)
    category = models.CharField(_("what"), max_length=20, choices=CallCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    theme = models.ForeignKey(
        TaxonomyTerm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="open_calls",
        limit_choices_to={"taxonomy__slug": "hartis-themes", "parent__isnull": True},
        verbose_name=_("theme"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="open_calls",
        verbose_name=_("district"),
    )
    expires_on = models.DateField(_("open until"))
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    history = HistoricalRecords()

    objects = OpenCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("open call")
        verbose_name_plural = _("open calls")
        ordering = ["expires_on", "-created_at"]

    def __str__(self) -> str:
        return self.title


class CallResponseQuerySet(models.QuerySet):
    def seen_by(self, editable_by: Callable[[str], Q]) -> "CallResponseQuerySet":
        """Responses the reader may see: those their organisations sent and those to their
        organisations' calls (a response is between two organisations, not for the board).
        ``editable_by(field)`` is the reader's rule "the organisation in ``field`` is one of
        mine", i.e. ``mapping.access.editable_by_q(user, organization_field=field)``."""
        return self.filter(editable_by("organization_id") | editable_by("call__organization_id"))


class CallResponse(models.Model):
    """A member organisation's answer to an open call, sent to the poster's organisation."""

    call = models.ForeignKey(OpenCall, on_delete=models.CASCADE, related_name="responses")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="call_responses"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CallResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.organization} → {self.call}"
