"""Hartis settings: the one settings module, read from environment variables.

Every variable has a safe development default; README.md lists them. App options live in one
namespaced dict, ``HARTIS``, validated at start-up by :mod:`mapping.conf`.
"""

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / ".var"


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1/true/yes/on" or "0/false/no/off")."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}.")


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable into a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, else a per-checkout random key kept in .var/secret_key (never in git)."""
    key = os.environ.get("DJANGO_SECRET_KEY", "").strip()
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    try:
        if not key_file.exists():
            VAR_DIR.mkdir(exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"Set DJANGO_SECRET_KEY: it is not in the environment and {key_file} "
            f"is not writable ({exc})."
        ) from exc


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# The project-local cluster started by `make run` (scripts/local_postgres.sh) listens here.
LOCAL_DATABASE_URL = "postgres://hartis@127.0.0.1:54329/hartis"
_database = dj_database_url.parse(
    os.environ.get("DATABASE_URL", LOCAL_DATABASE_URL),
    conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
    conn_health_checks=True,
)
if _database["ENGINE"] not in {
    "django.db.backends.postgresql",
    "django.contrib.gis.db.backends.postgis",
}:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL with PostGIS (postgres://…).")
# Django's PostGIS backend, with a health check that makes no round trip on a quiet socket.
_database["ENGINE"] = "mapping.postgis"
# Server-side parameter binding, and psycopg preparing a statement once it has run
# HARTIS_PREPARE_THRESHOLD times on a connection (Django's default, None, never prepares):
# PostgreSQL then plans the search page once per connection instead of on every request
# (planning was ~5 of its ~7 ms). Set HARTIS_PREPARE_THRESHOLD=0 behind a transaction-pooling
# PgBouncer, which cannot keep prepared statements.
_options = _database.setdefault("OPTIONS", {})
_options["server_side_binding"] = env_bool("HARTIS_SERVER_SIDE_BINDING", True)
_prepare_threshold = int(os.environ.get("HARTIS_PREPARE_THRESHOLD", "5"))
_options["prepare_threshold"] = _prepare_threshold if _prepare_threshold > 0 else None
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "modeltranslation",  # before admin, so translated fields get their admin tabs
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "allauth",  # sign-up with e-mail verification, log-in, password reset, their rate limits
    "allauth.account",
    "simple_history",  # who changed what and when, for members' records; restore by moderators
    "leaflet",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "geodata",
    "mapping",
    "layers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Rate limits: django-ratelimit's refusals become 429s; every 429 says when to retry.
    "django_ratelimit.middleware.RatelimitMiddleware",
    "mapping.ratelimits.RetryAfterMiddleware",
    # The OGC API is plain Django views: the API throttle applied to its path prefix.
    "mapping.api.throttling.PlainViewThrottleMiddleware",
    # Records the signed-in user as the author of each history row.
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "mapping.urls"
WSGI_APPLICATION = "mapping.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mapping.views.context_processors.roles",
            ],
        },
    },
]

# Members, moderators and planners log in through allauth's pages (the URL carries the language).
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members-home"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Accounts are e-mail addresses, verified before first log-in.
# Everyone logs in with a verified e-mail address (staff and planners too).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a link preview must not confirm: the page asks to click
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = os.environ.get("HARTIS_HTTP_PROTOCOL", "http")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Hartis] "

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    # Development prints mail to the console; set an SMTP backend (and EMAIL_HOST…) in production.
    "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Hartis <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# History rows keep who changed a record; a deleted user leaves the rows in place.
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages of the interface. Arabic, Farsi and Urdu are right-to-left (Django's
# LANGUAGES_BIDI already lists ar, fa and ur, so get_language_bidi() is correct for them).
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "el")
LANGUAGES = [
    ("el", _("Greek")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("fa", _("Persian")),
    ("fr", _("French")),
    ("ur", _("Urdu")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "el")
TIME_ZONE = "Europe/Athens"  # opening hours are local times in Athens
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

# --- Security -------------------------------------------------------------------------------
# DJANGO_SECURE=1 is the production switch (the site is served over HTTPS only): redirect to
# HTTPS, HSTS, cookies sent over HTTPS only. `manage.py check --deploy` passes with it
# (tests/test_security.py runs it). Left off in development, where runserver speaks plain HTTP.
SECURE = env_bool("DJANGO_SECURE", False)
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000" if SECURE else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", SECURE)
# Preload (and subdomains) let browsers refuse plain HTTP even on a first visit; both are slow
# to take back once submitted to the preload list: DJANGO_HSTS_PRELOAD=0 before the first try.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", SECURE)
# Behind a TLS-terminating proxy (nginx, a load balancer) Django sees plain HTTP; trust the
# proxy's header only when told, e.g. DJANGO_SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto:https —
# a client could send that header itself if nothing in front overwrites it.
_proxy_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    _header, _, _value = _proxy_ssl_header.partition(":")
    if not _header.strip() or not _value.strip():
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto:https', "
            f"got {_proxy_ssl_header!r}."
        )
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _header.strip().upper().replace("-", "_"),
        _value.strip(),
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# DJANGO_SECURE_COOKIES is the older name of the cookie half of DJANGO_SECURE; either sets it.
SESSION_COOKIE_SECURE = SECURE or env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie: forms carry the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
# How many proxies in front of Django append to X-Forwarded-For (0: none, use REMOTE_ADDR).
# Rate limits count per client address, so a wrong number lets clients choose their own.
TRUSTED_PROXIES = int(os.environ.get("HARTIS_TRUSTED_PROXIES", "0"))


def _origin(url: str) -> str:
    """The scheme://host[:port] of a URL template such as the basemap's {z}/{x}/{y} URL."""
    parts = urlsplit(url.replace("{s}", "a"))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"HARTIS_BASEMAP_URL must be an http(s) URL, got {url!r}.")
    # Leaflet's {s} picks a subdomain (a., b., c.); allow them all with a wildcard.
    host = urlsplit(url).netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Privacy: a searched point travels in a query string (?near=lon,lat); this filter strips
    # query strings from every line before it is written (see mapping/logs.py).
    "filters": {"privacy": {"()": "mapping.logs.RedactQueryStrings"}},
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["privacy"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # runserver's access lines: kept (useful in development), query strings redacted.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Never DEBUG: SQL parameters would include searched points.
        "django.db.backends": {"level": "INFO"},
    },
}

