"""Real headless Chromium on this area's public forms: reporting a problem in Arabic (RTL,
honeypot out of sight, no console errors under the CSP) and the reminder's confirm link."""

import pytest
from django.urls import reverse
from django.utils import translation

from mapping.actions import freshness
from mapping.models import Organization, ProblemReport, Service

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def listing(db) -> Service:
    organization = Organization.objects.create(name="Legal aid society")
    return Service.objects.create(organization=organization, name="Asylum legal advice")


def test_a_visitor_reports_a_problem_in_arabic(live_server, page, listing):
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    with translation.override("ar"):
        service_url = reverse("service-page", args=[listing.pk])
    page.goto(live_server.url + service_url)
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator(f"a[href$='/services/{listing.pk}/report/']").click()
    page.wait_for_selector("form.feedback-form")
    # The honeypot is out of sight: off the page on the inline-start side (the right in RTL).
    box = page.locator("input[name=leave_empty]").bounding_box()
    assert box["x"] + box["width"] <= 0 or box["x"] >= page.viewport_size["width"]
    page.locator("input[name=kind][value=hours]").check()
    page.fill("textarea[name=message]", "Closed on Mondays now.")
    page.locator("form.feedback-form button[type=submit]").click()
    page.wait_for_selector("p.note[role=status]")
    report = ProblemReport.objects.get()
    assert (report.kind, report.message, report.service_id) == (
        "hours",
        "Closed on Mondays now.",
        listing.pk,
    )
    assert errors == []


def test_the_confirm_link_confirms_only_when_the_button_is_pressed(live_server, page, listing):
    token = freshness.confirm_token(listing, "editor@example.org")
    with translation.override("en"):
        url = reverse("service-confirm", args=[listing.pk, token])
    page.goto(live_server.url + url)
    page.wait_for_selector("button.feedback-confirm")
    listing.refresh_from_db()
    assert listing.assured_date is None  # opening the link changed nothing
    page.click("button.feedback-confirm")
    page.wait_for_selector("p.note[role=status]")
    listing.refresh_from_db()
    assert listing.assured_date is not None
    assert listing.assurer_email == "editor@example.org"
