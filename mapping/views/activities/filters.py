"""The filters of the public activity list and feed (GET parameters, all optional)."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geodata.models import District
from mapping.models import Language, TaxonomyTerm
from mapping.models.activity import ATHENS_TZ

CITY = "athens"
DEFAULT_DAYS = 60  # the public list shows the next two months unless asked otherwise
MAX_DAYS = 366


def _athens_today() -> datetime.date:
    return timezone.localdate(timezone=ATHENS_TZ)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in Athens."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ATHENS_TZ)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ActivityFilters(forms.Form):
    """GET filters of the public list and the feed; every one optional."""

    theme = forms.ChoiceField(label=_("Theme"), required=False)
    district = forms.TypedChoiceField(label=_("District"), required=False, coerce=int)
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two are added by name.
        self.fields["from"] = forms.DateField(label=_("From"), required=False, widget=DateInput())
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=DateInput())
        anything = [("", _("Any"))]
        themes = TaxonomyTerm.objects.themes().values_list("code", "name")
        self.fields["theme"].choices = anything + list(themes)
        districts = District.objects.filter(municipality__slug=CITY).values_list("number", "name")
        self.fields["district"].choices = anything + list(districts)
        languages = Language.objects.values_list("code", "name")
        self.fields["language"].choices = anything + list(languages)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", _("The end of the period is before its start."))
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error("to", _("Choose a period of a year at most."))
        return data

    def period(self, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) of the list: from ``now`` (or the later chosen day) to the end of the
        chosen last day, by default :data:`DEFAULT_DAYS` days. Call after is_valid(); a
        field with an error falls back to its default."""
        data = getattr(self, "cleaned_data", {})
        first = data.get("from") or _athens_today()
        last = data.get("to") or first + datetime.timedelta(days=DEFAULT_DAYS)
        if last < first:
            last = first + datetime.timedelta(days=DEFAULT_DAYS)
        return max(now, day_start(first)), day_start(last + datetime.timedelta(days=1))

    def has_period(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("from") or data.get("to"))

    def as_query(self) -> str:
        """The valid, non-empty filters as a query string (for page and feed links)."""
        data = getattr(self, "cleaned_data", {})
        return urlencode(
            {
                name: value.isoformat() if isinstance(value, datetime.date) else value
                for name, value in data.items()
                if value not in (None, "")
            }
        )

    def criteria(self) -> dict[str, Any]:
        """The valid non-empty filters: theme, district, language."""
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in ("theme", "district", "language") if data.get(name)}
