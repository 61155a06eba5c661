"""Real headless Chromium on the members' pages: an organisation admin signs in on allauth's
page (in Arabic, right to left) and invites a colleague, under the strict CSP."""

import pytest
from django.core import mail

from mapping.models import Invitation, MemberRole

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_admin_signs_in_and_invites_a_colleague_right_to_left(live_server, page, make_member):
    admin = make_member("admin@a.example.org", role=MemberRole.ADMIN)
    organization = admin.memberships.get().organization
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(f"{live_server.url}/ar/accounts/login/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("input[name=login]", "admin@a.example.org")
    page.fill("input[name=password]", "a long test password")
    page.click("form.account-form button[type=submit]")
    page.wait_for_url("**/ar/members/my/")
    assert page.locator("h1").inner_text() == organization.name
    # members.css is applied: the main actions are the accent colour, mirrored layout kept.
    add = page.locator(".section-head .button-primary").first
    assert add.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 95, 115)"
    head = page.locator(".section-head").first.bounding_box()
    heading = page.locator(".section-head h2").first.bounding_box()
    assert heading["x"] + heading["width"] > head["x"] + head["width"] - 5  # starts on the right

    page.click(f"a[href$='/members/my/{organization.pk}/people/'] >> nth=0")
    page.fill("input[name=invite-email]", "colleague@example.org")
    page.click("form.members-form button[type=submit]")
    page.wait_for_selector(".message-success")
    assert Invitation.objects.get().email == "colleague@example.org"
    assert [message.to for message in mail.outbox] == [["colleague@example.org"]]
    assert refused == []
