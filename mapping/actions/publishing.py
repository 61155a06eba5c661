"""Write actions of moderated publishing, shared by the members' pages, the API and admin.

Every action takes the acting user as ``by``, checks the domain rules of
:mod:`mapping.access` (PermissionDenied otherwise), runs in one transaction, and sends its
e-mails on commit. A moderated model (Service, Activity) registers an :class:`Editor` that
knows how to write its *changes* — a JSON-ready dict, the same one a pending
:class:`~mapping.models.Revision` stores — so one flow serves them all:

    draft --submit--> in_review --publish--> published
                        \\--return--> returned --submit--> in_review
    published --edit--> pending revision --approve--> published (changes applied)
                                          \\--return--> (live record unchanged)

Edits carry the ``version`` the editor loaded; a save made from an older version is refused
with :class:`EditConflict`, which lists what changed meanwhile (optimistic locking).
"""

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from mapping import access
from mapping.models import Publication, Revision, RevisionStatus
from mapping.signals import review_decided, review_requested

Changes = dict[str, Any]


class Editor(Protocol):
    """How one moderated model reads and writes its changes dict."""

    def snapshot(self, record: models.Model) -> Changes:
        """The record's current values as changes (what an edit form starts from)."""

    def apply(self, record: models.Model, changes: Changes) -> None:
        """Write ``changes`` to ``record``: set and validate its own fields, save it (a new
        record gets its primary key here), then write its parts (many-to-many, places,
        hours). The caller saves once more to record the version and one history row."""


_EDITORS: dict[type[models.Model], Editor] = {}


def register_editor(model: type[models.Model], editor: Editor) -> None:
    _EDITORS[model] = editor


def editor_for(record: models.Model | type[models.Model]) -> Editor:
    model = record if isinstance(record, type) else type(record)
    return _EDITORS[model]


@dataclass(frozen=True)
class FieldChange:
    """One field changed by someone else since the editor loaded the record."""

    field: str
    label: str
    then: Any
    now: Any


@dataclass
class EditConflict(Exception):
    """Someone saved ``record`` after the editor loaded version ``loaded_version``."""

    record: models.Model
    loaded_version: int
    changes: list[FieldChange] = field(default_factory=list)

    def __str__(self) -> str:
        return _(
            "Someone else saved this record after you opened it (your version %(loaded)s, "
            "now %(current)s). Your changes were not saved; review what changed and edit again."
        ) % {"loaded": self.loaded_version, "current": self.record.version}


def changes_since(record: models.Model, version: int) -> list[FieldChange]:
    """Fields that differ between the history row of ``version`` and the current one."""
    history = record.history.order_by("-history_date", "-history_id")
    then, now = history.filter(version=version).first(), history.first()
    if then is None or now is None or then.pk == now.pk:
        return []
    delta = now.diff_against(then, excluded_fields=["version", "last_modified"])
    labels = {f.name: str(getattr(f, "verbose_name", f.name)) for f in type(record)._meta.fields}
    return [
        FieldChange(change.field, labels.get(change.field, change.field), change.old, change.new)
        for change in delta.changes
    ]


def _locked(record: models.Model) -> models.Model:
    """The record re-read with a row lock, so checks and the write see the same version."""
    return type(record).objects.select_for_update().get(pk=record.pk)


def _check_version(record: models.Model, loaded_version: int | None) -> None:
    if loaded_version is not None and loaded_version != record.version:
        raise EditConflict(record, loaded_version, changes_since(record, loaded_version))


def save_new_version(record: models.Model, by: Any, reason: str, *, bump: bool = True) -> None:
    """Save ``record`` as its next version (the first when ``bump`` is false): one history
    row with ``by`` and ``reason``."""
    if bump:
        record.version = (record.version or 0) + 1
    record._history_user = by if getattr(by, "is_authenticated", False) else None
    record._change_reason = reason
    record.save()


def _write(record: models.Model, changes: Changes, by: Any, reason: str) -> None:
    # Parts (many-to-many, places, hours) are written first without history rows of their
    # own; the final save records one history row holding the whole edit.
    is_new = record._state.adding
    record.skip_history_when_saving = True
    try:
        editor_for(record).apply(record, changes)
    finally:
        del record.skip_history_when_saving
    save_new_version(record, by, reason, bump=not is_new)


def _notify(signal: Signal, record: models.Model, **details: Any) -> None:
    """Send ``signal`` once the transaction commits (receivers e-mail the people concerned)."""
    sender = type(record)
    transaction.on_commit(lambda: signal.send(sender=sender, record=record, **details))


@transaction.atomic
def create_draft(
    *, by: Any, model: type[models.Model], organization: Any, changes: Changes
) -> models.Model:
    """A new record of ``model`` for ``organization`` as a draft (moderators' too)."""
    access.require(
        access.can_edit_for(by, organization),
        _("You may only add records for organisations you are a member of."),
    )
    record = model(organization=organization, publication=Publication.DRAFT)
    _write(record, changes, by, "created")
    return record


