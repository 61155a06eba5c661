"""Moderation: the review queue and page, a record's history and restore, the e-mails of
the review, the admin's row-level rules, and no unpublished service anywhere public."""

import math

import mapbox_vector_tile
import pytest
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.urls import include, path, reverse

from mapping import urls as project_urls
from mapping.actions import publishing
from mapping.models import (
    Organization,
    Publication,
    Revision,
    RevisionStatus,
    Service,
    ServiceAtLocation,
)
from mapping.views.editing import moderation
from tests.conftest import PAGKRATI_PLATEIA_VARNAVA

# The editing area's urls.py includes the moderation pages; until it does, the tests route
# them themselves (the same patterns under the same prefix).
urlpatterns = [
    *project_urls.urlpatterns,
    *i18n_patterns(path("members/", include(moderation.urlpatterns))),
]

CHANGES = {
    "fields": {"name": "Zephyr legal desk", "description": "Asylum advice on Tuesdays."},
    "languages": ["ar", "fa"],
    "place": {
        "name": "Zephyr office",
        "address_1": "Πανεπιστημίου 10",
        "postal_code": "10671",
        "point": list(PAGKRATI_PLATEIA_VARNAVA),
    },
    "hours": [[2, "09:00", "13:00"]],
}


@pytest.fixture(autouse=True)
def _moderation_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def editor(make_member):
    return make_member("editor@a.example.org")


@pytest.fixture
def colleague(make_member, editor):
    """An admin of the editor's organisation."""
    return make_member("admin@a.example.org", organization=_organization(editor), role="admin")


@pytest.fixture
def outsider(make_member):
    return make_member("editor@b.example.org")


def _organization(user) -> Organization:
    return user.memberships.get().organization


def _draft(editor, **fields) -> Service:
    changes = {**CHANGES, "fields": {**CHANGES["fields"], **fields}}
    return publishing.create_draft(
        by=editor, model=Service, organization=_organization(editor), changes=changes
    )


def _in_review(editor, **fields) -> Service:
    return publishing.submit_for_review(by=editor, record=_draft(editor, **fields))


def _published(editor, moderator, **fields) -> Service:
    return publishing.publish(by=moderator, record=_in_review(editor, **fields))


def _review_url(record) -> str:
    return reverse("moderation-review", args=["service", record.pk])


def _history_url(record) -> str:
    return reverse("record-history", args=["service", record.pk])


# ------------------------------------------------------------------------------------------
# The queue and the review page


def test_the_queue_is_for_moderators_only(client, athens, editor, moderator):
    url = reverse("moderation-queue")
    assert url == "/en/members/moderation/"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(editor)
    assert client.get(url).status_code == 403
    record = _in_review(editor)
    assert client.get(_review_url(record)).status_code == 403
    assert (
        client.post(_review_url(record), {"decision": "publish", "version": 2}).status_code == 403
    )
    record.refresh_from_db()
    assert record.publication == Publication.IN_REVIEW
    client.force_login(moderator)
    assert client.get(url).status_code == 200


def test_the_queue_lists_waiting_records_and_pending_changes_with_a_diff(
    client, athens, editor, moderator
):
    waiting = _in_review(editor, name="Zephyr waiting desk")
    _draft(editor, name="Zephyr private draft")
    live = _published(editor, moderator, name="Zephyr published desk")
    publishing.edit(
        by=editor,
        record=live,
        changes={"fields": {"name": "Zephyr renamed desk"}, "languages": ["ar", "en"]},
        loaded_version=live.version,
    )
    client.force_login(moderator)
    html = client.get(reverse("moderation-queue")).content.decode()
    assert "Zephyr waiting desk" in html and _review_url(waiting) in html
    assert "Zephyr private draft" not in html  # a draft is not sent yet
    assert "1 service waiting" in html
    assert "1 change to a published record" in html
    # The field-by-field diff: the live name and the proposed one; the languages changed.
    assert "Zephyr published desk" in html and "Zephyr renamed desk" in html
    assert "Arabic, English" in html and "Arabic, Farsi" in html  # names, not codes
    assert "Asylum advice on Tuesdays." not in html  # unchanged fields are not listed


