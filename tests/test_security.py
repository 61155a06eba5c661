"""Deployment security: `check --deploy`, the Content-Security-Policy (header and a real browser),
no inline code in templates, and rate limits (API throttles, allauth log-in) answering 429 with
Retry-After from counters every worker process shares."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.urls import reverse

from mapping.models import Location, Service
from tests.conftest import load_athens_data

ROOT = Path(__file__).resolve().parent.parent
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def _run_django(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with ``env`` (settings are read at import)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HARTIS_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "mapping.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "hartis.example.org",
    "DJANGO_SECURE": "1",
}


# --- check --deploy ------------------------------------------------------------------------


def test_deploy_check_passes_with_the_production_switch():
    result = _run_django("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_it():
    """The same environment without DJANGO_SECURE=1: HTTPS redirect, HSTS and cookies missing."""
    env = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_SECURE"}
    result = _run_django("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def _settings_in(names: str, **env: str) -> str:
    code = f"from django.conf import settings; print([getattr(settings, n) for n in {names!r}])"
    return _run_django("shell", "--no-imports", "-c", code, **env)


def test_production_switch_settings_and_proxy_header():
    result = _settings_in(
        [
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "CSRF_COOKIE_HTTPONLY",
            "SECURE_PROXY_SSL_HEADER",
        ],
        **PRODUCTION,
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto:https",
    )
    assert result.returncode == 0, result.stderr
    expected = [True, 31536000, True, True, True, ("HTTP_X_FORWARDED_PROTO", "https")]
    assert result.stdout.strip() == str(expected)


def test_a_malformed_proxy_header_or_rate_is_a_clear_start_up_error():
    bad_header = _settings_in(["DEBUG"], DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert bad_header.returncode != 0
    assert "DJANGO_SECURE_PROXY_SSL_HEADER must look like" in bad_header.stderr
    bad_rate = _settings_in(["DEBUG"], HARTIS_API_RATE_LIMIT="lots")
    assert bad_rate.returncode != 0
    assert "HARTIS_API_RATE_LIMIT must be 'off' or a number per period" in bad_rate.stderr


# --- Content-Security-Policy -----------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def test_pages_carry_a_strict_policy(client, athens):
    policy = _policy(client.get("/en/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no nonce unless a page uses one
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    # The basemap's tile server, from settings, is the only other origin, and only for images.
    assert policy["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    header = client.get("/en/").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_basemap_origin_follows_the_tile_url():
    from mapping.settings import _origin

    assert _origin("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org:8443"
    )
    assert _origin("http://tiles.local/{z}/{x}/{y}.png") == "http://tiles.local"


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # inline script (json_script has a type)
    re.compile(r"\sstyle\s*=", re.I),  # style attributes
    re.compile(r"\son[a-z]+\s*=", re.I),  # onclick=, onchange=…
    re.compile(r"<style", re.I),
]


def test_templates_hold_no_inline_code_or_style():
    """What the policy refuses must not be in our templates (json_script's JSON is data)."""
    found = []
    for folder in (
        ROOT / "templates",
        ROOT / "layers" / "templates",
        ROOT / "mapping" / "templates",
    ):
        for template in folder.rglob("*.html") if folder.exists() else []:
            for number, line in enumerate(template.read_text().splitlines(), 1):
                if any(pattern.search(line) for pattern in INLINE):
                    found.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


# --- Rate limits ------------------------------------------------------------------------------


@pytest.fixture
def local_rate_limits(settings):
    """Counters in memory for the test (production shares them through the database), with a
    small API allowance."""
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": LOCMEM, "LOCATION": "test-ratelimit"},
    }
    settings.HARTIS = {**settings.HARTIS, "API_RATE_LIMIT": "3/min"}
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.mark.parametrize(
    "url",
    [
        "/api/services/?limit=1",
        "/hsds/taxonomies",
        "/ogc/collections/services/items?limit=1&f=json",
    ],
)
def test_api_allows_the_rate_then_answers_429_with_retry_after(
    client, athens, local_rate_limits, url
):
    for _ in range(3):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another client address has its own allowance.
    assert client.get(url, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_api_counts_the_address_the_trusted_proxy_saw(client, athens, local_rate_limits, settings):
    """Behind one proxy, the last X-Forwarded-For entry is the client; what it prepends is not."""
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for spoofed in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        response = client.get(
            "/api/services/?limit=1", HTTP_X_FORWARDED_FOR=f"{spoofed}, 198.51.100.4"
        )
        assert response.status_code == 200
    response = client.get("/api/services/?limit=1", HTTP_X_FORWARDED_FOR="10.0.0.9, 198.51.100.4")
    assert response.status_code == 429


def test_api_rate_limit_off(client, athens, local_rate_limits, settings):
    settings.HARTIS = {**settings.HARTIS, "API_RATE_LIMIT": None}
    for _ in range(6):
        assert client.get("/hsds/taxonomies").status_code == 200


def test_api_counters_are_kept_in_the_shared_table(client, athens, settings):
    """The production "ratelimit" alias is the UNLOGGED table of mapping 0010, which every
    worker process reads: a count made by one is seen by all. (Other tests count in memory:
    tests/conftest.py swaps the alias; this one puts the production alias back.)"""
    from mapping import settings as production

    assert production.CACHES["ratelimit"]["LOCATION"] == "hartis_shared_cache"
    settings.CACHES = {**settings.CACHES, "ratelimit": production.CACHES["ratelimit"]}
    settings.HARTIS = {**settings.HARTIS, "API_RATE_LIMIT": "2/min"}
    for _ in range(2):
        assert client.get("/hsds/taxonomies").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM hartis_shared_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("throttle_api-anon_127.0.0.1" in key for key in keys), keys
    assert client.get("/hsds/taxonomies").status_code == 429


def test_login_posts_are_limited_per_address_with_429(
    db, fast_hashing, client, local_rate_limits, settings
):
    """allauth's "login" limit: N log-in attempts a minute from one address, then 429."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    url = reverse("account_login")
    attempt = {"login": "someone@example.org", "password": "not the password"}
    assert [client.post(url, attempt).status_code for _ in range(3)] == [200] * 3
    refused = client.post(url, attempt)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert b"Too many requests" in refused.content
    assert client.post(url, attempt, REMOTE_ADDR="192.0.2.7").status_code == 200
    # allauth's counters live in the shared alias, not in the per-process default cache.
    assert any(":allauth:rl:allauth.account:login:" in key for key in caches["ratelimit"]._cache)
    assert not any("allauth:rl" in key for key in caches["default"]._cache)


@pytest.fixture
def fast_hashing(settings):
    """Passwords hashed cheaply: these tests try many of them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_failed_logins_are_limited_per_account(
    fast_hashing, client, make_member, local_rate_limits
):
    """Five wrong passwords for one account within five minutes, then even the right one is
    refused (guessing must not learn it was right); allauth says so on the form."""
    make_member("target@example.org")
    url = reverse("account_login")
    wrong = {"login": "target@example.org", "password": "not the password"}
    for _ in range(5):
        assert b"Too many failed login attempts" not in client.post(url, wrong).content
    right = {"login": "target@example.org", "password": "a long test password"}
    response = client.post(url, right)
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_signup_is_limited_per_address(db, fast_hashing, client, local_rate_limits, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    url = reverse("account_signup")
    for number in range(2):
        data = {
            "email": f"new{number}@example.org",
            "password1": "a long test password",
            "password2": "a long test password",
        }
        assert client.post(url, data).status_code in {200, 302}
    refused = client.post(url, {"email": "new9@example.org"})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert b"Too many requests" in refused.content


# --- A real browser: no page breaks the policy ----------------------------------------------


PASSWORD = "correct horse 42"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_show_no_policy_violations_in_chromium(live_server, page, django_user_model):
    """The map, a service, the planners' page, the API docs, an OGC page and the admin (log-in
    and the map widget of a location) run under the policy without one refusal."""
    load_athens_data()
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    service = Service.objects.filter(service_at_locations__isnull=False).first()
    location = Location.objects.filter(name="Ευαγγελισμός").get()
    site = live_server.url
    page.goto(f"{site}/en/")
    page.wait_for_selector("body[data-loaded=true]")
    page.wait_for_selector("#results .result .swatch")
    # Theme colours now come from a constructed stylesheet, not style attributes.
    swatch = page.locator("#results .result .swatch").first
    assert swatch.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

    page.goto(f"{site}/en/services/{service.pk}/")
    page.wait_for_selector(".leaflet-container")

    page.goto(f"{site}/en/planning/")
    page.wait_for_selector(".legend-swatch")
    legend = page.locator(".legend-swatch").first
    assert legend.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

    page.goto(f"{site}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock")

    page.goto(f"{site}/ogc/collections/services/items?limit=5&f=html")
    page.wait_for_selector("#ogc-map.leaflet-container")

    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(f"{site}{reverse('admin:mapping_location_change', args=[location.pk])}")
    page.wait_for_selector(".leaflet-container .leaflet-marker-icon")  # the nonce'd widget ran

    assert violations == []
