"""Activities: the read rules (upcoming, periods, filters), recurrence expansion in Athens
time, the activity editor, the members' forms with their row-level access, the public list
and page, and the iCalendar feed read back with the icalendar library."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from mapping.actions import publishing
from mapping.models import Activity, Location, Publication, Revision, TaxonomyTerm
from mapping.models.activity import ATHENS_TZ, parse_recurrence
from tests.conftest import KYPSELI_FOKIONOS_NEGRI, SYNTAGMA

UTC = datetime.UTC


def local(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ATHENS_TZ)


def soon(days: int, hour: int = 18) -> datetime.datetime:
    """``days`` from today at ``hour`` o'clock, Athens time."""
    day = timezone.localdate(timezone=ATHENS_TZ) + datetime.timedelta(days=days)
    return local(day.year, day.month, day.day, hour)


def changes(
    title: str = "Greek for beginners",
    *,
    starts: datetime.datetime | None = None,
    hours: int | None = 2,
    recurrence: str = "",
    theme: str = "education",
    at: tuple[float, float] | None = SYNTAGMA,
    online_url: str = "",
    languages: tuple[str, ...] = ("ar",),
) -> dict:
    starts = starts or soon(3)
    ends = starts + datetime.timedelta(hours=hours) if hours else None
    return {
        "fields": {
            "title": title,
            "description": "Bring a notebook.",
            "language": "en",
            "theme": theme,
            "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat() if ends else None,
            "recurrence": recurrence,
            "online_url": online_url,
            "registration_url": "https://example.org/register",
            "capacity": 12,
        },
        "languages": list(languages),
        "audience": ["women"],
        "place": None
        if at is None
        else {"name": "Community hall", "address_1": "Πανεπιστημίου 10", "point": list(at)},
    }


@pytest.fixture
def editor(make_member):
    return make_member("editor@a.example.org")


@pytest.fixture
def other_editor(make_member):
    return make_member("editor@b.example.org")


def organization_of(user):
    return user.memberships.get().organization


def draft(user, **kwargs) -> Activity:
    return publishing.create_draft(
        model=Activity, by=user, organization=organization_of(user), changes=changes(**kwargs)
    )


def published(user, moderator, **kwargs) -> Activity:
    activity = draft(user, **kwargs)
    publishing.submit_for_review(by=user, record=activity)
    publishing.publish(by=moderator, record=activity)
    activity.refresh_from_db()
    return activity


# -- recurrence and the read rules ---------------------------------------------------------


def test_a_weekly_rule_keeps_athens_wall_time_across_the_clock_change():
    # Athens moves to summer time on Sunday 28 March 2027 (UTC+2 → UTC+3).
    activity = Activity(
        starts_at=local(2027, 3, 16, 18),
        ends_at=local(2027, 3, 16, 20),
        recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=4",
    )
    dates = activity.occurrences(local(2027, 3, 1), local(2027, 5, 1))
    assert [begins.date() for begins, _ in dates] == [
        datetime.date(2027, 3, 16),
        datetime.date(2027, 3, 23),
        datetime.date(2027, 3, 30),
        datetime.date(2027, 4, 6),
    ]
    assert {(begins.hour, ends.hour) for begins, ends in dates} == {(18, 20)}
    assert [begins.astimezone(UTC).hour for begins, _ in dates] == [16, 16, 15, 15]
    # An occurrence under way at the start of a period is still in it.
    under_way = activity.occurrences(local(2027, 3, 23, 19), local(2027, 3, 24))
    assert [begins.day for begins, _ in under_way] == [23]


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "stops repeating"),
        ("FREQ=HOURLY;COUNT=3", "FREQ=DAILY"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "not valid"),
        ("FREQ=DAILY;COUNT=600", "two years"),
        ("FREQ=MONTHLY;UNTIL=20300101T000000Z", "two years"),
        ("FREQ=WEEKLY;UNTIL=20270101T000000", "not valid"),  # UNTIL must be UTC
        ("FREQ=WEEKLY;UNTIL=20200101T000000Z", "no date"),
        ("garbage", "FREQ=DAILY"),
    ],
)
def test_bad_or_unbounded_rules_are_refused_with_a_reason(rule, says):
    with pytest.raises(ValidationError) as refused:
        parse_recurrence(rule, local(2027, 1, 5, 18))
    assert says in " ".join(refused.value.message_dict["recurrence"])


