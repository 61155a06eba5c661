"""Every admin page renders for staff, with filters and map widgets, in bounded queries."""

import pytest
from django.contrib import admin
from django.urls import reverse

from mapping.models import Location, Service


@pytest.fixture
def staff_client(client, django_user_model, athens):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw-not-used")
    client.force_login(user)
    return client


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_changelist_and_add_pages_render(staff_client, model):
    assert staff_client.get(_admin_url(model, "changelist")).status_code == 200
    assert staff_client.get(_admin_url(model, "add")).status_code == 200
    first = model.objects.first()
    if first is not None:
        assert staff_client.get(_admin_url(model, "change", first.pk)).status_code == 200


def test_service_list_filters(staff_client):
    url = _admin_url(Service, "changelist")
    html = staff_client.get(url, {"theme": "gender"}).content.decode()
    assert "Colour Youth" in html
    assert "Ευαγγελισμός" not in html
    district_one = Location.objects.get(name="Ευαγγελισμός").district.number
    html = staff_client.get(url, {"district": district_one, "is_demo__exact": "0"}).content.decode()
    assert "Ευαγγελισμός" in html
    assert "Colour Youth" in html  # Kerameikos-side of the 1st district
    assert staff_client.get(url, {"q": "Ευαγγελισμός"}).status_code == 200


def test_location_change_page_has_a_leaflet_widget(staff_client):
    location = Location.objects.get(name="Ευαγγελισμός")
    html = staff_client.get(_admin_url(Location, "change", location.pk)).content.decode()
    assert "leaflet/leaflet.js" in html
    assert 'id="id_point-map"' in html or "id_point" in html
    assert "1η Δημοτική Κοινότητα" in html  # the spatial join, shown read-only


def test_service_changelist_query_budget(staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        staff_client.get(_admin_url(Service, "changelist"))