def test_returning_needs_a_comment_then_returns_the_record(client, athens, editor, moderator):
    record = _in_review(editor)
    client.force_login(moderator)
    form = {"decision": "return", "comment": "  ", "version": record.version}
    response = client.post(_review_url(record), form)
    assert response.status_code == 400
    assert "the comment is required" in response.context["form"].errors["comment"][0]
    record.refresh_from_db()
    assert record.publication == Publication.IN_REVIEW
    form["comment"] = "Add the opening hours in summer."
    response = client.post(_review_url(record), form)
    assert response.status_code == 302 and response["Location"] == reverse("moderation-queue")
    record.refresh_from_db()
    assert record.publication == Publication.RETURNED
    assert record.moderation_comment == "Add the opening hours in summer."


def test_refused_and_stale_decisions_are_form_errors_not_500(client, athens, editor, moderator):
    record = _in_review(editor)
    client.force_login(moderator)
    stale = {"decision": "publish", "version": record.version - 1}
    response = client.post(_review_url(record), stale)
    assert response.status_code == 400
    assert "changed after you opened it" in response.content.decode()
    record.refresh_from_db()
    assert record.publication == Publication.IN_REVIEW
    current = {"decision": "publish", "version": record.version}
    assert client.post(_review_url(record), current).status_code == 302
    record.refresh_from_db()
    assert record.publication == Publication.PUBLISHED
    again = client.post(_review_url(record), {"decision": "publish", "version": record.version})
    assert again.status_code == 400  # the action's ValueError, shown on the form
    assert "Only a record waiting for review" in again.content.decode()
    for bad in ({"decision": "delete", "version": 1}, {"decision": "publish", "version": "x"}):
        assert client.post(_review_url(record), bad).status_code == 400
    assert (
        client.get(reverse("moderation-review", args=["organization", record.pk])).status_code
        == 404
    )


def test_a_pending_change_is_approved_or_returned_on_its_review_page(
    client, athens, editor, moderator
):
    live = _published(editor, moderator)
    revision = publishing.edit(
        by=editor,
        record=live,
        changes={"fields": {"name": "New name"}},
        loaded_version=live.version,
    )
    client.force_login(moderator)
    page = client.get(_review_url(live))
    assert page.status_code == 200
    assert [(d.then, d.now) for d in page.context["differences"]] == [
        ("Zephyr legal desk", "New name")
    ]
    outdated = {"decision": "approve", "version": live.version, "revision": revision.pk + 1}
    assert client.post(_review_url(live), outdated).status_code == 400
    approve = {"decision": "approve", "version": live.version, "revision": revision.pk}
    assert client.post(_review_url(live), approve).status_code == 302
    live.refresh_from_db()
    assert live.name == "New name"
    second = publishing.edit(
        by=editor, record=live, changes={"fields": {"name": "Worse"}}, loaded_version=live.version
    )
    refuse = {"decision": "return_revision", "version": live.version, "revision": second.pk}
    response = client.post(_review_url(live), refuse)
    assert response.status_code == 400 and "comment" in response.context["form"].errors
    refuse["comment"] = "Keep the current name."
    assert client.post(_review_url(live), refuse).status_code == 302
    assert Revision.objects.get(pk=second.pk).status == RevisionStatus.RETURNED
    live.refresh_from_db()
    assert live.name == "New name"


# ------------------------------------------------------------------------------------------
# History and restore


