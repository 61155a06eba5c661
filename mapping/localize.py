"""A service's text in the reader's language, with a stated fallback.

Order for each field: the language asked for, then Greek (the city's language), then English,
then the original text whatever its language. A field that is empty in one language falls
through to the next, so a partial translation still helps.
"""

from dataclasses import dataclass, field

from django.utils.translation import get_language

from mapping.models import TRANSLATED_FIELDS, Service

CITY_LANGUAGE = "el"
FALLBACK_LANGUAGE = "en"


def fallback_chain(language: str) -> list[str]:
    """Languages to try, in order, for a reader of ``language``."""
    return list(dict.fromkeys([language, CITY_LANGUAGE, FALLBACK_LANGUAGE]))


@dataclass(frozen=True)
class LocalizedText:
    """The translated fields of one service for one reader, and where each came from."""

    requested: str
    values: dict[str, str]
    languages: dict[str, str] = field(default_factory=dict)  # field → language it is in

    def __getattr__(self, name: str) -> str:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def is_fallback(self) -> bool:
        """Some shown text is not in the requested language."""
        return any(
            lang != self.requested for name, lang in self.languages.items() if self.values[name]
        )

    @property
    def name_language(self) -> str:
        return self.languages.get("name", self.requested)


def reader_language(language: str | None = None) -> str:
    """``language``, else the active one, as a bare code ("fr-ca" → "fr")."""
    return (language or get_language() or FALLBACK_LANGUAGE).split("-")[0]


def choose(
    versions: dict[str, str], original: str, original_language: str, language: str
) -> tuple[str, str]:
    """The text to show a reader of ``language`` and the language it is in. ``versions`` maps
    language → text for one field (translations); the original counts for its own language."""
    versions = {**versions, original_language: original}
    for candidate in fallback_chain(language):
        if versions.get(candidate):
            return versions[candidate], candidate
    return original, original_language


def localized(
    service: Service, language: str | None = None, fields: tuple[str, ...] = TRANSLATED_FIELDS
) -> LocalizedText:
    """``service``'s ``fields`` for a reader of ``language`` (default: the active language).
    Uses ``service.translations.all()``, so prefetch ``translations`` for many services."""
    language = reader_language(language)
    translations = list(service.translations.all())
    values, languages = {}, {}
    for name in fields:
        versions = {t.language: getattr(t, name) for t in translations}
        values[name], languages[name] = choose(
            versions, getattr(service, name), service.language, language
        )
    return LocalizedText(requested=language, values=values, languages=languages)
