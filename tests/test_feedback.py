"""The public's feedback: "Report a problem with this listing", "Suggest a missing service",
their rate limit (429 + Retry-After), the honeypot, and the moderators' feedback queue."""

import pytest
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from mapping.actions import feedback
from mapping.models import (
    FeedbackStatus,
    ProblemKind,
    ProblemReport,
    Publication,
    Service,
    ServiceSuggestion,
)

RATE_LIMIT_CACHE = "public-feedback-tests"


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    """django-ratelimit counts in a local-memory cache of its own, empty for each test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        **settings.CACHES,
        RATE_LIMIT_CACHE: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.RATELIMIT_USE_CACHE = RATE_LIMIT_CACHE
    caches[RATE_LIMIT_CACHE].clear()


@pytest.fixture
def service(make_service) -> Service:
    return make_service("Legal aid desk")


SUGGESTION = {
    "name": "Greek lessons for women",
    "organization_name": "Neighbourhood school",
    "description": "Tuesdays and Thursdays, with childcare.",
    "address": "Φωκίωνος Νέγρη 20",
    "url": "https://school.example.org/",
}


@pytest.mark.django_db
def test_a_problem_report_reaches_the_moderators_without_an_account(client, service):
    url = reverse("service-report", args=[service.pk])
    form = client.get(url)
    assert form.status_code == 200 and b"csrfmiddlewaretoken" in form.content
    response = client.post(url, {"kind": ProblemKind.HOURS, "message": "  Closed on Mondays.  "})
    assert response.status_code == 200
    report = ProblemReport.objects.get()
    assert (report.service, report.kind, report.message) == (
        service,
        ProblemKind.HOURS,
        "Closed on Mondays.",
    )
    assert report.status == FeedbackStatus.OPEN


@pytest.mark.django_db
def test_invalid_reports_and_suggestions_show_field_errors(client, service):
    url = reverse("service-report", args=[service.pk])
    response = client.post(url, {"kind": "burnt-down", "message": "x" * 2001})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"kind", "message"}
    assert b"errorlist" in response.content
    response = client.post(reverse("service-suggest"), {**SUGGESTION, "name": "", "url": "nope"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "url"}
    assert not ProblemReport.objects.exists() and not ServiceSuggestion.objects.exists()


@pytest.mark.django_db
def test_a_suggestion_is_stored_for_the_moderators(client):
    assert client.get(reverse("service-suggest")).status_code == 200
    response = client.post(reverse("service-suggest"), SUGGESTION)
    assert response.status_code == 200
    suggestion = ServiceSuggestion.objects.get()
    assert suggestion.name == SUGGESTION["name"] and suggestion.url == SUGGESTION["url"]


@pytest.mark.django_db
def test_only_published_listings_can_be_reported(client, service):
    Service.objects.filter(pk=service.pk).update(publication=Publication.DRAFT)
    url = reverse("service-report", args=[service.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": ProblemKind.OTHER}).status_code == 404
    assert not ProblemReport.objects.exists()


@pytest.mark.django_db
def test_a_filled_honeypot_is_thanked_and_dropped(client, service):
    response = client.post(reverse("service-suggest"), {**SUGGESTION, "leave_empty": "buy now"})
    assert response.status_code == 200
    response = client.post(
        reverse("service-report", args=[service.pk]),
        {"kind": ProblemKind.OTHER, "leave_empty": "x"},
    )
    assert response.status_code == 200
    assert not ServiceSuggestion.objects.exists() and not ProblemReport.objects.exists()


@pytest.mark.django_db
def test_forms_refuse_a_post_without_the_csrf_token(service):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("service-report", args=[service.pk]), {"kind": "other"})
    assert response.status_code == 403
    assert not ProblemReport.objects.exists()


@pytest.mark.django_db
def test_the_sixth_post_in_ten_minutes_gets_429_with_retry_after(client, service):
    url = reverse("service-report", args=[service.pk])
    for _ in range(5):
        assert client.post(url, {"kind": ProblemKind.OTHER}).status_code == 200
    refused = client.post(url, {"kind": ProblemKind.OTHER})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert b"try again" in refused.content
    assert ProblemReport.objects.count() == 5
    # Reading the form is not counted; another client address has its own allowance.
    assert client.get(url).status_code == 200
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert elsewhere.post(url, {"kind": ProblemKind.OTHER}).status_code == 200
    # Suggestions are counted apart from reports.
    assert client.post(reverse("service-suggest"), SUGGESTION).status_code == 200


@pytest.fixture
def open_items(service):
    report = feedback.report_problem(service=service, kind=ProblemKind.CLOSED)
    suggestion = feedback.suggest_service(name="Night shelter")
    return report, suggestion


@pytest.mark.django_db
def test_the_feedback_queue_is_for_moderators_only(client, make_member, open_items):
    url = reverse("feedback-queue")
    assert client.get(url).status_code == 302  # to the log-in page
    editor = make_member("editor@a.example.org")
    client.force_login(editor)
    assert client.get(url).status_code == 403
    report, _suggestion = open_items
    response = client.post(url, {"kind": "report", "item": report.pk, "status": "done"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        feedback.handle_feedback(by=editor, item=report, status=FeedbackStatus.DONE)
    report.refresh_from_db()
    assert report.status == FeedbackStatus.OPEN


@pytest.mark.django_db
def test_a_moderator_deals_with_or_dismisses_feedback(client, moderator, open_items):
    report, suggestion = open_items
    client.force_login(moderator)
    url = reverse("feedback-queue")
    page = client.get(url)
    assert list(page.context["reports"]) == [report]
    assert list(page.context["suggestions"]) == [suggestion]

    assert client.post(url, {"kind": "report", "item": report.pk, "status": "done"}).status_code
    report.refresh_from_db()
    assert report.status == FeedbackStatus.DONE and report.handled_by == moderator
    assert report.handled_at is not None
    client.post(url, {"kind": "suggestion", "item": suggestion.pk, "status": "dismissed"})
    suggestion.refresh_from_db()
    assert suggestion.status == FeedbackStatus.DISMISSED
    page = client.get(url)
    assert not page.context["reports"] and not page.context["suggestions"]

    # Handled already, unknown, or nonsense: a clear error, never a 500.
    for bad in (
        {"kind": "report", "item": report.pk, "status": "dismissed"},
        {"kind": "report", "item": 999999, "status": "done"},
        {"kind": "poster", "item": "x", "status": "open"},
    ):
        response = client.post(url, bad)
        assert response.status_code == 400, bad
        assert response.context["error"]
    report.refresh_from_db()
    assert report.status == FeedbackStatus.DONE
