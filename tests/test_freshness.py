"""Freshness: the stale rule, reminders (manage.py send_freshness_reminders), the signed
one-click "still correct" link, the moderators' stale dashboard and the public page's notice."""

import datetime
import re

import pytest
from django.core import signing
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from mapping import directory
from mapping.actions import freshness, publishing
from mapping.models import MembershipStatus, Organization, Publication, Service

BASE_URL = "https://hartis.example.org"
CONFIRM_LINK = re.compile(re.escape(BASE_URL) + r"(/\S+/confirm/\S+/)")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Test accounts need no costly password hashing (make_member sets a password).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def team(make_member):
    """A member organisation with an editor and an admin, and its services: two stale
    published, one fresh, one stale draft, one stale defunct."""
    editor = make_member("editor@team.example.org")
    organization = editor.memberships.get().organization
    admin = make_member("admin@team.example.org", organization=organization, role="admin")

    def service(name: str, **fields) -> Service:
        return Service.objects.create(organization=organization, name=name, **fields)

    return {
        "organization": organization,
        "editor": editor,
        "admin": admin,
        "never": service("Never verified"),
        "old": service("Verified long ago", assured_date=_days_ago(181)),
        "fresh": service("Verified lately", assured_date=_days_ago(150)),
        "draft": service("Draft", publication=Publication.DRAFT),
        "defunct": service("Closed for good", status="defunct"),
    }