BASEMAP_TILE_URL = os.environ.get(
    "HARTIS_BASEMAP_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
BASEMAP_ATTRIBUTION = os.environ.get(
    "HARTIS_BASEMAP_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)

# Hartis' own options, validated by mapping.conf at start-up.
HARTIS = {
    "CITY_SLUG": os.environ.get("HARTIS_CITY", "athens"),
    "BASEMAP_TILE_URL": BASEMAP_TILE_URL,
    "BASEMAP_ATTRIBUTION": BASEMAP_ATTRIBUTION,
    "STALE_AFTER_DAYS": int(os.environ.get("HARTIS_STALE_AFTER_DAYS", "180")),
    # Above this many active services the public map draws them from vector tiles.
    "SERVICES_AS_TILES_ABOVE": os.environ.get("HARTIS_SERVICES_AS_TILES_ABOVE", "5000"),
    # The public address, for absolute links in e-mails (reminders, invitations, reviews).
    "SITE_URL": os.environ.get("HARTIS_SITE_URL", "http://127.0.0.1:8000"),
    # Freshness reminders repeat this often while a service stays stale.
    "REMIND_EVERY_DAYS": int(os.environ.get("HARTIS_REMIND_EVERY_DAYS", "14")),
    # Largest toolkit document (bytes); cap the request body at the web server as well.
    "UPLOAD_MAX_BYTES": int(os.environ.get("HARTIS_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024))),
}

# --- Content-Security-Policy (django-csp) ------------------------------------------------------
# Everything is served by us (no CDN); the one third party is the basemap's tile server, for
# images only. No inline script or style anywhere: JavaScript reads its configuration from
# json_script blocks, and Leaflet's element.style changes are CSSOM, which style-src allows.
# NONCE is added to the header only on pages that use it (django-leaflet's admin map widget
# writes its inline set-up script with request.csp_nonce).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", _origin(BASEMAP_TILE_URL)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}


def tile_cache(choice: str) -> dict[str, object]:
    """The "tiles" cache from HARTIS_TILE_CACHE: ``database`` (default) keeps tiles in the
    table of layers migration 0003, shared by every worker process with nothing more to run;
    ``off`` makes every tile anew; a ``redis://`` URL uses Redis (needs the redis package)."""
    if choice == "database":
        return {
            # Django's DatabaseCache, with each write one INSERT … ON CONFLICT.
            "BACKEND": "layers.tiles.backend.TileDatabaseCache",
            "LOCATION": "hartis_tile_cache",
            # Old generations are unreachable, not deleted: culling a tenth keeps the table
            # bounded without a sweep on every write.
            "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 10},
        }
    if choice == "off":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if choice.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": choice}
    raise ImproperlyConfigured(
        f"HARTIS_TILE_CACHE must be 'database', 'off' or a redis:// URL, got {choice!r}."
    )


def shared_cache(choice: str) -> dict[str, object]:
    """The cache every worker process shares, from HARTIS_SHARED_CACHE: ``database``
    (default; the UNLOGGED table of mapping migration 0010, written like the tiles' table) or
    a ``redis://`` URL. Rate-limit counters live here: per-process counters would let each
    gunicorn worker grant the whole allowance again."""
    if choice == "database":
        return {
            "BACKEND": "layers.tiles.backend.TileDatabaseCache",
            "LOCATION": "hartis_shared_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 4},
        }
    if choice.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": choice}
    raise ImproperlyConfigured(
        f"HARTIS_SHARED_CACHE must be 'database' or a redis:// URL, got {choice!r}."
    )


CACHES = {
    # Per process: the vocabulary and other small reads, at most a minute stale elsewhere.
    # allauth can only use this alias for its rate-limit counters, so its keys (and only
    # those) are handed on to the shared "ratelimit" alias (mapping.ratelimits).
    "default": {"BACKEND": "mapping.ratelimits.LocalCacheWithSharedRateLimits"},
    # Vector tiles: shared by all gunicorn workers, invalidated by generations (layers.tiles).
    "tiles": tile_cache(os.environ.get("HARTIS_TILE_CACHE", "database").strip()),
    # Rate-limit counters (API throttles, django-ratelimit): shared by all worker processes.
    "ratelimit": shared_cache(os.environ.get("HARTIS_SHARED_CACHE", "database").strip()),
}

# --- Rate limits -----------------------------------------------------------------------------
# Counters live in the shared "ratelimit" cache alias; every refusal is a 429 with Retry-After.
# The public API (DRF under /api/ and /hsds/, the OGC API's plain views under /ogc/) allows
# HARTIS_API_RATE_LIMIT requests per client address ("300/min": a map filter change fetches up
# to ten pages; "off": none, as in the wrk benchmark). Vector tiles are not limited: one map
# view asks for dozens, and a cached tile costs less than counting it would.
API_RATE_LIMIT = os.environ.get("HARTIS_API_RATE_LIMIT", "300/min").strip().lower()
if API_RATE_LIMIT != "off" and not re.fullmatch(
    r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", API_RATE_LIMIT
):
    raise ImproperlyConfigured(
        "HARTIS_API_RATE_LIMIT must be 'off' or a number per period such as '300/min' "
        f"(s, min, hour, day), got {API_RATE_LIMIT!r}."
    )
HARTIS["API_RATE_LIMIT"] = None if API_RATE_LIMIT == "off" else API_RATE_LIMIT
HARTIS["API_RATE_LIMITED_PATHS"] = ["/ogc/"]  # plain Django views; DRF views throttle themselves
# allauth: attempts per client address ("ip") and per e-mail address ("key"); answers 429.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",  # password guessing, per address and per account
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXIES
# django-ratelimit (public forms): shared counters, client address as the rate limits see it,
# and a 429 page instead of its default 403.
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_IP_META_KEY = "mapping.ratelimits.client_ip"
RATELIMIT_VIEW = "mapping.ratelimits.too_many_requests"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # The site's session only (planners' figures): no HTTP Basic, which would take passwords on
    # every API request outside allauth's log-in limits, and answer a stray Authorization
    # header with 403 on a public API.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    # Rates are read per request from HARTIS["API_RATE_LIMIT"] (see mapping.api.throttling).
    "DEFAULT_THROTTLE_CLASSES": [
        "mapping.api.throttling.AnonApiThrottle",
        "mapping.api.throttling.UserApiThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hartis API",
    "DESCRIPTION": "Services for migrants and refugees in Athens: search, nearest, details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default
        "mapping.api.schema.document_not_found",  # unknown ids: 404 (found by schemathesis)
    ],
}

# django-leaflet: Leaflet itself ships inside the package and is served from STATIC_URL.
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (37.9838, 23.7275),  # (lat, lon): Athens, Syntagma
    "DEFAULT_ZOOM": 13,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": [("OpenStreetMap", BASEMAP_TILE_URL, {"attribution": BASEMAP_ATTRIBUTION})],
    "ATTRIBUTION_PREFIX": "Leaflet",
    "RESET_VIEW": False,
}

# Debian 12 ships GDAL 3.6; the check asks for 3.9 to block network/file access from crafted
# spatial references. GDAL here only reads the files we ship; untrusted input (HSDS imports) is
# parsed as JSON and handed to GEOS, not to GDAL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
