"""The members' side end to end in a real headless Chromium: a person signs up and verifies
the e-mail from the outbox, applies for their organisation, a moderator approves it, the new
member adds a service with a point picked on the map and opening hours, submits it, the
moderator publishes it and it appears on the public map; an editor of another organisation
is refused its edit page; when the listing goes stale the public page warns and the
reminder's confirm link refreshes it."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mapping.models import MembershipStatus, Organization, Publication, Service
from tests.conftest import load_athens_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EMAIL = "amal@athens-aid.example.org"
PASSWORD = "a long and private passphrase"
SERVICE = "Evening Greek lessons for newcomers"


def _logged_in_page(page, live_server, user):
    """A new browser context on the same Chromium, signed in as ``user``."""
    client = Client()
    client.force_login(user)
    context = page.context.browser.new_context()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def _link_path(body: str, containing: str) -> str:
    """The path of the first absolute link in an e-mail body with ``containing`` (allauth
    links to the host the request came to; our e-mails to HARTIS['SITE_URL'])."""
    return re.search(r"https?://[^/\s]+(/\S*" + re.escape(containing) + r"\S*)", body).group(1)


def _click_map_centre(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_sign_up_to_a_published_service_and_its_freshness(
    live_server, page, moderator, make_member
):
    load_athens_data()
    site = live_server.url
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Sign up, then verify with the link from the outbox (the page asks for a click).
    page.goto(site + reverse("account_signup"))
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form.account-form button[type=submit]")
    assert [message.to for message in mail.outbox] == [[EMAIL]]
    page.goto(site + _link_path(mail.outbox[0].body, "/confirm-email/"))
    page.click("form.account-form button[type=submit]")
    page.wait_for_url("**/members/my/")

    # Apply for the organisation; it waits for the moderators.
    page.click(f"a[href='{reverse('organization-apply')}']")
    page.fill("#id_name", "Athens Aid Collective")
    page.select_option("#id_organization_type", "community_group")
    page.fill("#id_description", "Volunteers teaching Greek in Kypseli.")
    page.click("button.button-primary[type=submit]")
    organization = Organization.objects.get(name="Athens Aid Collective")
    assert organization.membership_status == MembershipStatus.PENDING

    # A moderator approves the application.
    moderation = _logged_in_page(page, live_server, moderator)
    moderation.goto(site + reverse("organization-applications"))
    moderation.click("button[name=decision][value=approve]")
    organization.refresh_from_db()
    assert organization.membership_status == MembershipStatus.APPROVED

    # The new member adds a service: a point picked on the map, and opening hours.
    page.goto(site + reverse("members-home"))
    page.click("a.button-primary:has-text('Add a service')")
    page.fill("#id_name", SERVICE)
    page.check("input[name=categories][value=education-language]")
    page.locator("#place-map").scroll_into_view_if_needed()
    _click_map_centre(page, "#place-map")
    page.wait_for_selector("#place-map .leaflet-marker-icon")
    page.fill("#id_place_name", "Community hall")
    page.select_option("#id_hours-0-weekday", "2")
    page.fill("#id_hours-0-opens", "18:00")
    page.fill("#id_hours-0-closes", "20:00")
    page.click("button[type=submit].primary")
    page.wait_for_selector(".submit-for-review button")
    page.click(".submit-for-review button")
    service = Service.objects.get(name=SERVICE)
    assert service.publication == Publication.IN_REVIEW
    assert [(s.weekday, f"{s.opens_at:%H:%M}") for s in service.schedules.all()] == [(2, "18:00")]

    # Not public yet: the public map does not list it.
    public = page.context.browser.new_context().new_page()
    public.goto(site + "/en/")
    public.fill("#f-q", "Evening Greek lessons")
    public.wait_for_selector("#results-empty:not([hidden]), #results li")
    assert SERVICE not in public.inner_text("#results")

    # The moderator publishes it from the review page; the public map now lists it.
    moderation.goto(site + reverse("moderation-queue"))
    moderation.click(f"a[href*='{service.pk}']")
    moderation.click("input[name=decision][value=publish] ~ button[type=submit]")
    service.refresh_from_db()
    assert service.publication == Publication.PUBLISHED
    public.goto(site + "/en/")
    public.fill("#f-q", "Evening Greek lessons")
    public.wait_for_selector(f"#results .result-name:has-text('{SERVICE}')")

    # An editor of another organisation cannot open its edit page.
    stranger = _logged_in_page(page, live_server, make_member("editor@elsewhere.example.org"))
    refused = stranger.goto(site + reverse("service-edit", args=[service.pk]))
    assert refused.status == 403

    # Verified 200 days ago: stale. The public page warns; the reminder's link refreshes it.
    long_ago = timezone.localdate() - datetime.timedelta(days=200)
    Service.objects.filter(pk=service.pk).update(assured_date=long_ago)
    public.goto(site + reverse("service-page", args=[service.pk]))
    assert public.locator(".note-stale").is_visible()
    mail.outbox.clear()
    call_command("send_freshness_reminders", verbosity=0)
    assert [message.to for message in mail.outbox] == [[EMAIL]]
    page.goto(site + _link_path(mail.outbox[0].body, "/confirm/"))
    page.click("button.feedback-confirm")
    service.refresh_from_db()
    assert service.assured_date == timezone.localdate()
    public.goto(site + reverse("service-page", args=[service.pk]))
    assert public.locator(".note-stale").count() == 0
    assert errors == []
