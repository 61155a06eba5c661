"""The members' activity form: what, when (and how it repeats), where, for whom.

It speaks in friendly terms (once / every week on chosen days until a date /
every few weeks) and turns them into the changes dict of mapping.actions.activity_edits,
with an iCalendar ``RRULE``; a rule the friendly choices cannot say stays editable as text.
Dates and times are entered and shown in Europe/Athens whatever the reader's language.
"""

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mapping.models import Language, Location, TaxonomyTerm
from mapping.models.activity import ATHENS_TZ, parse_recurrence
from mapping.views.activities.filters import DateInput, day_start

WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
ONCE, WEEKLY, EVERY_N_WEEKS, RULE = "once", "weekly", "every_n_weeks", "rule"
REPEAT_CHOICES = [
    (ONCE, _("Once")),
    (WEEKLY, _("Every week, on the days chosen, until a date")),
    (EVERY_N_WEEKS, _("Every few weeks, on the days chosen, until a date")),
    (RULE, _("Another rule (iCalendar RRULE, for experts)")),
]
ONLINE_ONLY, EXISTING_PLACE, NEW_PLACE = "online", "existing", "new"
PLACE_CHOICES = [
    (ONLINE_ONLY, _("Online only")),
    (EXISTING_PLACE, _("At one of our places")),
    (NEW_PLACE, _("At a new place")),
]
# A weekly rule the friendly choices can say: FREQ, INTERVAL, BYDAY and a UTC UNTIL only.
_DAY = "(MO|TU|WE|TH|FR|SA|SU)"
_FRIENDLY_PART = re.compile(
    rf"^(FREQ=WEEKLY|INTERVAL=\d+|BYDAY={_DAY}(,{_DAY})*|UNTIL=\d{{8}}T\d{{6}}Z)$"
)