def test_history_shows_who_what_and_why_to_the_organisation_only(
    client, athens, editor, outsider, moderator
):
    record = _draft(editor)
    publishing.edit(
        by=editor,
        record=record,
        changes={"fields": {"name": "Zephyr wrong name"}, "languages": ["en"]},
        loaded_version=record.version,
    )
    client.force_login(outsider)
    assert client.get(_history_url(record)).status_code == 403
    client.force_login(editor)
    response = client.get(_history_url(record))
    assert response.status_code == 200
    newest, oldest = response.context["entries"]
    assert newest.reason == "edited" and newest.row.history_user == editor and newest.is_current
    changed = {d.label: (d.then, d.now) for d in newest.differences}
    assert changed["name"] == ("Zephyr legal desk", "Zephyr wrong name")
    assert changed["languages spoken"] == ("Arabic (ar), Farsi (fa)", "English (en)")  # m2m
    assert oldest.reason == "created" and oldest.differences == []
    assert b"Restore this version" not in response.content  # restoring is the moderators'
    forbidden = client.post(_history_url(record), {"history_id": oldest.row.history_id})
    assert forbidden.status_code == 403
    client.force_login(moderator)
    assert b"Restore this version" in client.get(_history_url(record)).content
    response = client.post(_history_url(record), {"history_id": oldest.row.history_id})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.name == "Zephyr legal desk"
    assert set(record.languages.values_list("code", flat=True)) == {"ar", "fa"}
    other = _draft(editor)
    foreign_row = other.history.get().history_id
    response = client.post(_history_url(record), {"history_id": foreign_row})
    assert response.status_code == 400
    assert "not one of this record's" in response.context["form"].non_field_errors()[0]


# ------------------------------------------------------------------------------------------
# E-mails


