"""Write actions of the toolkit: members add, edit and delete their organisation's documents.

An upload is accepted only when its *bytes* are one of the allowed types (sniffed with
``filetype``, and for ODT/DOCX a look inside the zip), its name's extension agrees with that
type and it is not larger than ``settings.HARTIS["UPLOAD_MAX_BYTES"]``. The browser's
Content-Type and the name are never trusted: the file is stored under a generated name and
served with the sniffed type (see mapping.views.community.toolkit).
"""

import hashlib
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import filetype
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mapping import access
from mapping.conf import hartis_options
from mapping.models import Document, Language, Organization, TaxonomyTerm

SNIFF_BYTES = 8192  # filetype reads at most the first 8 KiB
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_MAIN_PART = DOCX + ".main+xml"
MAX_CONTENT_TYPES_BYTES = 1024 * 1024  # [Content_Types].xml is a few KiB; refuse a zip bomb

# Allowed types: sniffed MIME type → the extensions a name of that type may end with (the
# first is the one a download gets).
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    ODT: (".odt",),
    DOCX: (".docx",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/webp": (".webp",),
}
TYPE_NAMES = {
    "application/pdf": "PDF",
    ODT: "ODT",
    DOCX: "DOCX",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/webp": "WebP",
}


def upload_max_bytes() -> int:
    return hartis_options().upload_max_bytes


@dataclass(frozen=True)
class DocumentFields:
    """What a member says about a document (the file comes separately)."""

    title: str
    kind: str
    language: Language
    description: str = ""
    theme: TaxonomyTerm | None = None


@dataclass(frozen=True)
class CheckedFile:
    """An upload whose bytes were checked: its sniffed type, size and SHA-256."""

    content_type: str
    size_bytes: int
    sha256: str

    @property
    def extension(self) -> str:
        return ALLOWED_TYPES[self.content_type][0]


def _zip_office_type(upload: UploadedFile) -> str | None:
    """ODT or DOCX when the zip says so the way its format requires: ODT's first entry is an
    uncompressed ``mimetype`` holding its type; DOCX declares its main part in
    ``[Content_Types].xml``. None for any other zip (or a broken one)."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if entries and entries[0].filename == "mimetype" and entries[0].file_size < 100:
                if archive.read(entries[0]).strip() == ODT.encode():
                    return ODT
                return None
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                return None
            if info.file_size > MAX_CONTENT_TYPES_BYTES:
                return None
            declared = archive.read(info)
            if DOCX_MAIN_PART.encode() in declared and "word/document.xml" in archive.namelist():
                return DOCX
            return None
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None  # encrypted, truncated or otherwise unreadable: not a document we take


def sniff(upload: UploadedFile) -> str | None:
    """The upload's type from its bytes, if it is one we accept, else None."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    # filetype names an office document by its first entries, or just says zip: in both
    # cases look inside, so a zip is accepted only as the document its contents declare.
    if mime in {ODT, DOCX, "application/zip"}:
        return _zip_office_type(upload)
    return mime if mime in ALLOWED_TYPES else None


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Validate an upload; raise ValidationError({"file": …}) saying what is wrong."""
    limit = upload_max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                "file": _("The file is too large: at most %(limit)s.")
                % {"limit": filesizeformat(limit)}
            },
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    content_type = sniff(upload)
    if content_type is None:
        raise ValidationError(
            {
                "file": _(
                    "This kind of file is not accepted: upload a PDF, ODT, DOCX, PNG, JPEG or WebP."
                )
            },
            code="type",
        )
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in ALLOWED_TYPES[content_type]:
        raise ValidationError(
            {
                "file": _(
                    "The file's name ends in “%(extension)s” but it is a %(type)s file: "
                    "rename it to %(expected)s or upload the right file."
                )
                % {
                    "extension": extension or "—",
                    "type": TYPE_NAMES[content_type],
                    "expected": " / ".join(ALLOWED_TYPES[content_type]),
                }
            },
            code="extension",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(content_type=content_type, size_bytes=upload.size, sha256=digest.hexdigest())


def _attach(document: Document, upload: UploadedFile, checked: CheckedFile) -> None:
    """Store the upload under a generated name: the member's file name is not used (it may
    hold anything, from path separators to a misleading extension)."""
    document.content_type = checked.content_type
    document.size_bytes = checked.size_bytes
    document.sha256 = checked.sha256
    document.file.save(f"{uuid.uuid4().hex}{checked.extension}", File(upload), save=False)


def _save(document: Document, by: Any, reason: str, *, new_file: bool) -> None:
    """Save the row (one history row with ``by`` and ``reason``); if that fails, a file
    just stored (``new_file``) would be an orphan: remove it."""
    document._history_user = by if getattr(by, "is_authenticated", False) else None
    document._change_reason = reason
    try:
        with transaction.atomic():
            document.save()
    except BaseException:
        if new_file:
            document.file.delete(save=False)
        raise


def _delete_file_on_commit(name: str) -> None:
    storage = Document._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))


def add_document(
    *, by: Any, organization: Organization, fields: DocumentFields, upload: UploadedFile
) -> Document:
    """A new document of ``organization`` from a checked upload (ValidationError with a
    ``file`` error otherwise)."""
    access.require_member_organization(by, organization)
    checked = check_upload(upload)
    document = Document(
        organization=organization,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        **_field_values(fields),
    )
    _attach(document, upload, checked)
    _save(document, by, "uploaded", new_file=True)
    return document


def edit_document(
    *,
    by: Any,
    document: Document,
    fields: DocumentFields,
    upload: UploadedFile | None = None,
) -> Document:
    """Change what a document says and, with ``upload``, replace its file (the old file is
    removed once the change is committed)."""
    access.require(access.can_edit(by, document), _("You may not change this document."))
    checked = check_upload(upload) if upload is not None else None
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        for name, value in _field_values(fields).items():
            setattr(document, name, value)
        old_file = document.file.name
        if checked is not None:
            _attach(document, upload, checked)
            document.uploaded_by = by
        _save(document, by, "edited", new_file=checked is not None)
        if checked is not None and old_file:
            _delete_file_on_commit(old_file)
    return document


@transaction.atomic
def delete_document(*, by: Any, document: Document) -> None:
    """Remove a document and, once committed, its file."""
    access.require(access.can_edit(by, document), _("You may not delete this document."))
    document = Document.objects.select_for_update().get(pk=document.pk)
    name = document.file.name
    document._history_user = by if getattr(by, "is_authenticated", False) else None
    document.delete()
    if name:
        _delete_file_on_commit(name)


def _field_values(fields: DocumentFields) -> dict[str, Any]:
    return {
        "title": fields.title.strip(),
        "description": fields.description.strip(),
        "kind": fields.kind,
        "language": fields.language,
        "theme": fields.theme,
    }


def download_name(document: Document) -> str:
    """The name a download is saved under: the title made safe for any file system, with
    the extension of the stored type (the uploader's file name was never kept)."""
    stem = slugify(document.title, allow_unicode=True)[:80].strip("-_") or "document"
    extensions = ALLOWED_TYPES.get(document.content_type, ("",))
    return f"{stem}{extensions[0]}"
