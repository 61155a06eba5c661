"""The toolkit's pages: the public list of documents members share, a document, its download,
and the members' upload, edit and delete.

The toolkit is public: it holds information material, guides and studies that member
organisations publish for anyone working with migrants and refugees (there is no private
document). Files are never served from MEDIA_URL: the download view hands them out with the
type sniffed at upload, as an attachment, in a sandbox, never cached by shared caches.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mapping import access
from mapping.actions import toolkit as actions
from mapping.actions.board import member_organizations
from mapping.models import Document, Organization
from mapping.views.community.forms import DocumentForm, ToolkitFilterForm

DOCUMENTS_PER_PAGE = 30
# A downloaded file can do nothing in the browser even if opened in place: no scripts, no
# subresources, no forms, a unique origin.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def _document_fields(form: DocumentForm) -> actions.DocumentFields:
    data = form.cleaned_data
    return actions.DocumentFields(
        title=data["title"],
        description=data.get("description", ""),
        kind=data["kind"],
        language=data["language"],
        theme=data.get("theme"),
    )


@require_safe
def toolkit(request: HttpRequest) -> HttpResponse:
    """Documents, newest first, filtered by language, theme, kind and organisation."""
    filters = ToolkitFilterForm(request.GET or None)
    documents = (
        Document.objects.matching(**filters.filters())
        .select_related("organization", "language", "theme")
        .defer("description")
    )
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "upload_for": member_organizations(request.user),
    }
    return render(request, "mapping/community/toolkit.html", context)


@require_safe
def toolkit_document(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    document = get_object_or_404(
        Document.objects.select_related("organization", "language", "theme"), pk=pk
    )
    context = {
        "document": document,
        "download_name": actions.download_name(document),
        "can_edit": access.can_edit(request.user, document),
    }
    return render(request, "mapping/community/document.html", context)


@require_safe
@never_cache
def toolkit_download(request: HttpRequest, pk: uuid.UUID) -> FileResponse:
    document = get_object_or_404(Document, pk=pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404(_("The file of this document is missing.")) from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=actions.download_name(document),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def toolkit_upload(request: HttpRequest, organization: uuid.UUID) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=organization)
    access.require(
        access.can_edit_for(request.user, organization),
        _("You may only share documents for organisations you are a member of."),
    )
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = actions.add_document(
                by=request.user,
                organization=organization,
                fields=_document_fields(form),
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The document is in the toolkit."))
            return redirect("toolkit-document", pk=document.pk)
    context = {
        "form": form,
        "organization": organization,
        "document": None,
        "max_bytes": actions.upload_max_bytes(),
    }
    return render(request, "mapping/community/document_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def toolkit_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    document = get_object_or_404(Document.objects.select_related("organization"), pk=pk)
    access.require(access.can_edit(request.user, document), _("You may not change this document."))
    form = DocumentForm(request.POST or None, request.FILES or None, instance=document)
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_document(
                by=request.user,
                document=document,
                fields=_document_fields(form),
                upload=form.cleaned_data.get("file"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The document was saved."))
            return redirect("toolkit-document", pk=document.pk)
    context = {
        "form": form,
        "organization": document.organization,
        "document": document,
        "max_bytes": actions.upload_max_bytes(),
    }
    return render(request, "mapping/community/document_form.html", context)


@login_required
@require_POST
def toolkit_delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    document = get_object_or_404(Document, pk=pk)
    actions.delete_document(by=request.user, document=document)
    messages.success(request, _("The document was removed from the toolkit."))
    return redirect("toolkit")
