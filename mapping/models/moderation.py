"""Moderated publishing: where a member's record stands, and its pending revisions.

A service or activity a member creates starts as a *draft*; the organisation submits it for
review; a centre moderator publishes it or returns it with a comment. Public reads show only
*published* records (``published_q``). Once published, a member's edit does not change the
live record: it is kept as a pending :class:`Revision` until a moderator approves it.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Publication(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Waiting for review")
    RETURNED = "returned", _("Returned for changes")
    PUBLISHED = "published", _("Published")


def published_q(prefix: str = "") -> Q:
    """The record (or, with ``prefix`` like ``"service__"``, a related one) is public."""
    return Q(**{f"{prefix}publication": Publication.PUBLISHED})


class Moderated(models.Model):
    """Publication state and the version used for optimistic locking.

    ``version`` grows by one on every saved change; an edit form carries the version it was
    loaded with, and a save from an older version is refused (no silent lost update).
    Imported and admin-made records are published (the database default), so every entry
    point that writes SQL directly (imports, benchmarks) keeps them visible."""

    publication = models.CharField(
        _("publication"),
        max_length=10,
        choices=Publication.choices,
        default=Publication.PUBLISHED,
        db_default=Publication.PUBLISHED,
        db_index=True,
    )
    moderation_comment = models.TextField(
        _("moderator's comment"), blank=True, help_text=_("Why the record was returned.")
    )
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    class Meta:
        abstract = True


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")  # replaced by a newer revision of the same record


class RevisionQuerySet(models.QuerySet):
    def pending(self) -> "RevisionQuerySet":
        return self.filter(status=RevisionStatus.PENDING)

    def of(self, record: models.Model) -> "RevisionQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk)
        )


class Revision(models.Model):
    """A proposed change to a published record: ``changes`` holds the edited values in the
    form the record's edit action reads (see mapping.actions.publishing), made against
    ``base_version`` of the record."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    changes = models.JSONField()
    base_version = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    comment = models.TextField(_("moderator's comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id", "status"])]
        constraints = [
            # At most one pending revision per record: a newer edit replaces it.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status="pending"),
                name="revision_one_pending_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id} ({self.get_status_display()})"
