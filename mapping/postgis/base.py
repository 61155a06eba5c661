"""Django's PostGIS backend with a health check that needs no round trip on a quiet socket.

Persistent connections (CONN_MAX_AGE) are checked before each request's first statement
(CONN_HEALTH_CHECKS), so a connection the server closed (a restart, ``idle_session_timeout``,
``pg_terminate_backend``) is replaced instead of failing the request. Django checks with
``SELECT 1``: a round trip to the server on every request, about 0.2 ms of the 4–5 ms a
nearest search costs on two cores. A server that closes a connection first sends it an error
message and then ends the stream, and an idle connection receives nothing else (Hartis does
not LISTEN): so ``SELECT 1`` is sent only when the socket has something to read. A connection
cut without a word (a dead network) gives nothing to read and would hang ``SELECT 1`` too; the
first real statement finds it either way.
"""

import select

from django.contrib.gis.db.backends.postgis import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        """Close the connection if the server has closed it or is closing it (see above)."""
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self.connection.broken:
            self.close()
        else:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
            if readable and not self.is_usable():
                self.close()
        self.health_check_done = True
