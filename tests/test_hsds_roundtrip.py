"""Export → import → export gives the same package, byte for byte: the HSDS export
(layers.hsds.package) and the import (mapping.importers.hsds, mapping.actions.hsds_import)
follow one contract, mapping.hsds.

Byte identity holds because the export is deterministic (rows by id, fixed formatting) and the
import keeps everything the export writes: ids (derived ones are derived again from the same
rows), 6-decimal coordinates, GeoJSON extents, local times, provenance, and a service's
``last_modified``. District and neighbourhood attributes are recomputed from the points.
"""

from django.core.management import call_command

from layers.hsds.package import export_package
from mapping.models import Location, Organization, Phone, Schedule, Service


def _empty_directory() -> None:
    """Delete every directory row; the vocabulary (taxonomies, terms, languages), seeded by
    migrations, stays. Services first: they PROTECT their organisation; places, hours, phones,
    contacts, areas, documents and translations go with their service, place or organisation."""
    Service.objects.all().delete()
    Location.objects.all().delete()
    Organization.objects.all().delete()


def _differing_files(first, second) -> list[str]:
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    return [name for name in names if (first / name).read_bytes() != (second / name).read_bytes()]


def test_export_import_into_empty_directory_export_is_identical(athens, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    export_package(first)
    published = Service.objects.active().count()
    assert published > 100 and Schedule.objects.exists() and Phone.objects.exists()

    _empty_directory()
    assert not Service.objects.exists()
    call_command("import_hsds", str(first), verbosity=0)
    assert Service.objects.count() == published

    export_package(second)
    assert _differing_files(first, second) == []


def test_import_of_an_export_over_the_same_data_changes_nothing(athens, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    export_package(first)
    counts = [m.objects.count() for m in (Organization, Service, Location, Schedule, Phone)]

    call_command("import_hsds", str(first), verbosity=0)

    assert [m.objects.count() for m in (Organization, Service, Location, Schedule, Phone)] == counts
    export_package(second)
    assert _differing_files(first, second) == []


def test_export_services_json_import_export_is_identical(athens, tmp_path):
    """The same through the nested JSON of the export (services.json) instead of its CSVs."""
    first, second = tmp_path / "first", tmp_path / "second"
    export_package(first)
    _empty_directory()
    call_command("import_hsds", str(first / "services.json"), verbosity=0)
    export_package(second)
    assert _differing_files(first, second) == []
