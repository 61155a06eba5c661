"""/in-numbers/: live counts, checked against the same numbers counted a different way (in
Python over every row), in a handful of queries."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from mapping.models import (
    Activity,
    Location,
    MembershipStatus,
    Organization,
    Publication,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from tests.conftest import KYPSELI_FOKIONOS_NEGRI, SYNTAGMA

THEMES = ["housing", "health", "legal", "education", "employment", "gender"]


@pytest.fixture
def more_data(make_service, django_user_model):
    """Records that must and must not count, on top of Athens' starting data."""
    now = timezone.now()
    health = TaxonomyTerm.objects.get(code="health")
    legal_child = TaxonomyTerm.objects.categories().filter(parent__code="legal").first()
    counted = make_service("Counted legal aid", at=SYNTAGMA)
    counted.categories.add(legal_child, health)
    remote = make_service("Helpline")  # no place: counts as remote, in no district
    remote.categories.add(health)
    draft = make_service("A draft", at=KYPSELI_FOKIONOS_NEGRI, publication=Publication.DRAFT)
    draft.categories.add(health)
    make_service("Closed", at=KYPSELI_FOKIONOS_NEGRI, status="inactive").categories.add(health)
    # A second place in the same district counts the service once there.
    second = Location.objects.create(name="Annex", point=Point(23.7350, 37.9760, srid=4326))
    ServiceAtLocation.objects.create(service=counted, location=second)

    Organization.objects.create(name="Member", membership_status=MembershipStatus.APPROVED)
    Organization.objects.create(name="Applicant", membership_status=MembershipStatus.PENDING)
    organization = counted.organization

    def activity(title: str, **fields) -> Activity:
        return Activity.objects.create(
            organization=organization, title=title, theme=health, starts_at=now, **fields
        )

    activity("Next week", last_occurs_at=now + datetime.timedelta(days=7))
    activity("Last month", last_occurs_at=now - datetime.timedelta(days=30))
    activity("Every Tuesday, forever", recurrence="FREQ=WEEKLY;BYDAY=TU")
    activity(
        "Unpublished",
        last_occurs_at=now + datetime.timedelta(days=7),
        publication=Publication.DRAFT,
    )
    django_user_model.objects.create_user(username="active", email="a@example.org")
    django_user_model.objects.create_user(username="gone", email="g@example.org", is_active=False)
    return now


def _counted_in_python(now: datetime.datetime) -> dict:
    active = [
        s
        for s in Service.objects.prefetch_related("categories__parent")
        if s.status == "active" and s.publication == "published"
    ]
    active_ids = {s.pk for s in active}
    districts: dict[int, set] = {}
    located: set = set()
    for row in ServiceAtLocation.objects.select_related("location__district__municipality"):
        if row.service_id not in active_ids or row.location.point is None:
            continue
        located.add(row.service_id)
        district = row.location.district
        if district is not None and district.municipality.slug == "athens":
            districts.setdefault(district.number, set()).add(row.service_id)
    activities = [a for a in Activity.objects.all() if a.publication == "published"]
    return {
        "members": sum(
            o.membership_status == "approved"
            for o in Organization.objects.only("pk", "membership_status")
        ),
        "services": len(active),
        "remote": len(active_ids - located),
        "themes": {
            code: sum(any(t.theme.code == code for t in s.categories.all()) for s in active)
            for code in THEMES
        },
        "districts": {number: len(ids) for number, ids in districts.items()},
        "activities": len(activities),
        "upcoming": sum(
            (a.last_occurs_at is None and bool(a.recurrence))
            or (a.last_occurs_at is not None and a.last_occurs_at >= now)
            for a in activities
        ),
        "users": sum(u.is_active for u in get_user_model().objects.all()),
    }


@pytest.mark.django_db
def test_in_numbers_counts_what_is_public_in_a_handful_of_queries(
    athens, more_data, client, django_assert_max_num_queries
):
    expected = _counted_in_python(timezone.now())
    with django_assert_max_num_queries(6):
        response = client.get(reverse("in-numbers"))
    assert response.status_code == 200
    numbers = response.context["numbers"]
    assert numbers.member_organizations == expected["members"]
    assert numbers.active_services == expected["services"]
    assert numbers.remote_services == expected["remote"]
    assert numbers.activities == expected["activities"] == 3
    assert numbers.upcoming_activities == expected["upcoming"] == 2
    assert numbers.registered_users == expected["users"]
    assert {term.code: count for term, count in numbers.themes} == expected["themes"]
    assert [term.code for term, _count in numbers.themes] == THEMES
    by_district = {district.number: count for district, count in numbers.districts}
    assert set(by_district) == set(range(1, 8))
    assert by_district == {n: expected["districts"].get(n, 0) for n in range(1, 8)}
    # The page shows them (the theme table in the page's language).
    assert f'data-count="services">{expected["services"]}<'.encode() in response.content
    assert TaxonomyTerm.objects.get(code="health").name.encode() in response.content


@pytest.mark.django_db
def test_in_numbers_moves_with_the_directory(athens, make_service, client):
    before = client.get(reverse("in-numbers")).context["numbers"]
    health = TaxonomyTerm.objects.get(code="health")
    make_service("New clinic", at=SYNTAGMA).categories.add(health)
    after = client.get(reverse("in-numbers")).context["numbers"]
    assert after.active_services == before.active_services + 1
    themes_before, themes_after = dict(before.themes), dict(after.themes)
    assert themes_after[health] == themes_before[health] + 1
    syntagma_district = Location.objects.get(name="New clinic place").district
    districts_before = {d.number: n for d, n in before.districts}
    districts_after = {d.number: n for d, n in after.districts}
    assert (
        districts_after[syntagma_district.number] == districts_before[syntagma_district.number] + 1
    )
