"""When the tile points are re-derived: after each commit, for the services it touched.

The receivers (layers.tile_receivers) note what a transaction changed with :func:`touched`:
services, places, organisations, terms, languages — or everything (a geography reload, an
import that names no service). Once the transaction commits, :func:`flush` turns that into
service ids (the services at those places, of those organisations, linked to those terms or
their subterms, speaking those languages), re-derives their tile points and cluster counts
(layers.tiles.points.refresh_services) in a transaction of its own, and only then starts a
new generation of the ``services`` tiles. A tile made meanwhile from the old points may be
kept under the generation the change itself started; the last bump, after the refresh
committed, retires it.

A connection that makes a services tile while its own transaction has changes pending (a
write then a tile in one transaction, as in the tests) applies them first, inside that
transaction (:func:`apply_pending`): it reads its own writes.

A refresh that fails is logged and its changes stay pending, for the next commit on this
connection to retry (a refresh recomputes from the directory: running one twice is harmless).
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from layers.tiles import points
from layers.tiles.cache import bump
from mapping.models import Service, ServiceAtLocation

logger = logging.getLogger(__name__)

_PENDING = "hartis_tile_points_pending"  # attribute of the connection


@dataclass
class Pending:
    """What changed since the tile points were last re-derived on this connection."""

    services: set[uuid.UUID] = field(default_factory=set)
    locations: set[uuid.UUID] = field(default_factory=set)
    organizations: set[uuid.UUID] = field(default_factory=set)
    terms: set[uuid.UUID] = field(default_factory=set)
    languages: set[uuid.UUID] = field(default_factory=set)
    everything: bool = False

    def __bool__(self) -> bool:
        return self.everything or any(
            (self.services, self.locations, self.organizations, self.terms, self.languages)
        )

    def merge(self, other: "Pending") -> None:
        for name in ("services", "locations", "organizations", "terms", "languages"):
            getattr(self, name).update(getattr(other, name))
        self.everything |= other.everything


def _ids(values: Iterable[object]) -> set[uuid.UUID]:
    return {value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)) for value in values}


def touched(
    *,
    services: Iterable[object] = (),
    locations: Iterable[object] = (),
    organizations: Iterable[object] = (),
    terms: Iterable[object] = (),
    languages: Iterable[object] = (),
    everything: bool = False,
) -> None:
    """Note a change in the current transaction; its tile points follow once it commits (at
    once outside a transaction)."""
    pending = getattr(connection, _PENDING, None)
    if pending is None:
        pending = Pending()
        setattr(connection, _PENDING, pending)
    pending.merge(
        Pending(
            _ids(services),
            _ids(locations),
            _ids(organizations),
            _ids(terms),
            _ids(languages),
            everything,
        )
    )
    # Several changes register several callbacks: the first re-derives, the others find
    # nothing pending.
    transaction.on_commit(flush, robust=True)


def services_linked(
    *, terms: Iterable[object] = (), languages: Iterable[object] = ()
) -> set[uuid.UUID]:
    """Services whose tile points read these terms (as categories, through a subterm, or as
    target groups) or these languages."""
    terms, languages = _ids(terms), _ids(languages)
    found: set[uuid.UUID] = set()
    if terms:
        for lookup in ("categories__in", "categories__parent__in", "target_groups__in"):
            found.update(Service.objects.filter(**{lookup: terms}).values_list("pk", flat=True))
    if languages:
        found.update(Service.objects.filter(languages__in=languages).values_list("pk", flat=True))
    return found


def _services(pending: Pending) -> set[uuid.UUID]:
    found = set(pending.services)
    if pending.locations:
        at_places = ServiceAtLocation.objects.filter(location_id__in=pending.locations)
        found.update(at_places.values_list("service_id", flat=True))
    if pending.organizations:
        found.update(
            Service.objects.filter(organization_id__in=pending.organizations).values_list(
                "pk", flat=True
            )
        )
    return found | services_linked(terms=pending.terms, languages=pending.languages)


def _take() -> Pending | None:
    pending = getattr(connection, _PENDING, None)
    if not pending:
        return None
    setattr(connection, _PENDING, Pending())
    return pending


def _apply(pending: Pending) -> None:
    try:
        if pending.everything:
            points.rebuild()
        else:
            points.refresh_services(_services(pending))
    except Exception:
        # Kept for the next commit on this connection; on_commit(robust=True) logs it.
        getattr(connection, _PENDING).merge(pending)
        raise


def flush() -> None:
    """Re-derive the tile points of what the committed transaction changed, then retire
    the tiles made before (a new generation of the ``services`` family)."""
    pending = _take()
    if pending is None:
        return
    _apply(pending)
    bump("services")


def apply_pending() -> None:
    """Before a services tile is made: apply this connection's pending changes now, so it
    reads its own writes. Costs nothing when none are pending."""
    if not getattr(connection, _PENDING, None):
        return
    if connection.get_autocommit():  # a failed refresh left them: retry as after a commit
        flush()
        return
    pending = _take()
    if pending is not None:
        _apply(pending)  # the transaction's own on_commit callbacks bump the generation
