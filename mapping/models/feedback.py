"""What the public tells the moderators: problems with a listing, and missing services.
No account and no personal data: only what the form asks about the service."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mapping.models.service import Service


class FeedbackStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("feedback status", "Open")
    DONE = "done", _("Dealt with")
    DISMISSED = "dismissed", _("Dismissed")


class Feedback(models.Model):
    status = models.CharField(
        max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ProblemKind(models.TextChoices):
    CLOSED = "closed", _("It has closed or moved")
    HOURS = "hours", _("The opening hours are wrong")
    CONTACT = "contact", _("The phone, e-mail or address is wrong")
    LANGUAGE = "language", _("The languages are wrong")
    OTHER = "other", _("Something else")


class ProblemReport(Feedback):
    """ "Report a problem with this listing"."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="problem_reports")
    kind = models.CharField(_("what is wrong"), max_length=10, choices=ProblemKind.choices)
    message = models.TextField(_("details"), max_length=2000, blank=True)

    class Meta(Feedback.Meta):
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")

    def __str__(self) -> str:
        return f"{self.service}: {self.get_kind_display()}"


class ServiceSuggestion(Feedback):
    """ "Suggest a missing service"."""

    name = models.CharField(_("name of the service"), max_length=300)
    organization_name = models.CharField(_("organisation"), max_length=300, blank=True)
    description = models.TextField(_("what it offers"), max_length=2000, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    url = models.URLField(_("web page"), blank=True)

    class Meta(Feedback.Meta):
        verbose_name = _("service suggestion")
        verbose_name_plural = _("service suggestions")

    def __str__(self) -> str:
        return self.name
