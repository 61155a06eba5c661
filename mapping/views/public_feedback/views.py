"""The public's pages of this area: report a problem with a listing, suggest a missing
service, and the "still correct" confirmation a reminder e-mail links to. No log-in."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from mapping.actions import feedback, freshness
from mapping.models import Service, published_q
from mapping.ratelimits import public_form_limit, public_form_refusal
from mapping.views.public_feedback.forms import ProblemReportForm, ServiceSuggestionForm

REPORT_LIMIT = "public-feedback-report"
SUGGEST_LIMIT = "public-feedback-suggest"
TEMPLATES = "mapping/public_feedback/"


@require_http_methods(["GET", "POST"])
@public_form_limit(REPORT_LIMIT)
def service_report(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """ "Report a problem with this listing" (published services only)."""
    service = get_object_or_404(
        Service.objects.filter(published_q()).select_related("organization"), pk=pk
    )
    if request.limited:
        return public_form_refusal(request, group=REPORT_LIMIT)
    if request.method != "POST":
        return _form_page(request, "report.html", ProblemReportForm(), service=service)
    form = ProblemReportForm(request.POST)
    if not form.is_valid():
        return _form_page(request, "report.html", form, service=service, status=400)
    if not form.is_bot:
        feedback.report_problem(
            service=service, kind=form.cleaned_data["kind"], message=form.cleaned_data["message"]
        )
    return render(request, TEMPLATES + "thanks.html", {"service": service, "kind": "report"})


@require_http_methods(["GET", "POST"])
@public_form_limit(SUGGEST_LIMIT)
def service_suggest(request: HttpRequest) -> HttpResponse:
    """ "Suggest a missing service"."""
    if request.limited:
        return public_form_refusal(request, group=SUGGEST_LIMIT)
    if request.method != "POST":
        return _form_page(request, "suggest.html", ServiceSuggestionForm())
    form = ServiceSuggestionForm(request.POST)
    if not form.is_valid():
        return _form_page(request, "suggest.html", form, status=400)
    if not form.is_bot:
        fields = ("name", "organization_name", "description", "address", "url")
        feedback.suggest_service(**{name: form.cleaned_data[name] for name in fields})
    return render(request, TEMPLATES + "thanks.html", {"kind": "suggestion"})


def _form_page(
    request: HttpRequest, template: str, form: object, *, status: int = 200, **context: object
) -> HttpResponse:
    return render(request, TEMPLATES + template, {"form": form, **context}, status=status)


@require_http_methods(["GET", "POST"])
def service_confirm(request: HttpRequest, pk: uuid.UUID, token: str) -> HttpResponse:
    """A reminder's "still correct" link. GET only asks (link scanners and previews open
    links); the POST button confirms. The signed token is the authority, so no log-in."""
    service = Service.objects.select_related("organization").filter(pk=pk).first()
    try:
        if service is None:
            raise freshness.BadConfirmation(freshness.INVALID_LINK)
        if request.method == "POST":
            service = freshness.confirm_still_correct(service=service, token=token)
            return render(request, TEMPLATES + "confirmed.html", {"service": service})
        freshness.check_confirm_token(service, token)
    except freshness.BadConfirmation as problem:
        return render(
            request,
            TEMPLATES + "confirm_invalid.html",
            {"service": service, "problem": str(problem)},
            status=400,
        )
    return render(request, TEMPLATES + "confirm.html", {"service": service})
