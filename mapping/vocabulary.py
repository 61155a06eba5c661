"""Codes the API accepts (themes, target groups, languages, districts, neighbourhoods).

They change rarely but are checked on every search, so they are cached: dropped at once in
the process that changes them, and at most a minute stale in other processes (the default
cache is per process).
"""

from django.core.cache import cache

from geodata.models import District, Neighbourhood
from mapping.models import Language, TaxonomyTerm

CACHE_KEY = "hartis:vocabulary:1"
CACHE_SECONDS = 60


def known_codes(city: str = "athens") -> dict[str, list[str]]:
    """Accepted values per parameter, sorted, for validation and error messages."""
    key = f"{CACHE_KEY}:{city}"
    codes = cache.get(key)
    if codes is None:
        codes = {
            "theme": sorted(TaxonomyTerm.objects.categories().values_list("code", flat=True)),
            "target_group": sorted(
                TaxonomyTerm.objects.target_groups().values_list("code", flat=True)
            ),
            "language": sorted(Language.objects.values_list("code", flat=True)),
            "district": [
                str(n)
                for n in District.objects.filter(municipality__slug=city)
                .order_by("number")
                .values_list("number", flat=True)
            ],
            "neighbourhood": sorted(
                Neighbourhood.objects.filter(municipality__slug=city).values_list("slug", flat=True)
            ),
        }
        cache.set(key, codes, CACHE_SECONDS)
    return codes


def forget_known_codes(city: str = "athens") -> None:
    cache.delete(f"{CACHE_KEY}:{city}")
