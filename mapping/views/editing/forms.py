"""The members' service form: what a person types, checked field by field, and turned into
exactly the *changes* dict of :mod:`mapping.actions.service_edits` (and back again, so the
edit page starts from a record's snapshot or from its pending revision)."""

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from geodata.models import Municipality
from mapping.actions.publishing import Changes
from mapping.actions.service_edits import EDITABLE_FIELDS
from mapping.conf import hartis_options
from mapping.importers.hsds import checks
from mapping.models import TRANSLATED_FIELDS, Language, Service, TaxonomyTerm, Weekday

# Rows of weekly hours a page shows beyond the saved ones, so the form works without
# JavaScript (which adds and removes rows instead).
EXTRA_HOURS_ROWS = 3
MAX_HOURS_ROWS = 28  # four intervals a day is already more than any service has
TIME_FORMAT = "%H:%M"


def _text_widgets() -> dict[str, forms.Widget]:
    small = {"rows": 3}
    return {
        "description": forms.Textarea(attrs={"rows": 5}),
        "eligibility_description": forms.Textarea(attrs=small),
        "application_process": forms.Textarea(attrs=small),
        "fees_description": forms.Textarea(attrs=small),
        "interpretation_services": forms.Textarea(attrs=small),
        "alert": forms.Textarea(attrs={"rows": 2}),
    }


def city() -> Municipality | None:
    """The municipality whose services Hartis maps (``HARTIS['CITY_SLUG']``), if loaded."""
    return Municipality.objects.filter(slug=hartis_options().city_slug).first()


def city_name(municipality: Municipality) -> str:
    # Greek readers get the official name, everyone else its Latin-script form.
    if get_language() == "el" or not municipality.name_en:
        return municipality.name
    return municipality.name_en