@transaction.atomic
def edit(
    *,
    by: Any,
    record: models.Model,
    changes: Changes,
    loaded_version: int,
    loaded_revision: int | None = None,
) -> Revision | None:
    """Save an edit. Drafts, returned and in-review records (and anything a moderator edits)
    change at once; a published record edited by a member keeps its live version and gets a
    pending revision (returned). ``loaded_revision`` is the pending revision the form showed,
    so a newer pending revision from someone else is not silently replaced."""
    access.require(access.can_edit(by, record), _("You may not change this record."))
    record = _locked(record)
    _check_version(record, loaded_version)
    if record.publication != Publication.PUBLISHED or access.is_moderator(by):
        _write(record, changes, by, "edited")
        return None
    revisions = Revision.objects.of(record).select_for_update()
    pending = revisions.pending().first()
    if pending is not None and pending.pk != loaded_revision:
        raise EditConflict(record, loaded_version, [])
    if pending is not None:
        pending.status = RevisionStatus.WITHDRAWN
        pending.save(update_fields=["status"])
    revision = Revision.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        changes=changes,
        base_version=record.version,
        author=by if by.is_authenticated else None,
    )
    _notify(review_requested, record)
    return revision


@transaction.atomic
def submit_for_review(*, by: Any, record: models.Model) -> models.Model:
    access.require(access.can_edit(by, record), _("You may not change this record."))
    record = _locked(record)
    if record.publication not in (Publication.DRAFT, Publication.RETURNED):
        raise ValueError(_("Only a draft or a returned record can be submitted for review."))
    record.publication = Publication.IN_REVIEW
    save_new_version(record, by, "submitted for review")
    _notify(review_requested, record)
    return record


@transaction.atomic
def publish(*, by: Any, record: models.Model) -> models.Model:
    """A moderator publishes a record waiting for review (checked and verified today)."""
    access.require(access.is_moderator(by), _("Only the centre's moderators publish."))
    record = _locked(record)
    if record.publication != Publication.IN_REVIEW:
        raise ValueError(_("Only a record waiting for review can be published."))
    record.publication, record.moderation_comment = Publication.PUBLISHED, ""
    if hasattr(record, "assured_date"):
        record.assured_date = timezone.localdate()
    save_new_version(record, by, "published")
    _notify(review_decided, record, decision="published", comment="")
    return record


@transaction.atomic
def return_for_changes(*, by: Any, record: models.Model, comment: str) -> models.Model:
    access.require(access.is_moderator(by), _("Only the centre's moderators return records."))
    if not comment.strip():
        raise ValueError(_("Say what should change: the comment is required."))
    record = _locked(record)
    if record.publication != Publication.IN_REVIEW:
        raise ValueError(_("Only a record waiting for review can be returned."))
    record.publication, record.moderation_comment = Publication.RETURNED, comment.strip()
    save_new_version(record, by, "returned for changes")
    _notify(review_decided, record, decision="returned", comment=comment.strip())
    return record


@transaction.atomic
def approve_revision(*, by: Any, revision: Revision) -> models.Model:
    """Apply a pending revision to its live record. Refused if the record changed since the
    revision was made (the author must edit again from the current version)."""
    access.require(access.is_moderator(by), _("Only the centre's moderators approve changes."))
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != RevisionStatus.PENDING:
        raise ValueError(_("This change is no longer pending."))
    record = _locked(revision.record)
    _check_version(record, revision.base_version)
    _write(record, revision.changes, by, f"approved revision {revision.pk}")
    if hasattr(record, "assured_date"):
        type(record).objects.filter(pk=record.pk).update(assured_date=timezone.localdate())
    _decide(revision, by, RevisionStatus.APPROVED, "")
    _notify(review_decided, record, decision="approved", comment="")
    return record


@transaction.atomic
def return_revision(*, by: Any, revision: Revision, comment: str) -> Revision:
    access.require(access.is_moderator(by), _("Only the centre's moderators return changes."))
    if not comment.strip():
        raise ValueError(_("Say what should change: the comment is required."))
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != RevisionStatus.PENDING:
        raise ValueError(_("This change is no longer pending."))
    _decide(revision, by, RevisionStatus.RETURNED, comment.strip())
    _notify(review_decided, revision.record, decision="returned", comment=comment.strip())
    return revision


def _decide(revision: Revision, by: Any, status: str, comment: str) -> None:
    revision.status, revision.comment = status, comment
    revision.decided_by, revision.decided_at = by, timezone.now()
    revision.save(update_fields=["status", "comment", "decided_by", "decided_at"])


@transaction.atomic
def restore(*, by: Any, record: models.Model, history_id: int) -> models.Model:
    """A moderator puts back the values of an earlier history row (fields and many-to-many
    links; the publication state stays as it is). Recorded as a new version."""
    access.require(access.is_moderator(by), _("Only the centre's moderators restore versions."))
    record = _locked(record)
    old = record.history.get(history_id=history_id)
    keep = {"id", "version", "publication", "created_at", "last_modified", "moderation_comment"}
    for model_field in old.instance._meta.concrete_fields:
        if model_field.name not in keep and hasattr(old, model_field.attname):
            setattr(record, model_field.attname, getattr(old, model_field.attname))
    record.skip_history_when_saving = True
    try:
        for name in (m2m.name for m2m in old._history_m2m_fields):
            through = getattr(type(record), name).through
            target = _m2m_target_column(through, type(record))
            getattr(record, name).set(getattr(old, name).values_list(target, flat=True))
    finally:
        del record.skip_history_when_saving
    save_new_version(record, by, f"restored from history row {history_id}")
    return record


def _m2m_target_column(through: type[models.Model], source: type[models.Model]) -> str:
    for through_field in through._meta.fields:
        is_link = isinstance(through_field, models.ForeignKey)
        if is_link and through_field.related_model is not source:
            return through_field.attname
    raise LookupError(through)


__all__ = [
    "Changes",
    "EditConflict",
    "FieldChange",
    "approve_revision",
    "create_draft",
    "edit",
    "publish",
    "register_editor",
    "restore",
    "return_for_changes",
    "return_revision",
    "save_new_version",
    "submit_for_review",
]
