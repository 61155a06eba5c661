"""The members' service pages (mapping.views.editing): the form's field checks, create →
submit, edits of a published service waiting as a revision, optimistic locking, and row-level
access across organisations."""

import json
import re

import pytest
from django.urls import reverse

from mapping.actions import publishing
from mapping.models import Publication, Revision, RevisionStatus, Service
from tests.conftest import SYNTAGMA

THESSALONIKI_WHITE_TOWER = (22.9484, 40.6264)
PIRAEUS_PORT = (23.6395, 37.9420)  # the next municipality: in Attica, not in Athens

# A square around Syntagma (about 400 m a side), and the same corners crossed (a bow tie).
SQUARE = [[23.732, 37.973], [23.737, 37.973], [23.737, 37.978], [23.732, 37.978], [23.732, 37.973]]
BOW_TIE = [[23.732, 37.973], [23.737, 37.978], [23.737, 37.973], [23.732, 37.978], [23.732, 37.973]]


def form_data(**overrides: object) -> dict[str, object]:
    """A complete, valid POST of the service form; ``overrides`` replace single keys
    (None drops a key)."""
    data: dict[str, object] = {
        "name": "Νομική συμβουλευτική",
        "alternate_name": "",
        "description": "Κάθε Τρίτη.",
        "language": "el",
        "status": "active",
        "alert": "",
        "url": "https://legal.example.org/",
        "email": "info@legal.example.org",
        "categories": ["legal", "legal-asylum"],
        "target_groups": ["asylum-seekers"],
        "minimum_age": "18",
        "maximum_age": "",
        "eligibility_description": "",
        "languages": ["ar", "fa"],
        "interpretation_services": "",
        "application_process": "",
        "is_free": "true",
        "fees_description": "",
        "place_name": "Office",
        "place_address": "Πανεπιστημίου 10",
        "place_postal_code": "10671",
        "lon": str(SYNTAGMA[0]),
        "lat": str(SYNTAGMA[1]),
        "catchment": json.dumps({"type": "Polygon", "coordinates": [SQUARE]}),
        "hours-TOTAL_FORMS": "3",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "28",
        "hours-0-weekday": "2",
        "hours-0-opens": "09:00",
        "hours-0-closes": "13:00",
        "hours-1-weekday": "5",
        "hours-1-opens": "22:00",  # a night shelter's hours run past midnight
        "hours-1-closes": "08:00",
        "hours-2-weekday": "",
        "hours-2-opens": "",
        "hours-2-closes": "",
        "tr-en-name": "Legal advice",
        "tr-en-description": "Every Tuesday.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def editor(make_member):
    return make_member("editor@a.example.org")


@pytest.fixture
def other_editor(make_member):
    return make_member("editor@b.example.org")


def organization_of(user):
    return user.memberships.get().organization


def create_url(user) -> str:
    return reverse("service-create", kwargs={"organization": organization_of(user).pk})


def edit_url(service: Service) -> str:
    return reverse("service-edit", kwargs={"pk": service.pk})


def draft_of(user, **fields: object) -> Service:
    changes = {"fields": {"name": "Legal advice", "description": "Tuesdays.", **fields}}
    return publishing.create_draft(
        by=user, model=Service, organization=organization_of(user), changes=changes
    )


def published_of(user, moderator) -> Service:
    service = draft_of(user)
    publishing.submit_for_review(by=user, record=service)
    publishing.publish(by=moderator, record=service)
    service.refresh_from_db()
    return service


def edit_data(service: Service, **overrides: object) -> dict[str, object]:
    return form_data(version=str(service.version), **overrides)


@pytest.mark.django_db
def test_the_new_service_page_offers_every_part_of_the_form(athens, client, editor):
    client.force_login(editor)
    response = client.get(create_url(editor))
    assert response.status_code == 200
    page = response.content.decode()
    forms = response.context["forms"]
    # Subcategories grouped under their theme, the theme's own box first.
    groups = dict(
        (theme, [box.data["value"] for box in boxes])
        for theme, boxes in forms.main.category_groups()
    )
    assert groups["Legal support"][:2] == ["legal", "legal-asylum"]
    assert 'name="languages" value="prs"' in page  # languages come from mapping.Language
    assert 'id="place-map"' in page and 'id="catchment-map"' in page
    assert 'name="hours-TOTAL_FORMS"' in page and "hours-__prefix__-weekday" in page
    # Translation tabs: every interface language; the text's own language is hidden.
    tabs = {code: own for code, _name, own, _form in forms.translations}
    assert tabs == {"el": False, "en": True, "ar": False, "fa": False, "fr": False, "ur": False}
    # Arabic text is typed right to left, whatever the page's direction.
    arabic_name = re.search(r'<input[^>]*name="tr-ar-name"[^>]*>', page).group()
    assert 'lang="ar"' in arabic_name and 'dir="rtl"' in arabic_name
    config = response.context["map_config"]
    assert config["city"]["type"] == "MultiPolygon"  # the boundary the picker shows
    assert "<script>" not in page and "style=" not in page  # strict CSP: no inline code


@pytest.mark.django_db
def test_create_writes_a_whole_draft_and_submit_sends_it_for_review(
    athens, client, editor, mailoutbox
):
    client.force_login(editor)
    response = client.post(create_url(editor), form_data())
    service = Service.objects.get(organization=organization_of(editor))
    assert response.status_code == 302 and response.url == edit_url(service)
    assert service.publication == Publication.DRAFT
    assert (service.name, service.language, service.minimum_age) == (
        "Νομική συμβουλευτική",
        "el",
        18,
    )
    assert service.is_free is True
    assert set(service.categories.values_list("code", flat=True)) == {"legal", "legal-asylum"}
    assert list(service.target_groups.values_list("code", flat=True)) == ["asylum-seekers"]
    assert set(service.languages.values_list("code", flat=True)) == {"ar", "fa"}
    place = service.service_at_locations.get().location
    assert place.point.coords == pytest.approx(SYNTAGMA) and place.address_1 == "Πανεπιστημίου 10"
    hours = sorted(
        (s.weekday, f"{s.opens_at:%H:%M}", f"{s.closes_at:%H:%M}") for s in service.schedules.all()
    )
    assert hours == [(2, "09:00", "13:00"), (5, "22:00", "08:00")]
    area = service.service_areas.get(name="catchment")
    assert area.extent.geom_type == "MultiPolygon" and area.extent.contains(place.point)
    english = service.translations.get(language="en")
    assert (english.name, english.description) == ("Legal advice", "Every Tuesday.")

    page = client.get(response.url).content.decode()
    assert "Saved as draft." in page
    assert reverse("record-history", kwargs={"kind": "service", "pk": service.pk}) in page
    submit = reverse("service-submit", kwargs={"pk": service.pk})
    assert f'action="{submit}"' in page and "Submit for review" in page

    assert client.post(submit).status_code == 302
    service.refresh_from_db()
    assert service.publication == Publication.IN_REVIEW
    page = client.get(edit_url(service)).content.decode()
    assert "Submitted for review" in page and f'action="{submit}"' not in page
    # A second submit is refused with a message, not an error page.
    response = client.post(submit, follow=True)
    assert "Only a draft or a returned record can be submitted" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"lon": str(THESSALONIKI_WHITE_TOWER[0]), "lat": str(THESSALONIKI_WHITE_TOWER[1])},
            "lon",
            "lies outside",
        ),
        ({"lon": str(PIRAEUS_PORT[0]), "lat": str(PIRAEUS_PORT[1])}, "lon", "lies outside"),
        ({"lon": "200"}, "lon", "outside −180…180"),
        ({"lat": "95"}, "lat", "outside −90…90"),
        ({"lon": "", "lat": ""}, "lon", "Pick the place on the map"),
        ({"lon": "east"}, "lon", "Enter a number"),
        (
            {"catchment": json.dumps({"type": "Polygon", "coordinates": [BOW_TIE]})},
            "catchment",
            "not a valid polygon",
        ),
        (
            {"catchment": json.dumps({"type": "LineString", "coordinates": SQUARE})},
            "catchment",
            "must be a Polygon or MultiPolygon",
        ),
        (
            {"catchment": json.dumps({"type": "Polygon", "coordinates": [SQUARE[:3]]})},
            "catchment",
            "not GeoJSON polygon rings",
        ),
        ({"catchment": "{not json"}, "catchment", "not GeoJSON"),
        ({"minimum_age": "30", "maximum_age": "18"}, "maximum_age", "must not be below"),
        ({"email": "not-an-address"}, "email", "valid email"),
    ],
)
def test_a_bad_field_is_named_next_to_it_and_nothing_is_written(
    athens, client, editor, overrides, field, message
):
    client.force_login(editor)
    response = client.post(create_url(editor), form_data(**overrides))
    assert response.status_code == 400
    errors = response.context["forms"].main.errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert not Service.objects.filter(organization=organization_of(editor)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"hours-2-weekday": "3", "hours-2-opens": "10:00", "hours-2-closes": "10:00"},
            "closes",
            "It closes when it opens",
        ),
        ({"hours-2-weekday": "3", "hours-2-opens": "10:00"}, "closes", "Give the day"),
        ({"hours-2-opens": "10:00", "hours-2-closes": "12:00"}, "weekday", "Give the day"),
        (
            {"hours-2-weekday": "9", "hours-2-opens": "10:00", "hours-2-closes": "12:00"},
            "weekday",
            "Select a valid choice",
        ),
        (
            {"hours-2-weekday": "3", "hours-2-opens": "25:00", "hours-2-closes": "12:00"},
            "opens",
            "Enter a valid time",
        ),
    ],
)
def test_bad_opening_hours_are_refused_in_their_row(athens, client, editor, row, field, message):
    client.force_login(editor)
    response = client.post(create_url(editor), form_data(**row))
    assert response.status_code == 400
    hours = response.context["forms"].hours
    assert hours.errors[0] == {} and hours.errors[1] == {}
    assert message in " ".join(hours.errors[2][field])
    assert not Service.objects.filter(organization=organization_of(editor)).exists()


