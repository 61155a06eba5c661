"""Activities (the centre's "actions"): events and courses members organise.

An activity happens once (``starts_at``…``ends_at``) or repeats by an iCalendar ``RRULE``
(RFC 5545, e.g. ``FREQ=WEEKLY;BYDAY=TU;COUNT=10``) from ``starts_at``; it takes place at a
``location`` or online (``online_url``). Times are aware datetimes, shown in Europe/Athens.

Rules are expanded in Europe/Athens wall time, so "Tuesdays 18:00" stays 18:00 across the
daylight-saving change. A rule must end (``COUNT`` or ``UNTIL``) within
:data:`MAX_RECURRENCE_SPAN` and :data:`MAX_OCCURRENCES` dates: the public list expands
occurrences in Python, and "upcoming" is one indexed filter on ``last_occurs_at``.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from mapping.models.base import HSDSObject, Provenance
from mapping.models.language import Language
from mapping.models.location import Location
from mapping.models.moderation import Moderated, published_q
from mapping.models.organization import Organization
from mapping.models.taxonomy import TaxonomyTerm

ATHENS_TZ = ZoneInfo("Europe/Athens")
MAX_RECURRENCE_SPAN = datetime.timedelta(days=731)  # two years of dates at most
MAX_OCCURRENCES = 500
# Sub-daily frequencies make no sense for an activity and are slow to expand.
ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def parse_recurrence(rule: str, starts_at: datetime.datetime) -> rrule:
    """The iCalendar ``RRULE`` value ``rule`` from ``starts_at``, expanded in Athens time.
    Raises ValidationError (on ``recurrence``) for a rule that does not parse, does not
    end, or repeats more than two years or :data:`MAX_OCCURRENCES` times."""
    text = rule.strip().upper().removeprefix("RRULE:")
    parts = dict(part.partition("=")[::2] for part in text.split(";") if part)
    if "\n" in text or parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise _invalid(
            _("The rule must say FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, e.g. %(example)s."),
            example="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
        )
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise _invalid(_("Say when the activity stops repeating: an end date or a number."))
    try:
        parsed = rrulestr(text, dtstart=starts_at.astimezone(ATHENS_TZ))
        dates = list(islice(parsed, MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError) as error:
        raise _invalid(_("This repeat rule is not valid: %(error)s"), error=error) from None
    if not dates:
        raise _invalid(_("This repeat rule gives no date: does it end before it starts?"))
    if len(dates) > MAX_OCCURRENCES or dates[-1] - dates[0] > MAX_RECURRENCE_SPAN:
        raise _invalid(
            _("An activity may repeat for two years and %(count)s times at most."),
            count=MAX_OCCURRENCES,
        )
    return parsed


def _invalid(message: str, **params: object) -> ValidationError:
    return ValidationError({"recurrence": ValidationError(message, params=params)})


def last_end(
    starts_at: datetime.datetime, ends_at: datetime.datetime | None, recurrence: str
) -> datetime.datetime:
    """When the last occurrence ends (its start when it has no end): ``last_occurs_at``."""
    duration = ends_at - starts_at if ends_at else datetime.timedelta(0)
    if not recurrence:
        return starts_at + duration
    *_, last = parse_recurrence(recurrence, starts_at)
    return last + duration


def upcoming_q(now: datetime.datetime) -> Q:
    """Some occurrence ends (or, without an end, starts) at ``now`` or later; a rule that
    repeats forever (``last_occurs_at`` NULL, not written by the members' forms) always is."""
    return Q(last_occurs_at__gte=now) | Q(last_occurs_at__isnull=True, recurrence__gt="")


def between_q(start: datetime.datetime, end: datetime.datetime) -> Q:
    """May occur during [start, end): starts before ``end`` and is still upcoming at
    ``start``. Exact for single dates; for a rule, :meth:`Activity.occurrences` decides."""
    return Q(starts_at__lt=end) & upcoming_q(start)


def in_theme_q(code: str) -> Q:
    """About the top-level theme ``code`` (``health``, ``housing``…)."""
    return Q(theme__code=code)


def in_district_q(number: int, city: str = "athens") -> Q:
    """Held at a place in municipal district ``number`` of ``city`` (the place's district
    comes from its point by the spatial join)."""
    return Q(location__district__number=number, location__district__municipality__slug=city)


def speaking_q(code: str) -> Q:
    """Held in the language with ISO 639 ``code`` (EXISTS: no duplicate rows)."""
    through = Activity.languages.through
    return Q(Exists(through.objects.filter(activity_id=OuterRef("pk"), language__code=code)))


class ActivityQuerySet(models.QuerySet):
    def published(self) -> "ActivityQuerySet":
        return self.filter(published_q())

    def upcoming(self, now: datetime.datetime) -> "ActivityQuerySet":
        return self.filter(upcoming_q(now))

    def between(self, start: datetime.datetime, end: datetime.datetime) -> "ActivityQuerySet":
        return self.filter(between_q(start, end))

    def in_theme(self, code: str) -> "ActivityQuerySet":
        return self.filter(in_theme_q(code))

    def in_district(self, number: int, city: str = "athens") -> "ActivityQuerySet":
        return self.filter(in_district_q(number, city))

    def speaking(self, code: str) -> "ActivityQuerySet":
        return self.filter(speaking_q(code))


class Activity(HSDSObject, Provenance, Moderated):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(pgettext_lazy("activity", "title"), max_length=300)
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

    objects = ActivityQuerySet.as_manager()
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

    def clean(self) -> None:
        if self.ends_at and self.starts_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("The activity cannot end before it starts.")})
        if self.location_id is None and not self.online_url:
            raise ValidationError(_("Give a place or an online link (or both)."))
        if self.recurrence and self.starts_at:
            parse_recurrence(self.recurrence, self.starts_at)

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at if self.ends_at else datetime.timedelta(0)

    def occurrences(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> list[tuple[datetime.datetime, datetime.datetime | None]]:
        """(start, end) of each occurrence under way or beginning in [start, end), in Athens
        time, earliest first (the end is None when the activity has no end time)."""
        duration = self.duration
        if not self.recurrence:
            starts = [self.starts_at.astimezone(ATHENS_TZ)]
        else:
            try:
                rule = parse_recurrence(self.recurrence, self.starts_at)
            except ValidationError:
                return []  # a broken rule (written outside the forms) shows no date
            starts = rule.between(start - duration, end, inc=True)
        return [
            (begins, begins + duration if self.ends_at else None)
            for begins in starts
            if begins + duration >= start and begins < end
        ]


Occurrence = tuple[datetime.datetime, datetime.datetime | None]


@dataclass(frozen=True)
class Scheduled:
    """An activity and its occurrences within a period (earliest first, never empty)."""

    activity: Activity
    dates: list[Occurrence]

    @property
    def next(self) -> Occurrence:
        return self.dates[0]

    @property
    def later(self) -> list[Occurrence]:
        return self.dates[1:]


def scheduled_between(
    activities: Iterable[Activity], start: datetime.datetime, end: datetime.datetime
) -> list[Scheduled]:
    """Those of ``activities`` with an occurrence in [start, end), by their first one there
    (filter the queryset with ``between(start, end)`` first: this expands rules in Python)."""
    found = []
    for activity in activities:
        dates = activity.occurrences(start, end)
        if dates:
            found.append(Scheduled(activity, dates))
    return sorted(found, key=lambda item: (item.next[0], item.activity.title))
