"""Read rules of the directory: named ``Q`` builders and the chainable ``ServiceQuerySet``.

Every rule is a function returning a ``Q`` over Service, so one rule serves ``filter``,
``exclude`` and annotations (``open_now_q`` → ``open_now()``). Rules over related rows use
``EXISTS`` subqueries, so no rule multiplies rows or needs ``DISTINCT``.
"""

import datetime
import re
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, Value
from django.utils import timezone

from mapping.conf import hartis_options

ATHENS_TZ = ZoneInfo("Europe/Athens")
# PostgreSQL's "greek" configuration stems Greek words (Υγείας, Υγεία → υγει) and leaves
# Latin-script words whole; every query word is also a prefix, so "shelter" finds "shelters".
SEARCH_CONFIG = "greek"
_WORD = re.compile(r"\w+", re.UNICODE)


def _model(name: str) -> type[models.Model]:
    # Rules are imported by the Service model itself, so related models are looked up lazily.
    return apps.get_model("mapping", name)


class Normalized(Func):
    """``hartis_normalize(text)``: lower case, accents removed, final sigma → sigma.
    Defined by migration 0004 as an IMMUTABLE SQL function so indexes may use it."""

    function = "hartis_normalize"
    output_field = models.TextField()


def _service_link(model_name: str, **conditions: object) -> Exists:
    through = _model("Service")._meta.get_field(model_name).remote_field.through
    return Exists(through.objects.filter(service_id=OuterRef("pk"), **conditions))


def theme_q(code: str) -> Q:
    """The theme ``code`` itself or any of its subcategories (``health`` → hospital, …); for a
    subcategory code, exactly that subcategory."""
    term = _model("TaxonomyTerm")
    matching = term.objects.categories().filter(Q(code=code) | Q(parent__code=code))
    return Q(_service_link("categories", taxonomyterm__in=matching))


def language_q(code: str) -> Q:
    """Staff speak the language with ISO 639 ``code``."""
    return Q(_service_link("languages", language__code=code))


def target_group_q(code: str) -> Q:
    return Q(_service_link("target_groups", taxonomyterm__code=code))


def organization_type_q(organization_type: str) -> Q:
    return Q(organization__organization_type=organization_type)


def _located_q(**location: object) -> Q:
    sal = _model("ServiceAtLocation")
    conditions = {f"location__{key}": value for key, value in location.items()}
    return Q(Exists(sal.objects.filter(service_id=OuterRef("pk"), **conditions)))


def district_q(number: int, city: str = "athens") -> Q:
    """Delivered at a place in municipal district ``number`` of ``city``."""
    return _located_q(district__number=number, district__municipality__slug=city)


def neighbourhood_q(slug: str, city: str = "athens") -> Q:
    return _located_q(neighbourhood__slug=slug, neighbourhood__municipality__slug=city)


def remote_q() -> Q:
    """No physical place: phone, online or mobile services."""
    return ~_located_q(point__isnull=False)


def free_q() -> Q:
    """Known to be free of charge (unknown is not free)."""
    return Q(is_free=True)


def active_q() -> Q:
    """Open to the public: HSDS status active, and published by the centre's moderators
    (a member's draft or a record waiting for review is not shown)."""
    return Q(status="active", publication="published")


def real_q() -> Q:
    """Not a demo record."""
    return Q(is_demo=False)


def stale_q(today: datetime.date, days: int) -> Q:
    """Not verified within ``days`` calendar days before ``today`` (Europe/Athens date):
    ``assured_date`` older than that, or never verified at all."""
    return Q(assured_date__isnull=True) | Q(assured_date__lt=today - datetime.timedelta(days=days))


def open_at_q(moment: datetime.datetime) -> Q:
    """Open at ``moment`` (any timezone; hours are Europe/Athens local time) by its weekly
    schedules, for the service everywhere or at one of its places. An interval whose
    ``closes_at`` is before ``opens_at`` runs past midnight into the next day."""
    local = moment.astimezone(ATHENS_TZ)
    today, now = local.isoweekday(), local.time()
    yesterday = 7 if today == 1 else today - 1
    same_day = Q(weekday=today) & (
        Q(opens_at__lt=F("closes_at"), opens_at__lte=now, closes_at__gt=now)
        | Q(opens_at__gt=F("closes_at"), opens_at__lte=now)
    )
    from_yesterday = Q(weekday=yesterday, opens_at__gt=F("closes_at"), closes_at__gt=now)
    valid = (Q(valid_from__isnull=True) | Q(valid_from__lte=local.date())) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=local.date())
    )
    schedule = _model("Schedule")
    owner = Q(service_id=OuterRef("pk")) | Q(service_at_location__service_id=OuterRef("pk"))
    return Q(Exists(schedule.objects.filter(owner, valid, same_day | from_yesterday)))