@pytest.mark.django_db
def test_a_removed_hours_row_and_the_texts_own_language_are_left_out(athens, client, editor):
    client.force_login(editor)
    data = form_data(**{"hours-0-DELETE": "on", "tr-el-name": "ignored: the original is Greek"})
    client.post(create_url(editor), data)
    service = Service.objects.get(organization=organization_of(editor))
    assert list(service.schedules.values_list("weekday", flat=True)) == [5]
    assert list(service.translations.values_list("language", flat=True)) == ["en"]


@pytest.mark.django_db
def test_the_edit_page_starts_from_the_record(athens, client, editor):
    client.force_login(editor)
    client.post(create_url(editor), form_data())
    service = Service.objects.get(organization=organization_of(editor))
    response = client.get(edit_url(service))
    forms = response.context["forms"]
    assert forms.main["name"].value() == "Νομική συμβουλευτική"
    assert forms.main["version"].value() == service.version
    assert [float(forms.main["lon"].value()), float(forms.main["lat"].value())] == pytest.approx(
        list(SYNTAGMA)
    )
    assert json.loads(forms.main["catchment"].value())["type"] == "MultiPolygon"
    assert [row["weekday"].value() for row in forms.hours.forms[:2]] == [2, 5]
    # Saving the page unchanged writes the same record again.
    client.post(edit_url(service), edit_data(service))
    assert service.schedules.count() == 2 and service.service_areas.count() == 1


