"""Activities (the centre's "actions"): events and courses members organise.

An activity happens once (``starts_at``…``ends_at``) or repeats by an iCalendar ``RRULE``
(RFC 5545, e.g. ``FREQ=WEEKLY;BYDAY=TU;COUNT=10``) from ``starts_at``; it takes place at a
``location`` or online (``online_url``). Times are aware datetimes, shown in Europe/Athens.
"""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mapping.models.base import HSDSObject, Provenance
from mapping.models.language import Language
from mapping.models.location import Location
from mapping.models.moderation import Moderated
from mapping.models.organization import Organization
from mapping.models.taxonomy import TaxonomyTerm


class Activity(HSDSObject, Provenance, Moderated):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("language of this text"), max_length=8, default="el", help_text=_("ISO 639 code.")
    )
    theme = models.ForeignKey(
        TaxonomyTerm,
        on_delete=models.PROTECT,
        related_name="activities",
        limit_choices_to={"taxonomy__slug": "hartis-themes", "parent__isnull": True},
        verbose_name=_("theme"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    recurrence = models.CharField(
        _("repeats"),
        max_length=300,
        blank=True,
        help_text=_("An iCalendar rule, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10. Empty: once."),
    )
    # The last moment any occurrence ends (= ends_at or starts_at for a single date; computed
    # from the rule otherwise; NULL when the rule repeats forever): "upcoming" is one filter.
    last_occurs_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="activities",
        null=True,
        blank=True,
        verbose_name=_("place"),
    )
    online_url = models.URLField(_("online at"), blank=True)
    languages = models.ManyToManyField(
        Language, related_name="activities", blank=True, verbose_name=_("languages")
    )
    audience = models.ManyToManyField(
        TaxonomyTerm,
        related_name="activities_for",
        blank=True,
        limit_choices_to={"taxonomy__slug": "hartis-target-groups"},
        verbose_name=_("audience"),
    )
    registration_url = models.URLField(_("registration link"), blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[languages, audience])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="activity_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title
