"""A service's own text in the reader's language, with fallback to Greek, then English."""

import pytest
from django.utils import translation

from mapping.localize import fallback_chain, localized
from mapping.models import Service, ServiceTranslation


@pytest.fixture
def clinic(athens):
    return Service.objects.prefetch_related("translations").get(name="DEMO · Primary care clinic")


def test_fallback_chain():
    assert fallback_chain("ar") == ["ar", "el", "en"]
    assert fallback_chain("el") == ["el", "en"]
    assert fallback_chain("en") == ["en", "el"]


def test_each_field_falls_back_on_its_own(clinic):
    arabic = localized(clinic, "ar")
    assert arabic.name == "DEMO · عيادة رعاية أولية (تجريبية)"
    assert arabic.languages["name"] == "ar"
    # No Arabic "how to access": Greek has none either, so the English original is shown.
    ServiceTranslation.objects.filter(service=clinic, language="ar").update(description="")
    clinic = Service.objects.prefetch_related("translations").get(pk=clinic.pk)
    arabic = localized(clinic, "ar")
    assert arabic.description.startswith("Φανταστικό ιατρείο")  # Greek before English
    assert arabic.languages["description"] == "el"
    assert arabic.is_fallback


def test_original_language_wins_for_itself(clinic):
    english = localized(clinic, "en")
    assert english.name == "DEMO · Primary care clinic"
    assert not english.is_fallback
    french = localized(clinic, "fr")
    assert french.name == "DEMO · Ιατρείο πρωτοβάθμιας φροντίδας"  # fr → el
    assert french.name_language == "el"


def test_greek_source_record_reads_greek_everywhere(athens):
    hospital = Service.objects.prefetch_related("translations").get(name="Ευαγγελισμός")
    assert hospital.language == "el"
    assert localized(hospital, "ur").name == "Ευαγγελισμός"
    # GISCO's English facility type is the English description, shown to non-Greek readers.
    assert localized(hospital, "ur").description == "Facility type: General"
    assert localized(hospital, "el").description == "Facility type: General"


def test_pages_and_api_follow_the_reader(client, clinic):
    html = client.get(f"/el/services/{clinic.pk}/").content.decode()
    assert "DEMO · Ιατρείο πρωτοβάθμιας φροντίδας" in html
    assert 'lang="el"' in html
    html = client.get(f"/fr/services/{clinic.pk}/").content.decode()
    assert "Ιατρείο πρωτοβάθμιας φροντίδας" in html  # French falls back to Greek
    body = client.get(f"/api/services/{clinic.pk}/", HTTP_ACCEPT_LANGUAGE="ar").json()
    assert body["name"] == "DEMO · عيادة رعاية أولية (تجريبية)"
    assert body["text_languages"]["name"] == "ar"
    assert {t["language"] for t in body["translations"]} == {"el", "ar"}
    features = client.get(
        "/api/services/", {"theme": "health", "language": "fa"}, HTTP_ACCEPT_LANGUAGE="el"
    ).json()["features"]
    assert "DEMO · Ιατρείο πρωτοβάθμιας φροντίδας" in {f["properties"]["name"] for f in features}


def test_search_finds_translated_names(clinic):
    assert Service.objects.search("ιατρείο πρωτοβάθμιας").filter(pk=clinic.pk).exists()
    assert Service.objects.search("عيادة").filter(pk=clinic.pk).exists()
    ServiceTranslation.objects.create(service=clinic, language="fr", name="DEMO · Cabinet médical")
    assert Service.objects.search("cabinet medical").filter(pk=clinic.pk).exists()


def test_referral_copies_use_each_language(client, clinic):
    with translation.override("en"):
        html = client.get(f"/en/referral/?services={clinic.pk}&lang=ar").content.decode()
    assert "DEMO · عيادة رعاية أولية (تجريبية)" in html
    assert "DEMO · Ιατρείο πρωτοβάθμιας φροντίδας" in html
