"""The cache backend of the "tiles" alias: Django's DatabaseCache with one-statement writes.

Django's DatabaseCache writes with five statements — a ``COUNT(*)`` of the whole table (to
decide on culling), then a SELECT and an INSERT or UPDATE inside a savepoint — and the count
grows with the table. Here a write is one ``INSERT … ON CONFLICT``, and the count-and-cull
runs on one write in CULL_EVERY of each process: a cache table only has to stay bounded, not exact.
Reads, deletes, culling and the stored format are Django's, so ``createcachetable`` and the
other cache commands work as usual.
"""

import base64
import datetime
import itertools
import pickle
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from psycopg import sql

CULL_EVERY = 100
_writes = itertools.count(1)  # this process's writes, to cull on every CULL_EVERY-th

UPSERT = """
INSERT INTO {table} AS entry (cache_key, value, expires) VALUES (%s, %s, %s)
ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires
"""
ONLY_OVER_EXPIRED = "WHERE entry.expires < now()"  # add(): a live entry stays


class TileDatabaseCache(DatabaseCache):
    """DatabaseCache whose ``set`` and ``add`` are one statement each."""

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._upsert(self.make_and_validate_key(key, version=version), value, timeout, True)

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._upsert(self.make_and_validate_key(key, version=version), value, timeout)

    def _upsert(self, key: str, value: Any, timeout: Any, replace: bool = False) -> bool:
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            expires = datetime.datetime.max.replace(tzinfo=datetime.UTC)
        else:
            expires = datetime.datetime.fromtimestamp(timeout, tz=datetime.UTC)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        query = sql.SQL(UPSERT).format(table=sql.Identifier(self._table))
        if not replace:
            query = sql.Composed([query, sql.SQL(ONLY_OVER_EXPIRED)])
        with connection.cursor() as cursor:
            if next(_writes) % CULL_EVERY == 0:
                cursor.execute(
                    sql.SQL("SELECT count(*) FROM {}")
                    .format(sql.Identifier(self._table))
                    .as_string()
                )
                entries = cursor.fetchone()[0]
                if entries > self._max_entries:
                    self._cull(db, cursor, datetime.datetime.now(tz=datetime.UTC), entries)
            cursor.execute(
                query.as_string(),
                [key, pickled, connection.ops.adapt_datetimefield_value(expires)],
            )
            return cursor.rowcount > 0