@pytest.mark.django_db
def test_the_editor_derives_when_the_last_occurrence_ends(athens, editor):
    starts = soon(2)
    once = draft(editor, starts=starts)
    assert once.last_occurs_at == starts + datetime.timedelta(hours=2)
    assert once.publication == Publication.DRAFT and once.version == 1
    assert once.history.count() == 1
    weekly = draft(editor, starts=starts, recurrence="FREQ=WEEKLY;COUNT=3")
    assert weekly.last_occurs_at == starts + datetime.timedelta(days=14, hours=2)
    assert weekly.location.district is not None  # the new place went through the spatial join
    assert set(weekly.languages.values_list("code", flat=True)) == {"ar"}
    publishing.edit(
        by=editor,
        record=weekly,
        changes={"fields": {"recurrence": "", "ends_at": None}},
        loaded_version=1,
    )
    weekly.refresh_from_db()
    assert weekly.last_occurs_at == starts
    with pytest.raises(ValidationError):
        publishing.edit(
            by=editor,
            record=weekly,
            changes={"fields": {"recurrence": "FREQ=DAILY"}},
            loaded_version=weekly.version,
        )
    weekly.refresh_from_db()
    assert weekly.recurrence == ""  # the refused edit wrote nothing


@pytest.mark.django_db
def test_an_activity_needs_a_place_or_an_online_link(athens, editor):
    with pytest.raises(ValidationError):
        draft(editor, at=None)
    online = draft(editor, at=None, online_url="https://meet.example.org/greek")
    assert online.location is None
    assert Activity.objects.filter(organization=organization_of(editor)).count() == 1


@pytest.mark.django_db
def test_upcoming_and_between_rules(athens, editor):
    now = timezone.now()
    past = draft(editor, title="Past", starts=soon(-10))
    under_way = draft(editor, title="Weekly", starts=soon(-8), recurrence="FREQ=WEEKLY;COUNT=4")
    future = draft(editor, title="Future", starts=soon(20))
    forever = Activity.objects.create(
        organization=organization_of(editor),
        title="Forever",
        theme=TaxonomyTerm.objects.themes().get(code="health"),
        starts_at=soon(-100),
        recurrence="FREQ=WEEKLY",  # written outside the forms: no end, so always upcoming
        online_url="https://example.org",
    )
    mine = Activity.objects.filter(organization=organization_of(editor))
    assert set(mine.upcoming(now)) == {under_way, future, forever}
    assert set(mine.between(soon(-11), soon(-9))) == {past, forever}
    assert set(mine.between(soon(15), soon(25))) == {future, forever}
    assert set(mine.published()) == {forever}  # created outside the flow: published


@pytest.mark.django_db
def test_filters_by_theme_district_and_language(athens, editor):
    syntagma = draft(editor, title="Syntagma", at=SYNTAGMA, theme="health", languages=("ar",))
    kypseli = draft(
        editor, title="Kypseli", at=KYPSELI_FOKIONOS_NEGRI, theme="legal", languages=("fa", "ar")
    )
    mine = Activity.objects.filter(organization=organization_of(editor))
    assert list(mine.in_theme("health")) == [syntagma]
    district = kypseli.location.district
    assert district.number != syntagma.location.district.number
    assert list(mine.in_district(district.number)) == [kypseli]
    assert list(mine.speaking("fa")) == [kypseli]
    assert set(mine.speaking("ar")) == {syntagma, kypseli}  # EXISTS: each once


