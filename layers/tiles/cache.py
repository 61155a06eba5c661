"""Tiles kept between requests, shared by every worker process, never served stale.

Where: the Django cache alias ``"tiles"`` (settings.CACHES, env ``HARTIS_TILE_CACHE``). By
default a DatabaseCache in the UNLOGGED table ``hartis_tile_cache`` (layers migration 0003):
every gunicorn worker reads and writes the same table, and no other service has to run.
UNLOGGED because a cache needs no crash safety: PostgreSQL empties the table after a crash
instead of writing every tile to the WAL.

Invalidation by generations: each family of data (:data:`FAMILIES`) has a version token in the
same cache. An entry keeps the token it was made under and is used only while that token is
current. A change to the family's data replaces the token once the transaction has committed
(:func:`data_changed`, called by layers.tile_receivers): one write, however many tiles there
are; the old entries are never read again and go when culled or expired.

Why nothing stale is served: a request reads the token and the entry in one query, *before*
its tile SQL runs, and the token changes only *after* the data change committed. A tile made
from data read before that commit is stored under the old token, so nobody uses it once the
new token is set; a request that already sees the new token runs its SQL later still, so it
sees the committed data. Tokens are random, never counters: a token lost to culling comes back
as a new one, which can only invalidate, never bring an old entry back.

Coverage tiles belong to no family: their key carries the ``computed_at`` of the stored run,
which every refresh of the stored coverage changes.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import BaseCache, caches
from django.db import connection, transaction

TILES_CACHE = "tiles"
FAMILIES = ("services", "areas")
TILE_SECONDS = 24 * 3600  # an entry of a current generation is right for as long as it lives
_PENDING = "hartis_tile_families_changed"  # attribute of the connection: families to bump


@dataclass(frozen=True)
class Tile:
    """An encoded tile (empty bytes: no feature) and its strong ETag (hash of the bytes)."""

    content: bytes
    etag: str

    @classmethod
    def of(cls, content: bytes) -> "Tile":
        return cls(content, '"' + hashlib.sha256(content).hexdigest()[:32] + '"')


def tiles_cache() -> BaseCache:
    return caches[TILES_CACHE]


def _version_key(family: str) -> str:
    return f"version:{family}"


def _new_version(cache: BaseCache, family: str) -> str:
    """A fresh token for ``family`` when it has none; of two workers racing, the first wins."""
    token = uuid.uuid4().hex
    if cache.add(_version_key(family), token, None):
        return token
    return cache.get(_version_key(family)) or token


def bump(*families: str) -> None:
    """Start a new generation of ``families`` now (prefer :func:`data_changed`)."""
    tiles_cache().set_many({_version_key(f): uuid.uuid4().hex for f in families}, None)


def _bump_pending() -> None:
    # Several changes in one transaction register several callbacks: the first bumps every
    # family changed, the others find nothing left. A rolled-back transaction leaves its
    # families pending; the next commit bumps them too (one needless invalidation at worst).
    families = getattr(connection, _PENDING, set())
    setattr(connection, _PENDING, set())
    if families:
        bump(*sorted(families))


def data_changed(*families: str) -> None:
    """The data of ``families`` changed in the current transaction: their tiles go out of
    date once it commits (at once outside a transaction)."""
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"Unknown tile families: {sorted(unknown)}")
    pending = getattr(connection, _PENDING, None)
    if pending is None:
        pending = set()
        setattr(connection, _PENDING, pending)
    pending.update(families)
    transaction.on_commit(_bump_pending, robust=True)


def cached(
    family: str | None, key: str, make: Callable[[], Any], timeout: int = TILE_SECONDS
) -> Any:
    """The value kept under ``key`` for the current generation of ``family`` (or for ever
    when ``family`` is None: the key itself must then name the data's version), else
    ``make()``, kept. One cache read when kept; the read, ``make()`` and one write when not."""
    cache = tiles_cache()
    version_key = _version_key(family) if family else None
    found = cache.get_many([key, version_key] if version_key else [key])
    version = ""
    if version_key:
        version = found.get(version_key) or _new_version(cache, family)
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = make()
    cache.set(key, (version, value), timeout)
    return value


def cache_key(*parts: str) -> str:
    """A cache key for ``parts``: hashed, so long filters (a search text) and any character
    stay within every backend's key rules."""
    return "tile:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
