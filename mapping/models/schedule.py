"""Weekly opening hours (HSDS ``schedule`` with ``freq=WEEKLY`` and one ``byday``)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mapping.models.base import HSDSObject
from mapping.models.location import ServiceAtLocation
from mapping.models.service import Service


class Weekday(models.IntegerChoices):
    """ISO 8601 weekday numbers; ``rrule_code`` gives the RFC 5545 BYDAY value."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")

    @property
    def rrule_code(self) -> str:
        return ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[self.value - 1]


class Schedule(HSDSObject):
    """One weekly opening interval in Europe/Athens local time, for a service everywhere or
    for a service at one location. ``closes_at`` earlier than ``opens_at`` means the interval
    runs past midnight (night shelters). ``valid_from``/``valid_to`` bound it in dates."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedules",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False, service_at_location__isnull=True)
                | Q(service__isnull=True, service_at_location__isnull=False),
                name="schedule_for_service_or_service_at_location",
            ),
            models.CheckConstraint(
                condition=~Q(opens_at=models.F("closes_at")), name="schedule_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="schedule_validity_ordered",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="schedule_weekday_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    @property
    def byday(self) -> str:
        """RFC 5545 BYDAY code (MO…SU), as HSDS ``schedule.byday`` expects."""
        return Weekday(self.weekday).rrule_code