@pytest.mark.django_db
def test_editing_a_published_service_waits_as_a_revision_and_the_live_one_stays(
    athens, client, editor, moderator
):
    service = published_of(editor, moderator)
    client.force_login(editor)
    response = client.post(edit_url(service), edit_data(service, name="Legal advice, new hours"))
    assert response.status_code == 302
    revision = Revision.objects.of(service).get()
    assert revision.status == RevisionStatus.PENDING
    assert revision.changes["fields"]["name"] == "Legal advice, new hours"
    assert revision.changes["place"]["point"] == pytest.approx(list(SYNTAGMA))
    live = Service.objects.get(pk=service.pk)
    assert (live.name, live.version, live.publication) == (
        "Legal advice",
        service.version,
        "published",
    )
    assert not live.schedules.exists()

    response = client.get(edit_url(service))
    page = response.content.decode()
    assert "Your changes wait for a moderator; the live version stays until approved." in page
    # The page goes on from the pending changes, and says which revision it showed.
    forms = response.context["forms"]
    assert forms.main["name"].value() == "Legal advice, new hours"
    assert forms.main["revision"].value() == revision.pk
    client.post(
        edit_url(service),
        edit_data(service, name="Legal advice, newer", revision=str(revision.pk)),
    )
    statuses = dict(Revision.objects.of(service).values_list("changes__fields__name", "status"))
    assert statuses == {"Legal advice, new hours": "withdrawn", "Legal advice, newer": "pending"}
    assert Service.objects.get(pk=service.pk).name == "Legal advice"


