"""django-modeltranslation registrations: per-language columns (name_el, name_ar, …)."""

from modeltranslation.translator import TranslationOptions, register

from mapping.models import Language, TaxonomyTerm


@register(TaxonomyTerm)
class TaxonomyTermTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Language)
class LanguageTranslation(TranslationOptions):
    fields = ("name",)
