"""The directory's read rules as steps of raw statements (coverage, vector tiles, OGC API).

Where SQL must be raw, the rules that choose services stay the ORM's (mapping.models.queries):
the queryset is compiled by the ORM and its positional parameters renamed, so it can sit as
one step among a statement's named parameters.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

_PLACEHOLDER = re.compile(r"%(%|s)")  # a positional parameter, or an escaped percent sign


@dataclass(frozen=True)
class Statement:
    """SQL text with named parameters, and the parameters, ready for ``cursor.execute``."""

    sql: str
    params: dict[str, Any]


def named(queryset: QuerySet, prefix: str) -> Statement:
    """``queryset``'s SQL with its positional ``%s`` renamed ``%(<prefix>0)s``,
    ``%(<prefix>1)s``…, and its parameters under those names."""
    text, values = queryset.query.sql_with_params()
    numbers = iter(range(len(values)))

    def rename(match: re.Match) -> str:
        return "%%" if match.group(1) == "%" else f"%({prefix}{next(numbers)})s"

    renamed = _PLACEHOLDER.sub(rename, text)
    return Statement(renamed, {f"{prefix}{n}": value for n, value in enumerate(values)})