def open_on_weekends_q(today: datetime.date | None = None) -> Q:
    """Has hours on Saturday or Sunday that are still valid on ``today`` (default: today in
    Athens), for the service everywhere or at one of its places."""
    today = today or timezone.now().astimezone(ATHENS_TZ).date()
    schedule = _model("Schedule")
    owner = Q(service_id=OuterRef("pk")) | Q(service_at_location__service_id=OuterRef("pk"))
    still_valid = Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    return Q(Exists(schedule.objects.filter(owner, still_valid, weekday__in=(6, 7))))


def open_now_q() -> Q:
    return open_at_q(timezone.now())


def search_query(text: str) -> SearchQuery | None:
    """A prefix full-text query for every word of ``text`` (all must match), normalised like
    the stored document, or None when ``text`` has no words. Words are ``\\w+`` runs only,
    so nothing the user types reaches tsquery syntax."""
    words = _WORD.findall(text)
    if not words:
        return None
    raw = " & ".join(f"{word}:*" for word in words)
    return SearchQuery(Normalized(Value(raw)), search_type="raw", config=SEARCH_CONFIG)


class ServiceQuerySet(models.QuerySet):
    """Chainable reads of the directory, one method per rule above."""

    def active(self) -> "ServiceQuerySet":
        return self.filter(active_q())

    def real(self) -> "ServiceQuerySet":
        return self.filter(real_q())

    def in_theme(self, code: str) -> "ServiceQuerySet":
        return self.filter(theme_q(code))

    def speaking(self, code: str) -> "ServiceQuerySet":
        return self.filter(language_q(code))

    def for_group(self, code: str) -> "ServiceQuerySet":
        return self.filter(target_group_q(code))

    def of_organization_type(self, organization_type: str) -> "ServiceQuerySet":
        return self.filter(organization_type_q(organization_type))

    def in_district(self, number: int, city: str = "athens") -> "ServiceQuerySet":
        return self.filter(district_q(number, city))

    def in_neighbourhood(self, slug: str, city: str = "athens") -> "ServiceQuerySet":
        return self.filter(neighbourhood_q(slug, city))

    def remote(self) -> "ServiceQuerySet":
        return self.filter(remote_q())

    def located(self) -> "ServiceQuerySet":
        return self.exclude(remote_q())

    def free(self) -> "ServiceQuerySet":
        return self.filter(free_q())

    def stale(
        self, today: datetime.date | None = None, days: int | None = None
    ) -> "ServiceQuerySet":
        """Due for a check: ``stale_q`` with today in Athens and HARTIS STALE_AFTER_DAYS."""
        today = today or timezone.now().astimezone(ATHENS_TZ).date()
        return self.filter(stale_q(today, days or hartis_options().stale_after_days))

    def open_at(self, moment: datetime.datetime) -> "ServiceQuerySet":
        return self.filter(open_at_q(moment))

    def open_on_weekends(self) -> "ServiceQuerySet":
        return self.filter(open_on_weekends_q())

    def open_now(self) -> "ServiceQuerySet":
        return self.filter(open_now_q())

    def from_source(self, source_name: str) -> "ServiceQuerySet":
        """Records imported from the source called ``source_name``."""
        return self.filter(source=source_name)

    def search(self, text: str) -> "ServiceQuerySet":
        """Full-text match on the search document, annotated with ``rank`` (higher first)."""
        query = search_query(text)
        if query is None:
            return self
        return self.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))

    def refresh_search_document(self) -> int:
        """Rebuild ``search_vector`` of every service in the queryset (one UPDATE)."""
        from mapping.models.search_document import search_vector_expression

        return self.update(search_vector=search_vector_expression())
