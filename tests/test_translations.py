"""Interface translations: the message catalogues are complete and compiled, and the seeded
vocabulary (themes, subcategories, target groups, languages) is named in every interface
language. The .mo files are built by ``make setup`` (compilemessages), never committed."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.utils import translation

from mapping.models import Language, TaxonomyTerm

TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]  # en is the source
INTERFACE = [code for code, _ in settings.LANGUAGES]
LOCALE = settings.LOCALE_PATHS[0]

CORE_STRINGS = [
    "Open now",
    "Filters",
    "Languages spoken",
    "Referral sheet",
    "Find a service",
    "Municipal district",
    "demo",
    "Greek",
]
API_ERROR = "Unknown parameter; allowed: %(allowed)s."  # constants: makemessages skips them
STALE_SINGULAR = "Not verified for %(months)s month. Check with the service before you go."
STALE_PLURAL = "Not verified for %(months)s months. Check with the service before you go."

PLURAL_FORMS = {
    "el": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "fa": "nplurals=2; plural=(n > 1);",
    "ur": "nplurals=2; plural=(n != 1);",
    "ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 && n%100<=99 ? 4 : 5;",
}


def _po(language: str):
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def test_every_interface_language_but_english_has_a_catalogue():
    present = sorted(path.name for path in LOCALE.iterdir() if (path / "LC_MESSAGES").is_dir())
    assert present == sorted(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_core_interface_strings_are_translated(language):
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists(), (
        "no compiled catalogue: run 'make setup' (or manage.py compilemessages)"
    )
    with translation.override(language):
        for msgid in CORE_STRINGS:
            assert translation.gettext(msgid) != msgid, (language, msgid)
        api_error = translation.gettext(API_ERROR)
        assert "%(allowed)s" in api_error and not api_error.startswith("Unknown")
        for months in (1, 2, 5, 14):
            stale = translation.ngettext(STALE_SINGULAR, STALE_PLURAL, months)
            assert stale not in (STALE_SINGULAR, STALE_PLURAL), (language, months)
            assert "Check with the service" not in stale
            text = stale % {"months": months}  # what blocktranslate does
            if months in (5, 14):
                assert str(months) in text, (language, months, text)


@pytest.mark.parametrize("language", TRANSLATED)
def test_po_files_are_complete(language):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt not found: install gettext (scripts/bootstrap.sh does)"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(_po(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "translated message" in report
    assert "untranslated" not in report and "fuzzy" not in report, report


@pytest.mark.parametrize("language", TRANSLATED)
def test_po_headers(language):
    text = _po(language).read_text(encoding="utf-8")
    block = text.split("\n\n", 1)[0]
    assert "#, fuzzy" not in block
    header = "".join(re.findall(r'^"(.*)"$', block, re.M)).replace("\\n", "\n")
    fields = dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)
    assert fields["Language"] == language
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == PLURAL_FORMS[language]


def test_vocabulary_is_named_in_every_interface_language(db):
    terms = list(TaxonomyTerm.objects.categories()) + list(TaxonomyTerm.objects.target_groups())
    themes = TaxonomyTerm.objects.themes()
    assert themes.count() == 6 and len(terms) > 40
    languages = list(Language.objects.all())
    assert len(languages) >= 20
    for code in INTERFACE:
        field = f"name_{code}"
        unnamed_terms = [term.code for term in terms if not (getattr(term, field) or "").strip()]
        unnamed_languages = [
            language.code for language in languages if not (getattr(language, field) or "").strip()
        ]
        assert unnamed_terms == [], (code, unnamed_terms)
        assert unnamed_languages == [], (code, unnamed_languages)


@pytest.mark.parametrize("language", TRANSLATED)
def test_vocabulary_follows_the_active_language(db, language):
    health = TaxonomyTerm.objects.themes().get(code="health")
    farsi = Language.objects.get(code="fa")
    with translation.override(language):
        assert health.name not in ("", "Health")
        assert farsi.name not in ("", "Farsi")