# -- the public list, page and feed --------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_published_upcoming_activities_only(
    client, athens, editor, moderator, django_assert_max_num_queries
):
    shown = published(editor, moderator, title="Sewing circle", recurrence="FREQ=WEEKLY;COUNT=3")
    draft(editor, title="Secret draft")
    published(editor, moderator, title="Long gone", starts=soon(-30))
    published(editor, moderator, title="Far away", starts=soon(90))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("activity-list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Sewing circle" in text and "and 2 more dates in this period" in text
    assert reverse("activity-detail", args=[shown.pk]) in text
    assert "Secret draft" not in text and "Long gone" not in text
    assert "Far away" not in text  # beyond the default 60 days
    assert "Far away" in client.get(reverse("activity-list"), {"to": soon(100).date()}).text


@pytest.mark.django_db
def test_a_period_lists_only_activities_with_a_date_in_it(client, athens, editor, moderator):
    tuesday = soon(7)
    while tuesday.weekday() != 1:
        tuesday += datetime.timedelta(days=1)
    published(
        editor,
        moderator,
        title="Tuesday group",
        starts=tuesday,
        recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=5",
    )
    wednesday = (tuesday + datetime.timedelta(days=8)).date()
    empty = client.get(reverse("activity-list"), {"from": wednesday, "to": wednesday})
    assert "Tuesday group" not in empty.text
    next_tuesday = (tuesday + datetime.timedelta(days=14)).date()
    found = client.get(reverse("activity-list"), {"from": wednesday, "to": next_tuesday})
    assert "Tuesday group" in found.text
    assert next_tuesday.isoformat() in found.text  # the date shown is the one in the period


@pytest.mark.django_db
def test_list_filters_and_bad_values(client, athens, editor, moderator):
    published(editor, moderator, title="Health talk", theme="health", languages=("fa",))
    published(editor, moderator, title="Legal clinic", theme="legal", languages=("ar",))
    url = reverse("activity-list")
    by_theme = client.get(url, {"theme": "health"}).text
    assert "Health talk" in by_theme and "Legal clinic" not in by_theme
    by_language = client.get(url, {"language": "ar"}).text
    assert "Legal clinic" in by_language and "Health talk" not in by_language
    bad = client.get(url, {"from": "tomorrow", "district": "99", "theme": "x", "page": "zz"})
    assert bad.status_code == 200
    assert "Some filters were not understood" in bad.text
    assert "Health talk" in bad.text and "Legal clinic" in bad.text  # bad filters left out
    assert f'href="{reverse("activity-feed")}"' in bad.text  # the feed link keeps good ones only
    assert f'href="{reverse("activity-feed")}?theme=health"' in by_theme
    backwards = client.get(url, {"from": "2027-02-01", "to": "2027-01-01"})
    assert "The end of the period is before its start." in backwards.text


@pytest.mark.django_db
def test_the_list_is_paginated(client, athens, editor):
    theme = TaxonomyTerm.objects.themes().get(code="education")
    Activity.objects.bulk_create(
        Activity(
            organization=organization_of(editor),
            title=f"Class {number:02}",
            theme=theme,
            starts_at=soon(1 + number % 20),
            last_occurs_at=soon(1 + number % 20),
            online_url="https://example.org",
        )
        for number in range(25)
    )
    first = client.get(reverse("activity-list"))
    assert first.text.count('class="activity-item"') == 20
    assert "Page 1 of 2" in first.text
    second = client.get(reverse("activity-list"), {"page": 2})
    assert second.text.count('class="activity-item"') == 5


@pytest.mark.django_db
def test_a_draft_page_is_only_for_its_organisation_and_moderators(
    client, athens, editor, other_editor, moderator
):
    activity = draft(editor, title="Not yet")
    url = reverse("activity-detail", args=[activity.pk])
    assert client.get(url).status_code == 404
    client.force_login(other_editor)
    assert client.get(url).status_code == 404
    client.force_login(moderator)
    assert "Preview" in client.get(url).text
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200 and "Not yet" in response.text


@pytest.mark.django_db
def test_the_feed_is_icalendar_with_published_activities(client, athens, editor, moderator):
    weekly = published(editor, moderator, title="Weekly Greek", recurrence="FREQ=WEEKLY;COUNT=4")
    online = published(
        editor,
        moderator,
        title="Webinar",
        at=None,
        online_url="https://meet.example.org/x",
        theme="legal",
    )
    draft(editor, title="Draft talk")
    response = client.get(reverse("activity-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {"Weekly Greek", "Webinar"}
    event = events["Weekly Greek"]
    assert str(event["UID"]) == f"{weekly.pk}@testserver"
    assert event["DTSTART"].params["TZID"] == "Europe/Athens"
    assert event.decoded("DTSTART") == weekly.starts_at
    assert event.decoded("DTEND") == weekly.ends_at
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["COUNT"] == [4]
    assert "Community hall" in str(event["LOCATION"])
    assert str(event["URL"]).endswith(reverse("activity-detail", args=[weekly.pk]))
    assert "DTSTAMP" in event
    assert str(events["Webinar"]["LOCATION"]) == online.online_url
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Athens"]
    legal = Calendar.from_ical(client.get(reverse("activity-feed"), {"theme": "legal"}).content)
    assert [str(event["SUMMARY"]) for event in legal.walk("VEVENT")] == ["Webinar"]
    refused = client.get(reverse("activity-feed"), {"from": "soon"})
    assert refused.status_code == 400 and "from" in refused.text


# -- members' forms ----------------------------------------------------------------------


def form_data(**overrides) -> dict:
    starts = soon(5, hour=17)
    data = {
        "title": "Arabic–Greek conversation",
        "description": "Informal.",
        "language": "el",
        "theme": "education",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "repeat": "once",
        "place": "new",
        "place_name": "Library",
        "address_1": "Φωκίωνος Νέγρη 20",
        "postal_code": "11361",
        "latitude": str(KYPSELI_FOKIONOS_NEGRI[1]),
        "longitude": str(KYPSELI_FOKIONOS_NEGRI[0]),
        "languages": ["ar", "el"],
        "audience": ["women"],
        "capacity": "15",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


@pytest.mark.django_db
def test_a_member_adds_a_weekly_activity_as_a_draft(client, athens, editor):
    client.force_login(editor)
    organization = organization_of(editor)
    url = reverse("activity-create", args=[organization.pk])
    assert client.get(url).status_code == 200
    until = (soon(5) + datetime.timedelta(days=30)).date()
    response = client.post(
        url, form_data(repeat="weekly", weekdays=["TU", "TH"], until=until.isoformat())
    )
    activity = Activity.objects.get(organization=organization)
    assert response.status_code == 302
    assert response["Location"] == reverse("activity-edit", args=[activity.pk])
    assert activity.publication == Publication.DRAFT
    assert activity.starts_at.astimezone(ATHENS_TZ).hour == 17  # typed in Athens time
    last_second = datetime.datetime.combine(until, datetime.time(23, 59, 59), ATHENS_TZ)
    stamp = last_second.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert activity.recurrence == f"FREQ=WEEKLY;BYDAY=TU,TH;UNTIL={stamp}"
    assert activity.location.organization == organization
    assert activity.location.district is not None
    assert set(activity.languages.values_list("code", flat=True)) == {"ar", "el"}
    # The edit form reads the rule back as the friendly choice.
    page = client.get(response["Location"]).text
    assert re.search(r'value="weekly"[^>]*checked', page)
    assert f'value="{until.isoformat()}"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": soon(4).strftime("%Y-%m-%dT%H:%M")}, "ends_at", "cannot end before"),
        ({"place": "online", "online_url": ""}, "online_url", "place or an online link"),
        ({"repeat": "weekly"}, "until", "last day"),
        ({"repeat": "every_n_weeks", "until": "2099-01-01", "interval": "2"}, "until", "two years"),
        ({"repeat": "rule", "rule": "FREQ=SECONDLY;COUNT=2"}, "rule", "FREQ=DAILY"),
        ({"place": "new", "latitude": ""}, "latitude", "position"),
        ({"place": "existing"}, "location", "Choose one of your places"),
        ({"starts_at": "yesterday-ish"}, "starts_at", "Enter a valid date/time"),
    ],
)
def test_the_form_explains_what_is_wrong(client, athens, editor, overrides, field, message):
    client.force_login(editor)
    url = reverse("activity-create", args=[organization_of(editor).pk])
    response = client.post(url, form_data(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not Activity.objects.filter(organization=organization_of(editor)).exists()


@pytest.mark.django_db
def test_a_place_of_another_organisation_cannot_be_chosen(client, athens, editor, other_editor):
    theirs = draft(other_editor).location
    client.force_login(editor)
    url = reverse("activity-create", args=[organization_of(editor).pk])
    response = client.post(url, form_data(place="existing", location=str(theirs.pk)))
    assert response.status_code == 400 and "location" in response.context["form"].errors
    mine = draft(editor).location
    response = client.post(url, form_data(place="existing", location=str(mine.pk)))
    assert response.status_code == 302
    assert Location.objects.filter(organization=organization_of(editor)).count() == 1


@pytest.mark.django_db
def test_no_one_changes_another_organisations_activities(client, athens, editor, other_editor):
    activity = draft(editor)
    create = reverse("activity-create", args=[organization_of(editor).pk])
    edit = reverse("activity-edit", args=[activity.pk])
    submit = reverse("activity-submit", args=[activity.pk])
    assert client.get(edit).status_code == 302  # anonymous: to the log-in page
    assert client.post(submit).status_code == 302
    client.force_login(other_editor)
    assert client.get(create).status_code == 403
    assert client.post(create, form_data()).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, form_data(title="Hijacked", version="1")).status_code == 403
    assert client.post(submit).status_code == 403
    activity.refresh_from_db()
    assert activity.title == "Greek for beginners" and activity.publication == Publication.DRAFT
    assert Activity.objects.filter(organization=organization_of(editor)).count() == 1


@pytest.mark.django_db
def test_edit_submit_and_a_revision_of_the_published_activity(client, athens, editor, moderator):
    activity = draft(editor)
    client.force_login(editor)
    edit = reverse("activity-edit", args=[activity.pk])
    page = client.get(edit)
    assert page.context["form"].initial["place"] == "existing"
    response = client.post(
        edit,
        form_data(
            title="Renamed", version="1", place="existing", location=str(activity.location.pk)
        ),
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Renamed" and activity.version == 2
    client.post(reverse("activity-submit", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.publication == Publication.IN_REVIEW
    again = client.post(reverse("activity-submit", args=[activity.pk]), follow=True)
    assert "Only a draft or a returned record" in again.text
    publishing.publish(by=moderator, record=activity)
    activity.refresh_from_db()
    response = client.post(
        edit,
        form_data(
            title="Renamed again",
            version=str(activity.version),
            place="online",
            online_url="https://meet.example.org/a",
        ),
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Renamed"  # the live activity waits for the moderator
    revision = Revision.objects.of(activity).pending().get()
    assert revision.changes["fields"]["title"] == "Renamed again"
    assert client.get(edit).context["form"].initial["title"] == "Renamed again"
    publishing.approve_revision(by=moderator, revision=revision)  # the editor applies it
    activity.refresh_from_db()
    assert activity.title == "Renamed again" and activity.location is None
    assert activity.online_url == "https://meet.example.org/a"


@pytest.mark.django_db
def test_a_save_from_an_old_version_is_refused_with_what_changed(client, athens, editor):
    activity = draft(editor)
    client.force_login(editor)
    edit = reverse("activity-edit", args=[activity.pk])
    publishing.edit(
        by=editor, record=activity, changes={"fields": {"title": "Colleague's"}}, loaded_version=1
    )
    response = client.post(edit, form_data(title="Mine", version="1"))
    assert response.status_code == 409
    assert "Someone else saved this record" in response.text
    assert "Colleague&#x27;s" in response.text or "Colleague's" in response.text
    assert response.context["form"]["version"].value() == "2"  # saving again is deliberate
    activity.refresh_from_db()
    assert activity.title == "Colleague's"


# -- in a real browser ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_member_fills_the_activity_form_in_a_browser(live_server, page, make_member):
    """The repeat and place options show only their own inputs (activities.js, under the
    strict CSP), and the weekly activity is saved as a draft."""
    editor = make_member("browser@a.example.org")
    organization = organization_of(editor)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.fill("input[name=login]", "browser@a.example.org")
    page.fill("input[name=password]", "a long test password")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/members/my/")
    page.goto(live_server.url + reverse("activity-create", args=[organization.pk]))

    until = page.locator("input[name=until]")
    assert not until.is_visible()  # "once" is chosen: no repeat inputs
    page.check("input[name=repeat][value=weekly]")
    assert until.is_visible() and not page.locator("input[name=rule]").is_visible()
    page.check("input[name=place][value=online]")
    assert not page.locator("input[name=address_1]").is_visible()

    starts = soon(4, hour=11)
    page.fill("input[name=title]", "Job search workshop")
    page.select_option("select[name=theme]", "employment")
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=weekdays][value=MO]")
    page.fill("input[name=until]", (starts + datetime.timedelta(days=21)).date().isoformat())
    page.fill("input[name=online_url]", "https://meet.example.org/jobs")
    page.click("form.activity-form button[type=submit]")
    page.wait_for_url("**/edit/")
    activity = Activity.objects.get(organization=organization)
    assert activity.title == "Job search workshop" and activity.location is None
    assert activity.recurrence.startswith("FREQ=WEEKLY;BYDAY=MO;UNTIL=")
    assert page.locator(".activity-messages").inner_text().startswith("Saved as a draft")
    assert refused == []