@pytest.mark.django_db
def test_a_save_from_an_older_version_lists_what_changed_and_keeps_the_input(
    athens, client, editor, make_member
):
    colleague = make_member("colleague@a.example.org", organization=organization_of(editor))
    service = draft_of(editor)
    opened = service.version
    client.force_login(editor)
    client.get(edit_url(service))
    publishing.edit(
        by=colleague, record=service, changes={"fields": {"name": "Renamed"}}, loaded_version=opened
    )
    mine = form_data(version=str(opened), description="My own new text")
    response = client.post(edit_url(service), mine)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this record after you opened it" in page
    conflict = response.context["conflict"]
    assert [(c.label, c.then, c.now) for c in conflict.changes if c.field == "name"] == [
        ("name", "Legal advice", "Renamed")
    ]
    assert "<td>Legal advice</td><td>Renamed</td>" in page
    assert "My own new text" in page  # the input is kept
    service.refresh_from_db()
    assert (service.name, service.description) == ("Renamed", "Tuesdays.")  # nothing saved
    # The kept form now carries the current version: saving it again is a deliberate choice.
    forms = response.context["forms"]
    assert forms.main["version"].value() == str(service.version)
    response = client.post(edit_url(service), {**mine, "version": str(service.version)})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.description == "My own new text"


@pytest.mark.django_db
def test_an_edit_without_its_version_is_refused(athens, client, editor):
    service = draft_of(editor)
    client.force_login(editor)
    response = client.post(edit_url(service), form_data())
    assert response.status_code == 400 and "version" in response.context["forms"].main.errors
    service.refresh_from_db()
    assert service.name == "Legal advice"


@pytest.mark.django_db
def test_an_editor_of_another_organisation_gets_403_and_nothing_is_written(
    athens, client, editor, other_editor
):
    service = draft_of(editor)
    client.force_login(other_editor)
    assert client.get(create_url(editor)).status_code == 403
    assert client.post(create_url(editor), form_data()).status_code == 403
    assert client.get(edit_url(service)).status_code == 403
    assert client.post(edit_url(service), edit_data(service, name="Hijacked")).status_code == 403
    submit = reverse("service-submit", kwargs={"pk": service.pk})
    assert client.post(submit).status_code == 403
    assert Service.objects.filter(organization=organization_of(editor)).count() == 1
    service.refresh_from_db()
    assert (service.name, service.publication, service.version) == ("Legal advice", "draft", 1)
    assert not Service.objects.filter(organization=organization_of(other_editor)).exists()


@pytest.mark.django_db
def test_visitors_are_sent_to_log_in_and_unknown_ids_are_404(athens, client, editor):
    service = draft_of(editor)
    response = client.get(edit_url(service))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.post(create_url(editor), form_data()).status_code == 302
    client.force_login(editor)
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("service-edit", kwargs={"pk": missing})).status_code == 404
    assert (
        client.get(reverse("service-create", kwargs={"organization": missing})).status_code == 404
    )
    assert client.get(reverse("service-submit", kwargs={"pk": service.pk})).status_code == 405


@pytest.mark.django_db
def test_a_moderator_adds_for_any_organisation_and_edits_a_published_service_at_once(
    athens, client, editor, moderator
):
    service = published_of(editor, moderator)
    client.force_login(moderator)
    response = client.post(edit_url(service), edit_data(service, name="Corrected by the centre"))
    assert response.status_code == 302
    assert not Revision.objects.of(service).exists()
    service.refresh_from_db()
    assert (service.name, service.publication) == ("Corrected by the centre", "published")
    page = client.get(edit_url(service)).content.decode()
    assert "the published service shows your changes now" in page
    assert client.post(create_url(editor), form_data(name="Added by the centre")).status_code == 302
    assert Service.objects.filter(name="Added by the centre", publication="draft").exists()


@pytest.mark.django_db
def test_a_tampered_post_is_a_form_error_not_a_server_error(athens, client, editor):
    client.force_login(editor)
    data = form_data(**{"hours-TOTAL_FORMS": None, "hours-INITIAL_FORMS": None})
    response = client.post(create_url(editor), data)
    assert response.status_code == 400
    assert "ManagementForm data is missing" in " ".join(
        response.context["forms"].hours.non_form_errors()
    )
    service = draft_of(editor)
    response = client.post(edit_url(service), edit_data(service, revision="not a number"))
    assert response.status_code == 400 and "revision" in response.context["forms"].main.errors
    assert not Service.objects.filter(name="Νομική συμβουλευτική").exists()