class AthensDateTimeField(forms.DateTimeField):
    """A date and time typed and shown in Athens time (not the reader's time zone)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value: Any) -> datetime.datetime | None:
        with timezone.override(ATHENS_TZ):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(ATHENS_TZ):
            return super().prepare_value(value)


class ActivityForm(forms.Form):
    """A member's activity: what, when (and how it repeats), where, for whom."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    language = forms.ChoiceField(label=_("Language of this text"), initial="el")
    theme = forms.ChoiceField(label=_("Theme"))
    starts_at = AthensDateTimeField(label=_("Starts (Athens time)"))
    ends_at = AthensDateTimeField(label=_("Ends (Athens time)"), required=False)
    repeat = forms.ChoiceField(
        label=_("Repeats"), choices=REPEAT_CHOICES, initial=ONCE, widget=forms.RadioSelect
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("By default, the weekday it starts on."),
    )
    interval = forms.IntegerField(
        label=_("Every how many weeks"), min_value=2, max_value=8, required=False
    )
    until = forms.DateField(label=_("Until (last day)"), required=False, widget=DateInput())
    rule = forms.CharField(
        label=_("Rule"),
        max_length=300,
        required=False,
        help_text=_("For example FREQ=MONTHLY;BYDAY=1SA;COUNT=6"),
    )
    place = forms.ChoiceField(
        label=_("It takes place"),
        choices=PLACE_CHOICES,
        initial=NEW_PLACE,
        widget=forms.RadioSelect,
    )
    location = forms.ModelChoiceField(
        label=_("Place"), queryset=Location.objects.none(), required=False
    )
    place_name = forms.CharField(label=_("Name of the place"), max_length=300, required=False)
    address_1 = forms.CharField(label=_("Street address"), max_length=300, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    latitude = forms.FloatField(
        label=_("Latitude"), min_value=-90, max_value=90, required=False, localize=False
    )
    longitude = forms.FloatField(
        label=_("Longitude"), min_value=-180, max_value=180, required=False, localize=False
    )
    online_url = forms.URLField(label=_("Online at"), required=False, assume_scheme="https")
    registration_url = forms.URLField(
        label=_("Registration link"), required=False, assume_scheme="https"
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Held in"), required=False, widget=forms.CheckboxSelectMultiple
    )
    audience = forms.MultipleChoiceField(
        label=_("For"), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(organization=organization).defer(
            "point"
        )
        languages = list(Language.objects.values_list("code", "name"))
        self.fields["language"].choices = languages
        self.fields["languages"].choices = languages
        self.fields["theme"].choices = [
            ("", "—"),
            *TaxonomyTerm.objects.themes().values_list("code", "name"),
        ]
        self.fields["audience"].choices = TaxonomyTerm.objects.target_groups().values_list(
            "code", "name"
        )

    # -- from the record to the form ---------------------------------------------------

    @staticmethod
    def initial_from(changes: dict[str, Any], version: int, revision: int | None) -> dict:
        """The form's initial values from a changes dict (a snapshot or a pending revision)."""
        fields = changes.get("fields", {})
        starts = fields.get("starts_at")
        ends = fields.get("ends_at")
        initial: dict[str, Any] = {
            **{
                name: fields.get(name)
                for name in ("title", "description", "language", "theme", "online_url")
            },
            "registration_url": fields.get("registration_url"),
            "capacity": fields.get("capacity"),
            "starts_at": datetime.datetime.fromisoformat(starts) if starts else None,
            "ends_at": datetime.datetime.fromisoformat(ends) if ends else None,
            "languages": changes.get("languages", []),
            "audience": changes.get("audience", []),
            "version": version,
            "revision": revision,
            **_repeat_initial(fields.get("recurrence") or ""),
        }
        place = changes.get("place")
        if place is None:
            initial["place"] = ONLINE_ONLY
        elif place.get("location"):
            initial.update(place=EXISTING_PLACE, location=place["location"])
        else:
            lon, lat = place.get("point") or (None, None)
            initial.update(
                place=NEW_PLACE,
                place_name=place.get("name"),
                address_1=place.get("address_1"),
                postal_code=place.get("postal_code"),
                latitude=lat,
                longitude=lon,
            )
        return initial

    # -- checks ------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The activity cannot end before it starts."))
        self._clean_place(data)
        if starts:
            data["recurrence"] = self._recurrence(data, starts)
        return data

    def _clean_place(self, data: dict[str, Any]) -> None:
        kind = data.get("place")
        if kind == ONLINE_ONLY and not data.get("online_url") and "online_url" not in self.errors:
            self.add_error("online_url", _("Give a place or an online link (or both)."))
        elif kind == EXISTING_PLACE and not data.get("location") and "location" not in self.errors:
            self.add_error("location", _("Choose one of your places."))
        elif kind == NEW_PLACE:
            if not (data.get("place_name") or data.get("address_1")):
                self.add_error("address_1", _("Give the name or the address of the place."))
            has_lat, has_lon = data.get("latitude") is not None, data.get("longitude") is not None
            if not (has_lat and has_lon) and not self.has_error("latitude"):
                self.add_error(
                    "latitude",
                    _("Give the position (latitude and longitude) so people find it on the map."),
                )

    def _recurrence(self, data: dict[str, Any], starts: datetime.datetime) -> str:
        repeat = data.get("repeat")
        if repeat == RULE:
            rule, field = (data.get("rule") or "").strip().upper(), "rule"
            if not rule:
                self.add_error("rule", _("Write the rule, or choose another way to repeat."))
                return ""
        elif repeat in (WEEKLY, EVERY_N_WEEKS):
            until, field = data.get("until"), "until"
            if until is None:
                if not self.has_error("until"):
                    self.add_error("until", _("Choose the last day it takes place."))
                return ""
            interval = data.get("interval") if repeat == EVERY_N_WEEKS else 1
            if interval is None:
                if not self.has_error("interval"):
                    self.add_error("interval", _("Say every how many weeks."))
                return ""
            days = data.get("weekdays") or [WEEKDAYS[starts.astimezone(ATHENS_TZ).weekday()][0]]
            rule = weekly_rule(days, interval, until)
        else:
            return ""
        try:
            parse_recurrence(rule, starts)
        except ValidationError as error:
            for message in error.message_dict.get("recurrence", []):
                self.add_error(field, message)
        return rule

    # -- from the form to the changes dict ---------------------------------------------

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        ends = data.get("ends_at")
        place: dict[str, Any] | None = None
        if data["place"] == EXISTING_PLACE:
            place = {"location": str(data["location"].pk)}
        elif data["place"] == NEW_PLACE:
            place = {
                "name": data.get("place_name", ""),
                "address_1": data.get("address_1", ""),
                "postal_code": data.get("postal_code", ""),
                "point": [data["longitude"], data["latitude"]],
            }
        return {
            "fields": {
                "title": data["title"],
                "description": data.get("description", ""),
                "language": data["language"],
                "theme": data["theme"],
                "starts_at": data["starts_at"].astimezone(ATHENS_TZ).isoformat(),
                "ends_at": ends.astimezone(ATHENS_TZ).isoformat() if ends else None,
                "recurrence": data.get("recurrence", ""),
                "online_url": data.get("online_url", ""),
                "registration_url": data.get("registration_url", ""),
                "capacity": data.get("capacity"),
            },
            "languages": sorted(data.get("languages", [])),
            "audience": sorted(data.get("audience", [])),
            "place": place,
        }

    def add_action_errors(self, error: ValidationError) -> None:
        """Show an action's ValidationError on the fields it names (or on the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        aliases = {"point": "latitude", "name": "place_name"}
        for name, messages in error.message_dict.items():
            target = aliases.get(name, name)
            self.add_error(target if target in self.fields else None, messages)


def weekly_rule(days: list[str], interval: int, until: datetime.date) -> str:
    """``FREQ=WEEKLY`` on ``days`` every ``interval`` weeks through the Athens day ``until``
    (UNTIL in UTC, as RFC 5545 requires with a zoned start)."""
    last = day_start(until + datetime.timedelta(days=1)) - datetime.timedelta(seconds=1)
    order = [code for code, _label in WEEKDAYS]
    parts = ["FREQ=WEEKLY"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    parts.append("BYDAY=" + ",".join(sorted(set(days), key=order.index)))
    parts.append("UNTIL=" + last.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def _repeat_initial(rule: str) -> dict[str, Any]:
    """The friendly choice that says ``rule`` (or the rule as text)."""
    if not rule:
        return {"repeat": ONCE}
    parts = rule.upper().split(";")
    if not all(_FRIENDLY_PART.match(part) for part in parts) or "FREQ=WEEKLY" not in parts:
        return {"repeat": RULE, "rule": rule}
    values = dict(part.split("=", 1) for part in parts)
    if "UNTIL" not in values or "BYDAY" not in values:
        return {"repeat": RULE, "rule": rule}
    until_utc = datetime.datetime.strptime(values["UNTIL"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.UTC
    )
    interval = int(values.get("INTERVAL", "1"))
    return {
        "repeat": WEEKLY if interval == 1 else EVERY_N_WEEKS,
        "interval": interval if interval > 1 else None,
        "weekdays": values["BYDAY"].split(","),
        "until": until_utc.astimezone(ATHENS_TZ).date(),
    }
