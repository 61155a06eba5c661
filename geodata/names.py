"""Latin-script names and URL slugs for Greek place names (ΚΥΨΕΛΗ → Kypseli, kypseli).

anyascii transliterates letter by letter; Greek digraphs are first rewritten the way ELOT 743
(the Greek standard, also used on road signs) reads them: ου → ou, and αυ/ευ/ηυ → av/ev/iv
before a vowel or voiced consonant, af/ef/if otherwise (ΕΛΕΥΘΕΡΙΟΣ → Eleftherios).
"""

import re
import unicodedata

from anyascii import anyascii
from django.utils.text import slugify

_VOICED_OR_VOWEL = "ΑΕΗΙΟΥΩΒΓΔΖΛΜΝΡ"
_DIGRAPH_OU = re.compile("ΟΥ")
_DIGRAPH_U = re.compile(f"([ΑΕΗ])Υ(?=[{_VOICED_OR_VOWEL}])|([ΑΕΗ])Υ")
_VOWEL_LATIN = {"Α": "A", "Ε": "E", "Η": "I"}


def _digraphs(upper: str) -> str:
    upper = _DIGRAPH_OU.sub("OU", upper)

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return _VOWEL_LATIN[match.group(1)] + "V"
        return _VOWEL_LATIN[match.group(2)] + "F"

    return _DIGRAPH_U.sub(replace, upper)


def _plain_upper(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def latin_name(name: str) -> str:
    """Transliterate a Greek name to Latin script in title case: "ΑΝΩ ΚΥΨΕΛΗ" → "Ano Kypseli"."""
    latin = anyascii(_digraphs(_plain_upper(name)))
    return " ".join("-".join(p.capitalize() for p in word.split("-")) for word in latin.split())


def latin_slug(name: str) -> str:
    """ASCII slug of a Greek name: "ΜΟΥΣΕΙΟ-ΕΞΑΡΧΕΙΑ-ΝΕΑΠΟΛΗ" → "mouseio-exarcheia-neapoli"."""
    return slugify(latin_name(name))
