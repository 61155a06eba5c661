"""The toolkit: public list and detail, uploads checked by their bytes (type sniffed, zip
contents for ODT/DOCX, extension agreeing, size limit), stored under generated names with
type, size and SHA-256, downloads with safe headers, and row-level access for changes."""

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mapping.actions import toolkit
from mapping.models import Document, Language, MembershipStatus, TaxonomyTerm

# --- Small real files, built here ------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + b"\x00" * 22
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, greyscale
    pixels = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _zip(entries: list[tuple[str, bytes]], *, first_stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            stored = first_stored and index == 0
            archive.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _odt() -> bytes:
    return _zip(
        [
            ("mimetype", toolkit.ODT.encode()),
            ("content.xml", b"<office:document-content/>"),
            ("META-INF/manifest.xml", b"<manifest:manifest/>"),
        ],
        first_stored=True,
    )


def _docx() -> bytes:
    content_types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/word/document.xml" ContentType="'
        + toolkit.DOCX_MAIN_PART
        + '"/></Types>'
    ).encode()
    return _zip(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", b"<w:document/>"),
        ]
    )


def _upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Uploaded files go to a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def member(make_member):
    return make_member("docs@a.example.org")


@pytest.fixture
def other_member(make_member):
    return make_member("docs@b.example.org")


def _org(user):
    return user.memberships.get().organization


def _fields(**overrides) -> toolkit.DocumentFields:
    values = {
        "title": "Guide to the asylum procedure",
        "kind": "guide",
        "language": Language.objects.get(code="en"),
    }
    return toolkit.DocumentFields(**{**values, **overrides})


def _add(user, name: str = "guide.pdf", data: bytes = PDF, **overrides) -> Document:
    return toolkit.add_document(
        by=user, organization=_org(user), fields=_fields(**overrides), upload=_upload(name, data)
    )


def _form_data(**overrides) -> dict:
    return {
        "title": "Rights of asylum seekers",
        "description": "Two pages, plain language.",
        "kind": "information",
        "language": Language.objects.get(code="en").pk,
        "theme": "",
        **overrides,
    }


# --- Upload checks -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "build", "expected"),
    [
        ("guide.pdf", lambda: PDF, "application/pdf"),
        ("poster.PNG", _png, "image/png"),
        ("photo.jpeg", lambda: JPEG, "image/jpeg"),
        ("photo.jpg", lambda: JPEG, "image/jpeg"),
        ("leaflet.webp", lambda: WEBP, "image/webp"),
        ("study.odt", _odt, toolkit.ODT),
        ("study.docx", _docx, toolkit.DOCX),
    ],
)
def test_allowed_files_are_stored_with_their_sniffed_type_size_and_digest(
    athens, member, media_root, name, build, expected
):
    data = build()
    # The browser's claim is ignored: every upload here says it is a text file.
    upload = _upload(name, data, content_type="text/plain")
    document = toolkit.add_document(
        by=member, organization=_org(member), fields=_fields(), upload=upload
    )
    document.refresh_from_db()
    assert document.content_type == expected
    assert document.size_bytes == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    stored = Path(document.file.path)
    assert stored.read_bytes() == data
    assert stored.is_relative_to(media_root / "toolkit")
    assert Path(name).stem not in stored.name  # a generated name, not the member's
    assert stored.suffix == toolkit.ALLOWED_TYPES[expected][0]
    assert document.uploaded_by == member and document.history.get().history_user == member


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("page.pdf", lambda: HTML, "not accepted"),  # HTML renamed .pdf
        ("page.html", lambda: HTML, "not accepted"),
        ("drawing.svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>', "not accepted"),
        ("archive.docx", lambda: _zip([("readme.txt", b"hello")]), "not accepted"),
        (
            "sheet.odt",
            lambda: _zip([("mimetype", b"application/x-other")], first_stored=True),
            "not accepted",
        ),
        ("program.pdf", lambda: b"MZ\x90\x00" + b"\x00" * 200, "not accepted"),
        ("guide.png", lambda: PDF, "rename it to .pdf"),  # a PDF under an image's name
        ("study.pdf", _docx, "rename it to .docx"),
        ("guide", lambda: PDF, "rename it to .pdf"),
        ("empty.pdf", lambda: b"", "empty"),
    ],
)
def test_other_files_are_refused_with_a_field_error(
    athens, member, media_root, name, build, message
):
    with pytest.raises(ValidationError) as refused:
        _add(member, name=name, data=build())
    assert message in " ".join(refused.value.message_dict["file"])
    assert not Document.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


