"""Fields every HSDS object shares."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class HSDSObject(models.Model):
    """An Open Referral HSDS 3.0 object: a stable UUID ``id`` and modification times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(_("last modified"), auto_now=True)

    class Meta:
        abstract = True


class Provenance(models.Model):
    """Where a record came from and under which licence; demo records say so."""

    source = models.CharField(
        _("source of the record"),
        max_length=300,
        blank=True,
        help_text=_("Who published this information, e.g. “OpenStreetMap” or an organisation."),
    )
    source_url = models.URLField(_("source URL"), blank=True)
    source_record_id = models.CharField(
        _("identifier at the source"), max_length=200, blank=True, db_index=True
    )
    source_licence = models.CharField(_("licence of the record"), max_length=200, blank=True)
    is_demo = models.BooleanField(
        _("demo record"),
        default=False,
        db_index=True,
        help_text=_("Invented for demonstration; shown with a “demo” badge everywhere."),
    )

    class Meta:
        abstract = True