def _remind(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("send_freshness_reminders", base_url=BASE_URL, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_stale_means_never_verified_or_older_than_the_setting(team, settings):
    boundary = Service.objects.create(
        organization=team["organization"], name="Verified 180 days ago", assured_date=_days_ago(180)
    )
    mine = Service.objects.filter(organization=team["organization"])
    ids = set(mine.stale().values_list("pk", flat=True))
    assert ids == {team[key].pk for key in ("never", "old", "draft", "defunct")}
    # The public page's notice (directory.is_stale) follows the same rule.
    for service in mine:
        assert directory.is_stale(service) == (service.pk in ids), service.name
    assert boundary.pk not in ids  # 180 days is not older than 180 days
    settings.HARTIS = {**settings.HARTIS, "STALE_AFTER_DAYS": 179}
    assert Service.objects.filter(pk=boundary.pk).stale().exists()


@pytest.mark.django_db
def test_one_reminder_per_person_lists_the_stale_published_services_and_is_idempotent(
    team, make_member, mailoutbox, django_capture_on_commit_callbacks
):
    outsider = make_member("someone@else.example.org")  # another organisation, nothing stale
    Service.objects.create(  # stale, but its organisation has nobody to remind
        organization=Organization.objects.create(name="Imported"), name="From a source"
    )
    with django_capture_on_commit_callbacks(execute=True):
        output = _remind()
    assert "1 organisations reminded" in output
    assert sorted(message.to[0] for message in mailoutbox) == [
        "admin@team.example.org",
        "editor@team.example.org",
    ]
    assert outsider.email not in {message.to[0] for message in mailoutbox}
    body = mailoutbox[0].body
    assert "Never verified" in body and "Verified long ago" in body
    for absent in ("Verified lately", "Draft", "Closed for good", "From a source"):
        assert absent not in body
    assert len(CONFIRM_LINK.findall(body)) == 2
    reminded = Service.objects.filter(reminded_at__isnull=False)
    assert set(reminded.values_list("name", flat=True)) == {"Never verified", "Verified long ago"}

    # Run again the same day, and nine days later: nothing is due, nothing is sent.
    with django_capture_on_commit_callbacks(execute=True):
        _remind()
        _remind(now=timezone.now() + datetime.timedelta(days=9))
    assert len(mailoutbox) == 2
    # After REMIND_EVERY_DAYS (14) the reminder comes again.
    with django_capture_on_commit_callbacks(execute=True):
        _remind(now=timezone.now() + datetime.timedelta(days=15))
    assert len(mailoutbox) == 4


@pytest.mark.django_db
def test_a_dry_run_sends_and_records_nothing(team, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = _remind(dry_run=True)
    assert "would e-mail 2 people" in output
    assert mailoutbox == []
    assert not Service.objects.filter(reminded_at__isnull=False).exists()


@pytest.mark.django_db
def test_the_command_refuses_to_send_links_without_an_address(team):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="absolute address"):
        call_command("send_freshness_reminders", base_url="")


def _link_for(email: str, mailoutbox) -> str:
    message = next(message for message in mailoutbox if message.to == [email])
    return CONFIRM_LINK.findall(message.body)[0]


@pytest.mark.django_db
def test_the_link_asks_on_get_and_confirms_on_post_without_logging_in(
    team, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _remind()
    link = _link_for("admin@team.example.org", mailoutbox)
    service = team["never"]  # listed first (by name)
    assert str(service.pk) in link
    version = service.version

    page = client.get(link)  # a link scanner or preview: nothing changes
    assert page.status_code == 200
    assert b'method="post"' in page.content
    service.refresh_from_db()
    assert service.assured_date is None

    done = client.post(link)
    assert done.status_code == 200
    service.refresh_from_db()
    assert service.assured_date == timezone.localdate()
    assert service.assurer_email == "admin@team.example.org"
    assert service.version == version  # not a moderated change
    assert service.publication == Publication.PUBLISHED
    last = service.history.order_by("-history_date", "-history_id").first()
    assert last.history_change_reason == freshness.CONFIRM_REASON
    assert last.assured_date == timezone.localdate()
    assert not Service.objects.filter(pk=service.pk).stale().exists()

    # Used once: the record was confirmed since, so the link (and the colleague's) is spent.
    again = client.post(link)
    assert again.status_code == 400
    assert b"confirmed since" in again.content
    colleague = client.post(_link_for("editor@team.example.org", mailoutbox))
    assert colleague.status_code == 400


@pytest.mark.django_db
def test_a_link_stops_working_once_the_record_changed(team, client):
    service = team["old"]
    link = reverse(
        "service-confirm", args=[service.pk, freshness.confirm_token(service, "x@example.org")]
    )
    publishing.edit(
        by=team["editor"],
        record=Service.objects.get(pk=service.pk),
        changes={"fields": {"name": "Renamed"}},
        loaded_version=service.version,
    )
    service.refresh_from_db()
    assert service.publication == Publication.PUBLISHED  # a pending revision, same record
    # The edit was kept as a revision, so the record itself is unchanged: the link works.
    assert client.get(link).status_code == 200
    Service.objects.filter(pk=service.pk).update(version=service.version + 1)
    response = client.post(link)
    assert response.status_code == 400
    service.refresh_from_db()
    assert service.assured_date == _days_ago(181)


@pytest.mark.django_db
def test_bad_expired_and_borrowed_tokens_get_a_clear_400(team, client, monkeypatch):
    old, never = team["old"], team["never"]
    token = freshness.confirm_token(old, "x@example.org")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    borrowed = reverse("service-confirm", args=[never.pk, token])  # old's token on never
    for url in (
        reverse("service-confirm", args=[old.pk, tampered]),
        reverse("service-confirm", args=[old.pk, "not-a-token"]),
        borrowed,
        reverse("service-confirm", args=["00000000-0000-0000-0000-000000000000", token]),
    ):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400, url
            assert b"not valid" in response.content
    # 31 days later the signature has expired.
    later = signing.time.time() + 31 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.post(reverse("service-confirm", args=[old.pk, token]))
    assert response.status_code == 400 and b"expired" in response.content
    old.refresh_from_db()
    never.refresh_from_db()
    assert old.assured_date == _days_ago(181) and never.assured_date is None


@pytest.mark.django_db
def test_the_stale_dashboard_is_for_moderators(
    team, client, moderator, django_capture_on_commit_callbacks
):
    url = reverse("stale-dashboard")
    assert client.get(url).status_code == 302  # to the log-in page
    client.force_login(team["editor"])
    assert client.get(url).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        _remind()
    client.force_login(moderator)
    page = client.get(url + "?members=1")
    assert page.status_code == 200
    [row] = [o for o in page.context["organizations"] if o.pk == team["organization"].pk]
    assert row.stale_count == 2
    assert [s.name for s in row.stale_services] == ["Never verified", "Verified long ago"]
    assert row.last_reminded is not None and row.remindable
    assert all(
        o.membership_status == MembershipStatus.APPROVED for o in page.context["organizations"]
    )
    everyone = client.get(url)
    assert len(everyone.context["organizations"]) > len(page.context["organizations"])
    assert (
        everyone.context["total"]
        == Service.objects.filter(publication=Publication.PUBLISHED)
        .exclude(status="defunct")
        .stale()
        .count()
    )


@pytest.mark.django_db
def test_the_public_page_says_when_it_was_verified_and_warns_when_stale(team, client):
    fresh = client.get(reverse("service-page", args=[team["fresh"].pk]))
    assert b"Last verified" in fresh.content and b"note-stale" not in fresh.content
    old = client.get(reverse("service-page", args=[team["old"].pk]))
    assert b"Last verified" in old.content and b"note-stale" in old.content
    assert reverse("service-report", args=[team["old"].pk]).encode() in old.content
    assert reverse("service-suggest").encode() in old.content