@pytest.mark.django_db
def test_an_oversized_file_is_refused(athens, member, settings, media_root):
    settings.HARTIS = {**settings.HARTIS, "UPLOAD_MAX_BYTES": 1000}
    with pytest.raises(ValidationError) as refused:
        _add(member, data=PDF + b"%" * 1000)
    assert "too large: at most 1000" in refused.value.message_dict["file"][0]
    assert _add(member, data=PDF).size_bytes == len(PDF)  # under the limit: fine


@pytest.mark.django_db
def test_upload_page_shows_field_errors_and_stores_a_good_file(athens, client, member):
    client.force_login(member)
    url = reverse("toolkit-upload", args=[_org(member).pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {**_form_data(), "file": _upload("x.pdf", HTML, "application/pdf")})
    assert refused.status_code == 200
    assert "not accepted" in refused.context["form"].errors["file"][0]
    missing = client.post(url, {**_form_data(), "title": ""})
    assert set(missing.context["form"].errors) == {"title", "file"}
    assert not Document.objects.exists()

    created = client.post(url, {**_form_data(), "file": _upload("Οδηγός.pdf", PDF)})
    document = Document.objects.get()
    assert created.status_code == 302
    assert created["Location"] == reverse("toolkit-document", args=[document.pk])
    assert document.organization == _org(member) and document.content_type == "application/pdf"


# --- Reading and downloading -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_toolkit_is_public_and_filtered(athens, client, member, other_member):
    theme = TaxonomyTerm.objects.themes().first()
    greek = Language.objects.get(code="el")
    _add(member, title="English guide", theme=theme)
    _add(other_member, title="Greek study", kind="study", language=greek)

    def page(**params) -> str:
        response = client.get(reverse("toolkit"), params)
        assert response.status_code == 200
        return response.content.decode()

    everything = page()
    assert "English guide" in everything and "Greek study" in everything
    assert "English guide" not in page(language="el")
    assert "Greek study" not in page(theme=theme.code)
    assert "English guide" not in page(kind="study")
    assert "Greek study" not in page(organization=_org(member).pk)
    nonsense = page(organization="not-a-uuid", language="xx", kind="<b>")
    assert "Some filters were not understood" in nonsense and "Greek study" in nonsense
    detail = client.get(
        reverse("toolkit-document", args=[Document.objects.get(title="Greek study").pk])
    )
    assert detail.status_code == 200 and "Greek study" in detail.content.decode()


@pytest.mark.django_db
def test_a_download_is_an_attachment_with_the_sniffed_type_in_a_sandbox(athens, client, member):
    document = _add(member, name="ignored name.pdf", title="Οδηγός ασύλου")
    response = client.get(reverse("toolkit-download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "utf-8''" in disposition and "ignored" not in disposition  # the title, encoded
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]

    image = _add(member, name="p.png", data=_png(), title="Poster")
    response = client.get(reverse("toolkit-download", args=[image.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="poster.png"'
    assert client.post(reverse("toolkit-download", args=[image.pk])).status_code == 405


@pytest.mark.django_db
def test_stored_files_are_not_served_by_url(athens, client, member):
    document = _add(member)
    assert client.get("/media/" + document.file.name).status_code == 404
    assert client.get("/en/media/" + document.file.name).status_code == 404


# --- Changing: only the organisation's people -------------------------------------------------


@pytest.mark.django_db
def test_no_upload_edit_or_delete_for_another_organisation(athens, client, member, other_member):
    document = _add(member)
    client.force_login(other_member)
    upload_url = reverse("toolkit-upload", args=[_org(member).pk])
    assert client.get(upload_url).status_code == 403
    posted = client.post(upload_url, {**_form_data(), "file": _upload("x.pdf", PDF)})
    assert posted.status_code == 403
    assert client.get(reverse("toolkit-edit", args=[document.pk])).status_code == 403
    edited = client.post(reverse("toolkit-edit", args=[document.pk]), _form_data(title="Hacked"))
    assert edited.status_code == 403
    assert client.post(reverse("toolkit-delete", args=[document.pk])).status_code == 403
    assert Document.objects.get().title == "Guide to the asylum procedure"
    with pytest.raises(PermissionDenied):
        toolkit.delete_document(by=other_member, document=document)
    with pytest.raises(PermissionDenied):
        toolkit.add_document(
            by=other_member,
            organization=_org(member),
            fields=_fields(),
            upload=_upload("x.pdf", PDF),
        )
    client.logout()
    anonymous = client.get(upload_url)
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]


@pytest.mark.django_db
def test_editing_replaces_the_file_and_deleting_removes_it_after_commit(
    athens, client, member, django_capture_on_commit_callbacks
):
    document = _add(member)
    old_path = Path(document.file.path)
    client.force_login(member)
    url = reverse("toolkit-edit", args=[document.pk])
    kept = client.post(url, _form_data(title="New title"))  # no file: the file stays
    assert kept.status_code == 302
    document.refresh_from_db()
    assert document.title == "New title" and old_path.exists()

    refused = client.post(url, {**_form_data(), "file": _upload("x.pdf", HTML)})
    assert "not accepted" in refused.context["form"].errors["file"][0]
    with django_capture_on_commit_callbacks(execute=True):
        replaced = client.post(url, {**_form_data(), "file": _upload("poster.png", _png())})
    assert replaced.status_code == 302
    document.refresh_from_db()
    assert document.content_type == "image/png" and not old_path.exists()
    new_path = Path(document.file.path)

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(reverse("toolkit-delete", args=[document.pk]))
    assert deleted.status_code == 302 and deleted["Location"] == reverse("toolkit")
    assert not Document.objects.exists() and not new_path.exists()


@pytest.mark.django_db
def test_the_toolkit_page_reads_a_bounded_number_of_queries(
    athens, client, member, django_assert_max_num_queries
):
    theme = TaxonomyTerm.objects.themes().first()
    for number in range(12):
        _add(member, title=f"Document {number}", theme=theme)
    with django_assert_max_num_queries(8):  # filters' choices and one page of documents
        response = client.get(reverse("toolkit"))
    assert response.content.decode().count('class="community-item"') == 12


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_member_uploads_a_document_and_anyone_downloads_it(
    live_server, page, make_member, tmp_path
):
    from django.test import Client

    member = make_member("browser-docs@a.example.org")
    client = Client()
    client.force_login(member)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + reverse("toolkit-upload", args=[_org(member).pk]))
    page.fill("input[name=title]", "Guide to the asylum procedure")
    page.select_option("form.community-form select[name=kind]", "guide")
    page.select_option(
        "form.community-form select[name=language]", label=str(Language.objects.get(code="en"))
    )
    page.set_input_files(
        "input[name=file]", {"name": "guide.pdf", "mimeType": "text/html", "buffer": PDF}
    )
    page.click("form.community-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Guide to the asylum procedure')")

    page.context.clear_cookies()  # the toolkit is public
    page.reload()
    with page.expect_download() as download:
        page.click("a:has-text('Download')")
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "guide-to-the-asylum-procedure.pdf"
    assert saved.read_bytes() == PDF


@pytest.mark.django_db
def test_an_organisation_that_is_not_yet_a_member_shares_nothing(athens, client, member):
    organization = _org(member)
    organization.membership_status = MembershipStatus.PENDING
    organization.save()
    with pytest.raises(PermissionDenied):
        _add(member)
    client.force_login(member)
    posted = client.post(
        reverse("toolkit-upload", args=[organization.pk]),
        {**_form_data(), "file": _upload("x.pdf", PDF)},
    )
    assert posted.status_code == 403 and not Document.objects.exists()
