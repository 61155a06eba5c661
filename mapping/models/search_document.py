"""What full-text search reads: one weighted ``tsvector`` per service, kept on the row.

Weights: A the service's names (in every language it is translated into), B its
organisation, C its themes and target groups (in every interface language) and its places
(place names, addresses, neighbourhood and district in Greek and Latin script, so "Κυψέλη"
and "kypseli" both find Kypseli), D the descriptions.
Every part goes through ``hartis_normalize`` (lower case, no accents, σ for ς), the same
function applied to queries, so "υγεια" finds "Υγεία".
"""

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.db.models import F, OuterRef, Subquery, TextField, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Concat

from mapping.models.queries import SEARCH_CONFIG, Normalized, _model


def _joined(*fields: str) -> Concat:
    parts: list[Combinable] = []
    for field in fields:
        parts += [Coalesce(F(field), Value(""), output_field=TextField()), Value(" ")]
    return Concat(*parts, output_field=TextField())


def _aggregate(model_name: str, service_field: str, *fields: str) -> Subquery:
    """Space-joined ``fields`` of every ``model_name`` row linked to the outer service."""
    model = _model(model_name)
    rows = model.objects.filter(**{service_field: OuterRef("pk")}).values(service_field)
    return Subquery(
        rows.annotate(text=StringAgg(_joined(*fields), delimiter=" ")).values("text")[:1]
    )


def _weighted(expression: Combinable, weight: str) -> SearchVector:
    text = Coalesce(expression, Value(""), output_field=TextField())
    return SearchVector(Normalized(text), weight=weight, config=SEARCH_CONFIG)


def search_vector_expression() -> SearchVector:
    """The ``tsvector`` of the outer service row, for ``UPDATE … SET search_vector = …``."""
    service = _model("Service")
    languages = [code for code, _ in settings.LANGUAGES]
    term_names = [f"taxonomyterm__name_{code}" for code in languages]
    organization_name = Subquery(
        _model("Organization")
        .objects.filter(pk=OuterRef("organization_id"))
        .values_list(_joined("name", "alternate_name"))[:1]
    )
    places = _aggregate(
        "ServiceAtLocation",
        "service_id",
        "location__name",
        "location__address_1",
        "location__postal_code",
        "location__neighbourhood__name",
        "location__neighbourhood__name_en",
        "location__district__name",
        "location__district__name_en",
    )
    translated_names = _aggregate("ServiceTranslation", "service_id", "name")
    translated_text = _aggregate(
        "ServiceTranslation", "service_id", "description", "application_process"
    )
    categories = _aggregate(service.categories.through.__name__, "service_id", *term_names)
    groups = _aggregate(service.target_groups.through.__name__, "service_id", *term_names)
    return (
        _weighted(
            Concat(_joined("name", "alternate_name"), translated_names, output_field=TextField()),
            "A",
        )
        + _weighted(organization_name, "B")
        + _weighted(
            Concat(categories, Value(" "), groups, Value(" "), places, output_field=TextField()),
            "C",
        )
        + _weighted(
            Concat(F("description"), Value(" "), translated_text, output_field=TextField()), "D"
        )
    )
