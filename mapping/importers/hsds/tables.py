"""Checking the rows of each kept HSDS table into records (a mixin of the validator)."""

from django.utils.translation import gettext as _

from mapping.hsds import derived_id
from mapping.importers.hsds import checks
from mapping.importers.hsds.columns import TABLES
from mapping.importers.hsds.fields import (
    ADDRESS_DEFAULTS,
    FK_TABLE,
    FOREIGN_KEYS,
    LOCATION_FIELDS,
    ORGANIZATION_FIELDS,
    PROVENANCE_DEFAULTS,
    SERVICE_FIELDS,
)
from mapping.importers.hsds.records import Record, Row
from mapping.models import (
    Contact,
    Location,
    LocationType,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
)


class TableSteps:
    """One step per table; each checks every row and registers what a valid row adds."""

    def _organizations(self) -> None:
        for row in self.rows["organization"]:
            values = {name: row.text(name) for name in ORGANIZATION_FIELDS}
            self._clean(row, Organization(**values), {f: f for f in ORGANIZATION_FIELDS})
            self._record("organization", row, {**values, **PROVENANCE_DEFAULTS}, {})

    def _locations(self) -> None:
        for row in self.rows["location"]:
            values: dict[str, object] = {name: row.text(name) for name in LOCATION_FIELDS}
            try:
                values["point"] = checks.point(row.cells["latitude"], row.cells["longitude"])
            except checks.FieldProblem as exc:
                row.error(exc.field, exc.message)
                values["point"] = None
            fields = {f: f for f in LOCATION_FIELDS} | {"point": "latitude"}
            self._clean(row, Location(**values), fields)
            values.update(ADDRESS_DEFAULTS, accessibility="", **PROVENANCE_DEFAULTS)
            self._record(
                "location", row, values, {"organization": row.cells.get("organization_id")}
            )

    def _addresses(self) -> None:
        for row in self.rows["address"]:
            region_field = "region" if row.text("region") else "state_province"
            values = {
                "address_1": row.text("address_1"),
                "address_2": row.text("address_2"),
                "city": row.text("city"),
                "region": row.text(region_field),
                "postal_code": row.text("postal_code"),
                "country": row.text("country").upper() or ADDRESS_DEFAULTS["country"],
            }
            fields = {name: name for name in values} | {"region": region_field}
            self._clean(row, Location(**values), fields)
            address_type = row.text("address_type").lower()
            if address_type and address_type not in LocationType.values:
                row.error(
                    "address_type",
                    _("“%(value)s” is not one of %(choices)s.")
                    % {"value": address_type, "choices": ", ".join(LocationType.values)},
                )
            location_id = row.cells.get("location_id")
            if location_id is None:
                self.ignored[_("Addresses of no location, not imported")] += 1
                continue
            self._candidate(
                "address",
                row,
                [("location", location_id)],
                lambda location_id=location_id, kind=address_type, values=values: (
                    self.addresses.setdefault(location_id, []).append((kind, values))
                ),
            )
        for row in self.rows["accessibility"]:
            text = "\n".join(t for t in (row.text("description"), row.text("details")) if t)
            location_id = row.cells.get("location_id")
            if location_id is None or not text:
                continue
            self._candidate(
                "accessibility",
                row,
                [("location", location_id)],
                lambda location_id=location_id, text=text: self.accessibility.setdefault(
                    location_id, []
                ).append(text),
            )

    def _services(self) -> None:
        for row in self.rows["service"]:
            values = {name: row.cells.get(name) for name in SERVICE_FIELDS}
            values |= {k: v or "" for k, v in values.items() if TABLES["service"][k].kind == "text"}
            self._clean(row, Service(**values), {f: f for f in SERVICE_FIELDS})
            self._record(
                "service",
                row,
                {**values, **PROVENANCE_DEFAULTS, "last_modified": row.cells["last_modified"]},
                {"organization": row.cells.get("organization_id")},
            )

    def _services_at_locations(self) -> None:
        pairs: dict[tuple[object, object], Row] = {}
        for row in self.rows["service_at_location"]:
            pair = (row.cells.get("service_id"), row.cells.get("location_id"))
            first = pairs.setdefault(pair, row)
            if first is not row and None not in pair:
                row.error(
                    "location_id",
                    _("The service is already at this location (row %(row)s).")
                    % {"row": first.raw.row},
                )
            values = {"description": row.text("description")}
            self._record(
                "service_at_location",
                row,
                values,
                {"service": pair[0], "location": pair[1]},
            )

    def _parents(self, row: Row) -> dict[str, object]:
        return {
            column.removesuffix("_id"): row.cells.get(column)
            for column in FOREIGN_KEYS[row.raw.table]
        }

    def _contacts(self) -> None:
        names = ("name", "title", "department", "email")
        for row in self.rows["contact"]:
            values = {name: row.text(name) for name in names}
            self._clean(row, Contact(**values), {n: n for n in names})
            self._record("contact", row, values, self._parents(row))

    def _phones(self) -> None:
        for row in self.rows["phone"]:
            try:
                number = checks.phone_number(row.text("number"))
            except checks.FieldProblem as exc:
                row.error(exc.field, exc.message)
                number = row.text("number")
            values = {
                "number": number,
                "extension": row.text("extension"),
                "type": row.text("type").lower() or "voice",
                "description": row.text("description"),
            }
            self._clean(row, Phone(**values), {name: name for name in values})
            self._record("phone", row, values, self._parents(row))

    def _schedules(self) -> None:
        for row in self.rows["schedule"]:
            parents = self._parents(row)
            location = parents.pop("location")
            if parents["service_at_location"] is not None:
                parents["service"] = None  # hours at one place, not everywhere
            elif parents["service"] is None:
                if location is not None:
                    self.ignored[_("Schedules of a location alone, not imported")] += 1
                    continue
                row.error("service_id", _("A schedule needs a service or a service at a location."))
            days, problems = checks.weekdays(
                row.text("freq"),
                row.text("byday"),
                row.cells.get("interval"),
                row.cells.get("count"),
                {n: row.text(n) for n in ("byweekno", "bymonthday", "byyearday")},
            )
            for problem in problems:
                row.error(problem.field, problem.message)
            values = {
                name: row.cells.get(name)
                for name in ("opens_at", "closes_at", "valid_from", "valid_to")
            } | {"description": row.text("description"), "notes": row.text("notes")}
            for name in ("opens_at", "closes_at"):
                if values[name] is None:
                    row.error(name, _("Weekly hours need opens_at and closes_at."))
            if values["opens_at"] is not None and values["opens_at"] == values["closes_at"]:
                row.error("closes_at", _("The schedule closes at the time it opens."))
            if None not in (values["valid_from"], values["valid_to"]) and (
                values["valid_from"] > values["valid_to"]
            ):
                row.error("valid_to", _("valid_to is before valid_from."))
            self._clean(row, Schedule(**values), {n: n for n in ("description", "notes")})
            self._schedule_candidate(row, days, values, parents)

    def _schedule_candidate(self, row: Row, days: list, values: dict, parents: dict) -> None:
        """One record per day; the first day keeps the HSDS id, further days get derived ids."""
        parents = {k: v for k, v in parents.items() if v is not None}

        def add() -> None:
            for n, day in enumerate(days):
                record_id = row.id if n == 0 else derived_id("schedule", row.id, day.rrule_code)
                self.package.records["schedule"][record_id] = Record(
                    "schedule", row.raw.row, record_id, {**values, "weekday": int(day)}, parents
                )

        self._candidate("schedule", row, [(FK_TABLE[k], v) for k, v in parents.items()], add)

    def _service_areas(self) -> None:
        for row in self.rows["service_area"]:
            self._needs_service(row)
            area = None
            if row.text("extent").strip():
                try:
                    area = checks.extent(row.text("extent"), row.text("extent_type"))
                except checks.FieldProblem as exc:
                    row.error(exc.field, exc.message)
            values = {
                "name": row.text("name"),
                "description": row.text("description"),
                "extent": area,
                "extent_type": row.text("extent_type") or ("geojson" if area else ""),
                "uri": row.text("uri"),
            }
            fields = {n: n for n in ("name", "description", "extent_type", "uri")}
            self._clean(row, ServiceArea(**values), fields)
            self._record("service_area", row, values, {"service": row.cells.get("service_id")})

    def _needs_service(self, row: Row) -> None:
        if row.cells.get("service_id") is None and "service_id" not in row.errors:
            row.error(
                "service_id",
                _("Hartis keeps a %(table)s only with its service.") % {"table": row.raw.table},
            )

    def _required_documents(self) -> None:
        for row in self.rows["required_document"]:
            self._needs_service(row)
            values = {"document": row.text("document"), "uri": row.text("uri")}
            self._clean(row, RequiredDocument(**values), {"document": "document", "uri": "uri"})
            self._record("required_document", row, values, {"service": row.cells.get("service_id")})
