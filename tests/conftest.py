"""Shared fixtures: a real PostGIS test database holding Athens, and small builders.

The session loads Athens' geography and the starting data once (committed), so each test runs
inside a transaction over real data. Browser tests need a transactional database, which Django
empties afterwards; they are therefore run last (see ``pytest_collection_modifyitems``) and use
``serialized_rollback`` to get the migration-seeded vocabulary back.
"""

import os

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from geodata.models import Municipality
from mapping.models import (
    MODERATORS_GROUP,
    Location,
    Membership,
    MembershipStatus,
    Organization,
    Service,
    ServiceAtLocation,
)
from tests.browser import chromium_page

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# in a thread with a running loop unless told it is safe (it is: the loop is Playwright's).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Real places, WGS84 (lon, lat).
SYNTAGMA = (23.7348, 37.9755)
KYPSELI_FOKIONOS_NEGRI = (23.7385, 38.0005)
PAGKRATI_PLATEIA_VARNAVA = (23.7478, 37.9660)


def load_athens_data() -> None:
    call_command("load_athens", verbosity=0)
    call_command("load_services", verbosity=0)
    call_command("load_demo", verbosity=0)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached vocabulary follows the test's data)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _rate_limits_in_memory(settings):
    """Rate-limit counters live in memory in tests, fresh for each test (production: the
    shared table of the "ratelimit" cache alias, which would add queries to every budget)."""
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test-ratelimit",
        },
    }
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they ask for a language (the site's default is Greek)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests serve static files from the finders, not from a collected manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_athens_data()
    yield
    # Chromium keeps HTTP connections alive, so a live-server thread (and its database
    # session) can outlive the browser test; end those sessions so the test database drops.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def athens(db) -> Municipality:
    """The Municipality of Athens with its districts, neighbourhoods, tracts and services."""
    return Municipality.objects.get(slug="athens")


@pytest.fixture
def make_service(db):
    """Build a service, optionally located at (lon, lat) in EPSG:4326."""

    def build(name: str = "Test service", at: tuple[float, float] | None = None, **fields):
        organization = Organization.objects.create(name=f"{name} organisation")
        service = Service.objects.create(organization=organization, name=name, **fields)
        if at is not None:
            location = Location.objects.create(name=f"{name} place", point=Point(*at, srid=4326))
            ServiceAtLocation.objects.create(service=service, location=location)
        return service

    return build


@pytest.fixture
def make_member(db, django_user_model):
    """A verified user holding ``role`` ("editor" or "admin") in ``organization`` (a new
    approved member organisation when not given)."""

    def build(email: str, *, organization: Organization | None = None, role: str = "editor"):
        from allauth.account.models import EmailAddress

        if organization is None:
            organization = Organization.objects.create(
                name=f"Organisation of {email}", membership_status=MembershipStatus.APPROVED
            )
        user = django_user_model.objects.create_user(
            username=email, email=email, password="a long test password"
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        Membership.objects.create(user=user, organization=organization, role=role)
        return user

    return build


@pytest.fixture
def moderator(db, django_user_model):
    """A centre moderator (a verified account in the moderators' group)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="moderator", email="moderator@example.org", password="a long test password"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


@pytest.fixture
def page():
    """A headless Chromium page (see tests/browser.py)."""
    with chromium_page() as page:
        yield page


def pytest_collection_modifyitems(items):
    """Run browser (transactional) tests after all the others: they empty the database."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
