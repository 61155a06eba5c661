"""The database backend's health check (mapping.postgis): no round trip on a quiet connection,
and a connection the server closed is replaced before the request uses it."""

import select

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_connection():
    """A second connection to the test database, outside the test's transaction, so the
    server may close it."""
    other = connections.create_connection("default")
    other.ensure_connection()
    yield other
    other.close()


def _check(wrapper, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the start-of-request health check; the number of ``SELECT 1`` round trips made."""
    round_trips = []
    is_usable = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: round_trips.append(1) or is_usable())
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    monkeypatch.undo()
    return len(round_trips)


def test_health_checks_are_on() -> None:
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert type(connections["default"]).__module__ == "mapping.postgis.base"


def test_a_quiet_healthy_connection_is_kept_without_a_round_trip(
    own_connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = own_connection.connection
    assert _check(own_connection, monkeypatch) == 0
    assert own_connection.connection is raw
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


def test_a_connection_the_server_closed_is_replaced_before_use(
    own_connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = own_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    # The server sends its goodbye, then closes: wait (at most 10 s) until it has arrived.
    readable, _, _ = select.select([own_connection.connection.fileno()], [], [], 10)
    assert readable, "the server did not close the connection"

    assert _check(own_connection, monkeypatch) == 1
    assert own_connection.connection is None  # closed, not handed to the request

    with own_connection.cursor() as cursor:  # a new connection, to a new server process
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
