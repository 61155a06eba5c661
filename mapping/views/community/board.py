"""The support board's pages: members' open calls, their detail with responses, and the
forms to post, edit, close and respond. Members only (see mapping.actions.board.may_use_board)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mapping import access
from mapping.actions import board as actions
from mapping.actions.publishing import EditConflict
from mapping.models import OpenCall, Organization
from mapping.models.board import on_board_q
from mapping.views.community.forms import BoardFilterForm, CallForm, ResponseForm

CALLS_PER_PAGE = 30


def _require_board(request: HttpRequest) -> None:
    access.require(
        actions.may_use_board(request.user),
        _("The support board is for the people of the centre's member organisations."),
    )


def _call_fields(form: CallForm) -> actions.CallFields:
    data = form.cleaned_data
    return actions.CallFields(
        kind=data["kind"],
        category=data["category"],
        title=data["title"],
        description=data["description"],
        expires_on=data["expires_on"],
        theme=data.get("theme"),
        district=data.get("district"),
    )


@login_required
@require_safe
def board(request: HttpRequest) -> HttpResponse:
    """Calls on the board today, filtered by kind, category, theme and district."""
    _require_board(request)
    filters = BoardFilterForm(request.GET or None)
    calls = (
        OpenCall.objects.on_board(timezone.localdate())
        .matching(**filters.filters())
        .select_related("organization", "theme", "district")
    )
    page = Paginator(calls, CALLS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "post_for": actions.member_organizations(request.user),
    }
    return render(request, "mapping/community/board.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def board_call(request: HttpRequest, pk: int) -> HttpResponse:
    """A call, the responses this reader may see, and the form to respond."""
    _require_board(request)
    call = get_object_or_404(
        OpenCall.objects.select_related("organization", "theme", "district"), pk=pk
    )
    user = request.user
    on_board = OpenCall.objects.filter(on_board_q(timezone.localdate()), pk=call.pk).exists()
    responders = actions.member_organizations(user).exclude(pk=call.organization_id)
    form = None
    if on_board and responders.exists():
        form = ResponseForm(request.POST or None, organizations=responders)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("You cannot respond to this call."))
            return redirect("board-call", pk=call.pk)
        if form.is_valid():
            try:
                actions.respond_to_call(
                    by=user,
                    call=call,
                    organization=form.cleaned_data["organization"],
                    message=form.cleaned_data["message"],
                    call_url=request.build_absolute_uri(reverse("board-call", args=[call.pk])),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your response was sent."))
                return redirect("board-call", pk=call.pk)
    responses = call.responses.seen_by(
        lambda field: access.editable_by_q(user, organization_field=field)
    ).select_related("organization", "author")
    context = {
        "call": call,
        "on_board": on_board,
        "responses": responses,
        "form": form,
        "can_edit": access.can_edit(user, call),
    }
    return render(request, "mapping/community/call.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def board_call_create(request: HttpRequest, organization: uuid.UUID) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=organization)
    access.require(
        access.can_edit_for(request.user, organization),
        _("You may only post for organisations you are a member of."),
    )
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = actions.post_call(
                by=request.user, organization=organization, fields=_call_fields(form)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your call is on the board."))
            return redirect("board-call", pk=call.pk)
    context = {"form": form, "organization": organization, "call": None}
    return render(request, "mapping/community/call_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def board_call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(OpenCall.objects.select_related("organization"), pk=pk)
    access.require(access.can_edit(request.user, call), _("You may not change this call."))
    form = CallForm(request.POST or None, instance=call)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_call(
                by=request.user,
                call=call,
                fields=_call_fields(form),
                loaded_version=form.cleaned_data["version"] or 0,
            )
        except EditConflict as error:
            conflict = error
            # Keep what the editor wrote, now based on the current version: saving again
            # is a conscious overwrite after reading what changed.
            data = request.POST.copy()
            data["version"] = str(error.record.version)
            form = CallForm(data, instance=call)
            form.is_valid()
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The call was saved."))
            return redirect("board-call", pk=call.pk)
    context = {"form": form, "organization": call.organization, "call": call, "conflict": conflict}
    return render(request, "mapping/community/call_form.html", context)


@login_required
@require_POST
def board_call_close(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(OpenCall, pk=pk)
    actions.close_call(by=request.user, call=call)
    messages.success(request, _("The call was closed and left the board."))
    return redirect("board-call", pk=call.pk)