def test_moderators_hear_of_a_submission_and_the_organisation_of_the_decision(
    athens,
    editor,
    colleague,
    outsider,
    moderator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        record = _in_review(editor)
    assert [message.to for message in mailoutbox] == [["moderator@example.org"]]
    (asked,) = mailoutbox
    assert "Zephyr legal desk" in asked.subject
    assert f"/en/members/moderation/service/{record.pk}/" in asked.body
    assert asked.body.count("http") == 1 and "://" in asked.body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.return_for_changes(by=moderator, record=record, comment="Add the summer hours.")
    assert sorted(message.to[0] for message in mailoutbox) == [
        "admin@a.example.org",
        "editor@a.example.org",
    ]  # the organisation's people, one message each; not the other organisation's editor
    assert all("Add the summer hours." in message.body for message in mailoutbox)
    assert "returned for changes" in mailoutbox[0].subject


def test_a_change_to_a_published_record_is_announced_too(
    athens, editor, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    live = _published(editor, moderator)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.edit(
            by=editor, record=live, changes={"fields": {"name": "New"}}, loaded_version=live.version
        )
    assert [message.to for message in mailoutbox] == [["moderator@example.org"]]


# ------------------------------------------------------------------------------------------
# Admin


@pytest.fixture
def staff_editor(editor):
    """The editor, also admin staff with the model permissions on services."""
    editor.is_staff = True
    editor.save()
    codenames = ["view_service", "change_service", "delete_service", "view_organization"]
    editor.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return editor


def test_admin_staff_see_and_change_only_their_organisations_rows(
    client, athens, staff_editor, outsider, moderator
):
    own = _draft(staff_editor, name="Zephyr own draft")
    theirs = _draft(outsider, name="Zephyr their draft")
    client.force_login(staff_editor)
    changelist = client.get(reverse("admin:mapping_service_changelist"), {"q": "Zephyr"})
    assert changelist.status_code == 200
    listed = {service.pk for service in changelist.context["cl"].result_list}
    assert listed == {own.pk}
    assert client.get(reverse("admin:mapping_service_change", args=[own.pk])).status_code == 200
    for view in ("change", "delete", "history"):
        url = reverse(f"admin:mapping_service_{view}", args=[theirs.pk])
        assert client.get(url).status_code in (403, 404), view
    response = client.post(
        reverse("admin:mapping_service_change", args=[theirs.pk]), {"name": "Taken over"}
    )
    assert response.status_code in (403, 404)
    theirs.refresh_from_db()
    assert theirs.name == "Zephyr their draft"
    organizations = client.get(reverse("admin:mapping_organization_changelist"))
    assert {o.pk for o in organizations.context["cl"].result_list} == {own.organization_id}
    # Moderators see every organisation's rows.
    moderator.is_staff = True
    moderator.save()
    client.force_login(moderator)
    changelist = client.get(reverse("admin:mapping_service_changelist"), {"q": "Zephyr"})
    assert {s.pk for s in changelist.context["cl"].result_list} == {own.pk, theirs.pk}


def test_admin_a_published_record_is_read_only_to_its_organisations_staff(
    client, athens, staff_editor, moderator
):
    live = _published(staff_editor, moderator)
    client.force_login(staff_editor)
    url = reverse("admin:mapping_service_change", args=[live.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]  # edits go through review
    assert client.post(url, {"name": "Changed live"}).status_code == 403
    live.refresh_from_db()
    assert live.name == "Zephyr legal desk"


# ------------------------------------------------------------------------------------------
# No leaks of unpublished records


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def test_an_unpublished_service_is_nowhere_public(
    client,
    athens,
    editor,
    outsider,
    moderator,
    make_service,
    django_capture_on_commit_callbacks,
):
    caches["tiles"].clear()
    with django_capture_on_commit_callbacks(execute=True):  # tile points follow on commit
        control = make_service("Zephyr public desk", at=PAGKRATI_PLATEIA_VARNAVA)
        draft = _draft(editor)  # at the same coordinates, in its own place
        in_review = _in_review(editor, name="Zephyr desk in review")
    control_place = control.service_at_locations.get()
    draft_place = draft.service_at_locations.get()
    # A draft also linked to the public service's place: not among "other services here".
    ServiceAtLocation.objects.create(service=draft, location=control_place.location)
    hidden = {str(draft.pk), str(in_review.pk), str(draft_place.pk)}

    def shows_only_the_control(url: str, params: dict | None = None) -> None:
        response = client.get(url, params or {})
        assert response.status_code == 200, url
        body = response.content.decode()
        assert str(control.pk) in body, url  # the check can fail: the public record is there
        assert not any(pk in body for pk in hidden), url
        assert "Zephyr legal desk" not in body, url

    def not_found(url: str) -> None:
        assert client.get(url).status_code == 404, url

    for record in (draft, in_review):
        not_found(reverse("service-page", args=[record.pk]))
        not_found(f"/api/services/{record.pk}/")
        not_found(f"/api/services/{record.pk}/catchment/")
        not_found(f"/hsds/services/{record.pk}")
    not_found(f"/hsds/service_at_locations/{draft_place.pk}")
    not_found(f"/ogc/collections/services/items/{draft_place.pk}")
    not_found(reverse("referral-sheet") + f"?services={draft.pk}&lang=en")
    # Lists and the map's data: the public service at the same spot, and nothing else.
    lon, lat = PAGKRATI_PLATEIA_VARNAVA
    shows_only_the_control("/api/services/", {"q": "Zephyr"})
    shows_only_the_control("/api/services/", {"near": f"{lon},{lat}", "limit": 50})
    shows_only_the_control("/hsds/services", {"search": "Zephyr"})
    shows_only_the_control("/hsds/service_at_locations", {"search": "Zephyr"})
    bbox = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    shows_only_the_control("/ogc/collections/services/items", {"bbox": bbox})
    shows_only_the_control(reverse("service-page", args=[control.pk]))
    tile = client.get(reverse("tile", args=["services", *_tile_of(lon, lat, 18)]))
    features = mapbox_vector_tile.decode(tile.content)["services"]["features"]
    shown = {feature["properties"]["service_id"] for feature in features}
    assert str(control.pk) in shown and not shown & hidden
    organizations = client.get("/ogc/collections/organizations/items", {"bbox": bbox}).json()
    listed = {feature["id"] for feature in organizations["features"]}
    assert str(control.organization_id) in listed
    assert str(draft.organization_id) not in listed  # it has no published service
    # A preview for the organisation and the moderators; a 404 for anyone else.
    client.force_login(outsider)
    not_found(reverse("service-page", args=[draft.pk]))
    for viewer in (editor, moderator):
        client.force_login(viewer)
        response = client.get(reverse("service-page", args=[draft.pk]))
        assert response.status_code == 200
        assert "Draft — not public" in response.content.decode()
        assert "private" in response["Cache-Control"]
        not_found(f"/api/services/{draft.pk}/")  # the API is public: no preview there
    public = client.get(reverse("service-page", args=[control.pk])).content.decode()
    assert "Draft — not public" not in public