class ServiceForm(forms.Form):
    """The service's own fields, its vocabulary links, its main place and its catchment."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    categories = forms.MultipleChoiceField(
        label=_("Themes and subcategories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"), required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), required=False, widget=forms.CheckboxSelectMultiple
    )

    place_name = forms.CharField(label=_("Name of the place"), max_length=300, required=False)
    place_address = forms.CharField(label=_("Street address"), max_length=300, required=False)
    place_postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    catchment = forms.CharField(
        label=_("Area served (GeoJSON)"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = fields_for_model(Service, fields=EDITABLE_FIELDS, widgets=_text_widgets())
        # The model's fields first, in the order a person fills them in.
        self.fields = {**own, **self.fields}
        terms = TaxonomyTerm.objects.select_related("parent")
        self.themes = list(terms.categories())
        self.fields["categories"].choices = [(t.code, t.name) for t in self.themes]
        self.fields["target_groups"].choices = [(t.code, t.name) for t in terms.target_groups()]
        self.fields["languages"].choices = [
            (language.code, language_label(language)) for language in Language.objects.all()
        ]

    def category_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Checkboxes of ``categories`` grouped under their theme (the theme's own box
        first), for the template."""
        boxes = {box.data["value"]: box for box in self["categories"]}
        themes_order = {t.name: t.position for t in self.themes if t.parent_id is None}
        groups: dict[str, tuple[str, list]] = {}
        # Themes first (the terms' ordering puts them after their subcategories).
        for term in sorted(self.themes, key=lambda term: term.parent_id is not None):
            theme = term.theme
            groups.setdefault(theme.code, (theme.name, []))[1].append(boxes[term.code])
        return sorted(groups.values(), key=lambda group: themes_order[group[0]])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The maximum age must not be below the minimum age."))
        self._clean_point(data)
        return data

    def _clean_point(self, data: dict[str, Any]) -> None:
        lon, lat = data.get("lon"), data.get("lat")
        if "lon" in self.errors or "lat" in self.errors:
            return
        has_text = any(data.get(name) for name in ("place_name", "place_address"))
        if lon is None and lat is None:
            if has_text:
                self.add_error(
                    "lon",
                    _("Pick the place on the map, or type its longitude and latitude."),
                )
            return
        try:
            point = checks.point(lat, lon)
        except checks.FieldProblem as problem:
            self.add_error("lon" if problem.field == "longitude" else "lat", problem.message)
            return
        municipality = city()
        if municipality is not None and not _covers(municipality, point):
            self.add_error(
                "lon",
                _(
                    "This point (%(lon)s, %(lat)s) lies outside %(city)s: Hartis maps the "
                    "city's services only. Pick the place inside the city on the map."
                )
                % {"lon": round(lon, 6), "lat": round(lat, 6), "city": city_name(municipality)},
            )

    def clean_catchment(self) -> dict[str, Any] | None:
        text = self.cleaned_data["catchment"].strip()
        if not text:
            return None
        try:
            area = checks.extent(text, "geojson")
        except checks.FieldProblem as problem:
            raise ValidationError(problem.message, code="catchment") from None
        if len(area) == 1:  # a single polygon is kept as drawn, a Polygon
            return {"type": "Polygon", "coordinates": _lists(area[0].coords)}
        return {"type": "MultiPolygon", "coordinates": _lists(area.coords)}

    def place(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("lon") is None and not any(
            data.get(name) for name in ("place_name", "place_address", "place_postal_code")
        ):
            return None
        return {
            "name": data["place_name"],
            "address_1": data["place_address"],
            "postal_code": data["place_postal_code"],
            "point": [data["lon"], data["lat"]] if data.get("lon") is not None else None,
        }


def _covers(municipality: Municipality, point: Point) -> bool:
    """Does the city's polygon cover ``point``? (ST_Covers in the database, GiST index.)"""
    return Municipality.objects.filter(pk=municipality.pk).covering(point).exists()


def _lists(coords: Any) -> Any:
    """GEOS' nested coordinate tuples as JSON-ready lists."""
    if isinstance(coords, tuple) and coords and isinstance(coords[0], float | int):
        return list(coords)
    return [_lists(part) for part in coords]


def language_label(language: Language) -> str:
    if language.native_name and language.native_name != language.name:
        return f"{language.name} · {language.native_name}"
    return language.name


class HoursForm(forms.Form):
    """One weekly opening interval. A row left empty is ignored; a closing time before the
    opening time runs past midnight (night shelters)."""

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    opens = forms.TimeField(
        label=_("Opens"),
        required=False,
        input_formats=[TIME_FORMAT, "%H:%M:%S"],
        widget=forms.TimeInput(format=TIME_FORMAT, attrs={"type": "time"}),
    )
    closes = forms.TimeField(
        label=_("Closes"),
        required=False,
        input_formats=[TIME_FORMAT, "%H:%M:%S"],
        widget=forms.TimeInput(format=TIME_FORMAT, attrs={"type": "time"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        weekday, opens, closes = data.get("weekday"), data.get("opens"), data.get("closes")
        if weekday is None and opens is None and closes is None:
            return data
        for name, value in (("weekday", weekday), ("opens", opens), ("closes", closes)):
            if value is None:
                self.add_error(name, _("Give the day, the opening and the closing time."))
        if opens is not None and opens == closes:
            self.add_error(
                "closes",
                _(
                    "It closes when it opens: give a later closing time (or an earlier one "
                    "for hours past midnight, e.g. 22:00–08:00)."
                ),
            )
        return data

    def interval(self) -> list[Any] | None:
        data = getattr(self, "cleaned_data", {})
        if data.get("DELETE") or data.get("weekday") is None:
            return None
        return [
            data["weekday"],
            data["opens"].strftime(TIME_FORMAT),
            data["closes"].strftime(TIME_FORMAT),
        ]


HoursFormSet = forms.formset_factory(
    HoursForm,
    extra=EXTRA_HOURS_ROWS,
    can_delete=True,
    max_num=MAX_HOURS_ROWS,
    validate_max=True,
)


class TranslationForm(forms.Form):
    """The service's text in one more interface language; empty fields fall back."""

    name = forms.CharField(label=_("Name"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    application_process = forms.CharField(
        label=_("How to access"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    eligibility_description = forms.CharField(
        label=_("Eligibility"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    fees_description = forms.CharField(
        label=_("Fees"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ServiceEditForms:
    """The whole service page — the record, its weekly hours and one translation form per
    interface language — read from and written to one changes dict."""

    def __init__(
        self,
        data: Any = None,
        *,
        initial: Changes | None = None,
        version: int | None = None,
        revision: int | None = None,
        version_required: bool = False,
    ) -> None:
        main, hours, texts = _initial_values(initial or {})
        main.update(version=version, revision=revision)
        self.main = ServiceForm(data, initial=main)
        # Editing needs the version the page was loaded from (optimistic locking).
        self.main.fields["version"].required = version_required
        self.hours = HoursFormSet(data, initial=hours, prefix="hours")
        own_language = self.main["language"].value()
        self.translations = [
            (code, str(name), code == own_language, _translation_form(data, code, texts))
            for code, name in settings.LANGUAGES
        ]

    def is_valid(self) -> bool:
        valid = [self.main.is_valid(), self.hours.is_valid()]
        valid += [form.is_valid() for *_, form in self.translations]
        return all(valid)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.main.errors
            or any(self.hours.errors)
            or self.hours.non_form_errors()
            or any(form.errors for *_, form in self.translations)
        )

    def changes(self) -> Changes:
        """The valid input as the changes dict of mapping.actions.service_edits."""
        data = self.main.cleaned_data
        own_language = data["language"]
        hours = [form.interval() for form in self.hours.forms]
        return {
            "fields": {name: data[name] for name in EDITABLE_FIELDS},
            "categories": sorted(data["categories"]),
            "target_groups": sorted(data["target_groups"]),
            "languages": sorted(data["languages"]),
            "place": self.main.place(),
            "hours": sorted(row for row in hours if row is not None),
            "catchment": data["catchment"],
            # The record's own language holds the original text, so it has no translation.
            "translations": {
                code: {name: form.cleaned_data[name] for name in TRANSLATED_FIELDS}
                for code, _name, _own, form in self.translations
                if code != own_language
            },
        }


def _translation_form(data: Any, code: str, texts: dict[str, dict[str, str]]) -> TranslationForm:
    form = TranslationForm(data, initial=texts.get(code, {}), prefix=f"tr-{code}")
    # The inputs hold text in ``code`` (its script and direction); the labels stay in the
    # interface's language and direction.
    direction = "rtl" if get_language_info(code)["bidi"] else "ltr"
    for field in form.fields.values():
        field.widget.attrs.update(lang=code, dir=direction)
    return form


def _initial_values(
    changes: Changes,
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, dict[str, str]]]:
    """Initial values of the main form, the hours rows and the translations from a changes
    dict (a record's snapshot, or a pending revision over it)."""
    main: dict[str, Any] = {"language": _default_language(), **changes.get("fields", {})}
    for key in ("categories", "target_groups", "languages"):
        main[key] = changes.get(key, [])
    place = changes.get("place") or {}
    point = place.get("point") or [None, None]
    main.update(
        place_name=place.get("name", ""),
        place_address=place.get("address_1", ""),
        place_postal_code=place.get("postal_code", ""),
        lon=point[0],
        lat=point[1],
    )
    catchment = changes.get("catchment")
    main["catchment"] = json.dumps(catchment) if catchment else ""
    hours = [
        {"weekday": weekday, "opens": opens, "closes": closes}
        for weekday, opens, closes in changes.get("hours", [])
    ]
    return main, hours, changes.get("translations", {})


def _default_language() -> str:
    language = (get_language() or "").split("-")[0]
    return language if language in dict(settings.LANGUAGES) else "el"
