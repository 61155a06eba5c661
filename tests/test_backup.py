"""scripts/backup and scripts/restore: a round trip through a scratch database gives back every
service, every place's geometry (byte for byte) and every history row; and clear refusals."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "hartis_backup_test_src"
SCRATCH = "hartis_backup_test_dst"


def _url(database: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{database}"


def _run(
    script: str, *args: str, database_url: str, stdin: str = ""
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        input=stdin,  # not a terminal
        capture_output=True,
        text=True,
        timeout=600,
    )


def _admin(statement: sql.Composable) -> None:
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(statement)


def _drop(name: str) -> None:
    _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def scratch_database():
    """An empty database on the test server, dropped afterwards."""
    _drop(SCRATCH)
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH)))
    yield _url(SCRATCH)
    _drop(SCRATCH)


# Changes made through the ORM in the source copy, so simple-history writes its rows as it does
# in use: five services edited, one place moved, one service deleted.
MAKE_HISTORY = """
from django.contrib.gis.geos import Point
from mapping.models import Location, Service
for service in Service.objects.order_by("id")[:5]:
    service.description = (service.description or "") + " (checked)"
    service.save()
place = Location.objects.exclude(point=None).order_by("id").first()
place.point = Point(23.7348, 37.9755, srid=4326)
place.save()
Service.objects.order_by("-id").first().delete()
"""


@pytest.fixture
def source_database(django_db_setup, django_db_blocker):
    """A copy of the test database (Athens, its services) with history rows, dropped after."""
    test_database = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        connection.close()  # a template database must have no other sessions
    _drop(SOURCE)
    _admin(
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(SOURCE), sql.Identifier(test_database)
        )
    )
    url = _url(SOURCE)
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", MAKE_HISTORY],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "HARTIS_PREPARE_THRESHOLD": "0"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    yield url
    _drop(SOURCE)


# What must come back exactly. Rows as text (every column, geometries as hex EWKB); the places'
# geometries once more as EWKB bytes, compared byte for byte.
SERVICES = "SELECT s::text FROM mapping_service s ORDER BY s.id"
GEOMETRIES = "SELECT id, ST_AsEWKB(point) FROM mapping_location ORDER BY id"
AREAS = "SELECT id, ST_AsEWKB(extent) FROM mapping_servicearea ORDER BY id"
HISTORY_TABLES = (
    "SELECT table_name FROM information_schema.tables"
    " WHERE table_schema = 'public' AND table_name LIKE 'mapping\\_historical%' ORDER BY 1"
)
ALL_TABLES = (
    "SELECT table_name FROM information_schema.tables"
    " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
)


def _snapshot(cursor) -> dict[str, object]:
    def rows(query: str) -> list[tuple]:
        cursor.execute(query)
        return cursor.fetchall()

    history_tables = [name for (name,) in rows(HISTORY_TABLES)]
    tables = [name for (name,) in rows(ALL_TABLES)]
    return {
        "services": rows(SERVICES),
        "geometries": [(pk, bytes(ewkb)) for pk, ewkb in rows(GEOMETRIES) if ewkb is not None],
        "areas": [(pk, bytes(ewkb)) for pk, ewkb in rows(AREAS) if ewkb is not None],
        "history": {
            name: rows(
                sql.SQL("SELECT h::text FROM {} h ORDER BY 1")
                .format(sql.Identifier(name))
                .as_string(cursor.connection)
            )
            for name in history_tables
        },
        "counts": {
            name: rows(
                sql.SQL("SELECT count(*) FROM {}")
                .format(sql.Identifier(name))
                .as_string(cursor.connection)
            )[0][0]
            for name in tables
        },
    }


def test_backup_then_restore_gives_everything_back(source_database, scratch_database, tmp_path):
    with psycopg.connect(source_database) as source_connection, source_connection.cursor() as cur:
        source = _snapshot(cur)
    assert len(source["services"]) > 20
    assert len(source["geometries"]) > 20
    assert len(source["history"]["mapping_historicalservice"]) >= 6  # 5 edits and a deletion
    assert len(source["history"]["mapping_historicallocation"]) >= 1

    file = tmp_path / "hartis.dump"
    backup = _run("backup", str(file), database_url=source_database)
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.strip() == str(file)
    assert file.stat().st_size > 0 and not Path(f"{file}.partial").exists()

    for attempt in range(2):  # into the empty database, then over its own restored contents
        restore = _run("restore", str(file), "--yes", database_url=scratch_database)
        assert restore.returncode == 0, f"attempt {attempt}: {restore.stderr}"
        with psycopg.connect(scratch_database) as restored, restored.cursor() as cursor:
            copy = _snapshot(cursor)
            cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'postgis'")
            assert cursor.fetchall() == [("postgis",)]
        assert copy["services"] == source["services"]
        assert copy["geometries"] == source["geometries"]
        assert copy["areas"] == source["areas"]
        assert copy["history"] == source["history"]
        assert copy["counts"] == source["counts"]


def test_backup_default_file_is_timestamped_under_var(db, tmp_path):
    """Without FILE the archive goes to .var/backups/hartis-<UTC time>.dump (removed here)."""
    result = _run("backup", database_url=_url(connection.settings_dict["NAME"]))
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    try:
        assert path.parent == ROOT / ".var" / "backups"
        assert path.name.startswith("hartis-") and path.name.endswith("Z.dump")
        assert path.stat().st_size > 0
    finally:
        path.unlink(missing_ok=True)


def test_clear_refusals(db, tmp_path, scratch_database):
    unreachable = "postgres://hartis@127.0.0.1:9/hartis"  # the discard port: nothing listens
    result = _run("backup", str(tmp_path / "x.dump"), database_url=unreachable)
    assert result.returncode != 0
    assert "cannot connect to the database in DATABASE_URL" in result.stderr
    assert not (tmp_path / "x.dump").exists()

    result = _run("restore", str(tmp_path / "missing.dump"), "--yes", database_url=scratch_database)
    assert result.returncode != 0
    assert "no such backup file" in result.stderr

    not_a_dump = tmp_path / "notes.dump"
    not_a_dump.write_text("hello")
    result = _run("restore", str(not_a_dump), "--yes", database_url=scratch_database)
    assert result.returncode != 0
    assert "not a pg_dump custom-format archive" in result.stderr

    backup = _run("backup", str(tmp_path / "ok.dump"), database_url=scratch_database)
    assert backup.returncode == 0, backup.stderr
    result = _run("restore", str(tmp_path / "ok.dump"), database_url=unreachable)
    assert "cannot connect" in result.stderr
    # Without --yes and without a terminal to ask on, nothing is touched.
    result = _run("restore", str(tmp_path / "ok.dump"), database_url=scratch_database, stdin="y\n")
    assert result.returncode != 0
    assert "pass --yes" in result.stderr
