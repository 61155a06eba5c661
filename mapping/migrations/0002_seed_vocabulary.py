"""Seed the themes taxonomy (ACCMR's six working groups + subcategories), target groups and
languages. Codes are stable API handles; names are in English and Greek (other UI languages
fall back to English until translated). The data is frozen here on purpose: later changes are
new migrations, so every database converges on the same vocabulary."""

import uuid

from django.db import migrations

NAMESPACE = uuid.UUID("1c5e4a52-6c0f-4b1e-9a5e-6861727469a0")  # ids stable across databases

THEMES = [
    # code, English, Greek, [(sub-code, English, Greek), …]
    (
        "housing",
        "Housing",
        "Στέγαση",
        [
            ("housing-emergency-shelter", "Emergency shelter", "Φιλοξενία έκτακτης ανάγκης"),
            (
                "housing-accommodation",
                "Reception and supported accommodation",
                "Δομές φιλοξενίας και υποστηριζόμενη στέγαση",
            ),
            ("housing-day-centre", "Day centre", "Κέντρο ημέρας"),
            (
                "housing-rent-support",
                "Rent support and housing search",
                "Επιδότηση ενοικίου και αναζήτηση κατοικίας",
            ),
            (
                "housing-basic-needs",
                "Food, clothing and hygiene",
                "Τρόφιμα, ρουχισμός και είδη υγιεινής",
            ),
        ],
    ),
    (
        "health",
        "Health",
        "Υγεία",
        [
            ("health-primary-care", "Primary care", "Πρωτοβάθμια φροντίδα υγείας"),
            ("health-hospital", "Hospital", "Νοσοκομείο"),
            (
                "health-mental",
                "Mental health and psychosocial support",
                "Ψυχική υγεία και ψυχοκοινωνική υποστήριξη",
            ),
            (
                "health-sexual-reproductive",
                "Sexual and reproductive health",
                "Σεξουαλική και αναπαραγωγική υγεία",
            ),
            ("health-pharmacy", "Pharmacy and medicines", "Φαρμακείο και φάρμακα"),
            ("health-addiction", "Addiction support", "Υποστήριξη για εξαρτήσεις"),
        ],
    ),
    (
        "legal",
        "Legal support",
        "Νομική υποστήριξη",
        [
            ("legal-asylum", "Asylum procedure", "Διαδικασία ασύλου"),
            ("legal-documents", "Residence permits and documents", "Άδειες διαμονής και έγγραφα"),
            ("legal-family-reunification", "Family reunification", "Οικογενειακή επανένωση"),
            ("legal-labour-rights", "Labour rights", "Εργασιακά δικαιώματα"),
            (
                "legal-information",
                "Legal information and counselling",
                "Νομική πληροφόρηση και συμβουλευτική",
            ),
        ],
    ),
    (
        "education",
        "Education and learning",
        "Εκπαίδευση και μάθηση",
        [
            ("education-school", "Schools", "Σχολεία"),
            ("education-language", "Language courses", "Μαθήματα γλώσσας"),
            ("education-higher", "Higher education", "Ανώτατη εκπαίδευση"),
            ("education-library", "Libraries", "Βιβλιοθήκες"),
            (
                "education-community-centre",
                "Community and cultural centres",
                "Κοινοτικά και πολιτιστικά κέντρα",
            ),
            ("education-courses", "Courses and training", "Μαθήματα και κατάρτιση"),
        ],
    ),
    (
        "employment",
        "Employment",
        "Απασχόληση",
        [
            (
                "employment-job-search",
                "Job search and counselling",
                "Αναζήτηση εργασίας και συμβουλευτική",
            ),
            ("employment-vocational-training", "Vocational training", "Επαγγελματική κατάρτιση"),
            (
                "employment-skills-recognition",
                "Recognition of skills and qualifications",
                "Αναγνώριση δεξιοτήτων και προσόντων",
            ),
            ("employment-entrepreneurship", "Entrepreneurship", "Επιχειρηματικότητα"),
        ],
    ),
    (
        "gender",
        "Gender: women, GBV, LGBTQI+",
        "Φύλο: γυναίκες, έμφυλη βία, ΛΟΑΤΚΙ+",
        [
            ("gender-womens-centre", "Women's centre", "Κέντρο γυναικών"),
            ("gender-gbv", "Gender-based violence support", "Υποστήριξη για την έμφυλη βία"),
            (
                "gender-shelter",
                "Shelter for women and children",
                "Ξενώνας φιλοξενίας γυναικών και παιδιών",
            ),
            ("gender-lgbtqi", "LGBTQI+ support", "Υποστήριξη ΛΟΑΤΚΙ+"),
        ],
    ),
]

TARGET_GROUPS = [
    ("asylum-seekers", "Asylum seekers", "Αιτούντες άσυλο"),
    ("refugees", "Recognised refugees", "Αναγνωρισμένοι πρόσφυγες"),
    ("migrants", "Migrants", "Μετανάστες"),
    ("undocumented", "Undocumented migrants", "Μετανάστες χωρίς χαρτιά"),
    ("unaccompanied-minors", "Unaccompanied minors", "Ασυνόδευτοι ανήλικοι"),
    ("children", "Children and young people", "Παιδιά και νέοι"),
    ("women", "Women", "Γυναίκες"),
    ("families", "Families", "Οικογένειες"),
    ("lgbtqi", "LGBTQI+ people", "ΛΟΑΤΚΙ+ άτομα"),
    ("disabilities", "People with disabilities", "Άτομα με αναπηρία"),
    ("trafficking-victims", "Victims of trafficking", "Θύματα εμπορίας ανθρώπων"),
    ("gbv-survivors", "Survivors of gender-based violence", "Επιζώσες και επιζώντες έμφυλης βίας"),
    ("homeless", "Homeless people", "Άστεγοι"),
    ("older-people", "Older people", "Ηλικιωμένοι"),
    ("people-who-use-drugs", "People who use drugs", "Άτομα που κάνουν χρήση ουσιών"),
]

LANGUAGES = [
    # ISO 639 code, English, Greek, native name, right-to-left
    ("el", "Greek", "Ελληνικά", "Ελληνικά", False),
    ("en", "English", "Αγγλικά", "English", False),
    ("ar", "Arabic", "Αραβικά", "العربية", True),
    ("fa", "Farsi", "Φαρσί", "فارسی", True),
    ("prs", "Dari", "Νταρί", "دری", True),
    ("ps", "Pashto", "Πάστο", "پښتو", True),
    ("ur", "Urdu", "Ούρντου", "اردو", True),
    ("fr", "French", "Γαλλικά", "Français", False),
    ("ku", "Kurdish", "Κουρδικά", "Kurdî", False),
    ("so", "Somali", "Σομαλικά", "Soomaali", False),
    ("ti", "Tigrinya", "Τιγκρίνια", "ትግርኛ", False),
    ("ln", "Lingala", "Λινγκάλα", "Lingála", False),
    ("bn", "Bengali", "Μπενγκάλι", "বাংলা", False),
    ("pa", "Punjabi", "Παντζάμπι", "ਪੰਜਾਬੀ", False),
    ("sq", "Albanian", "Αλβανικά", "Shqip", False),
    ("uk", "Ukrainian", "Ουκρανικά", "Українська", False),
    ("ru", "Russian", "Ρωσικά", "Русский", False),
    ("tr", "Turkish", "Τουρκικά", "Türkçe", False),
    ("es", "Spanish", "Ισπανικά", "Español", False),
    ("de", "German", "Γερμανικά", "Deutsch", False),
    ("gss", "Greek Sign Language", "Ελληνική Νοηματική Γλώσσα", "Ελληνική Νοηματική Γλώσσα", False),
]


def stable_id(kind: str, code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{code}")


def seed(apps, schema_editor):
    Taxonomy = apps.get_model("mapping", "Taxonomy")
    TaxonomyTerm = apps.get_model("mapping", "TaxonomyTerm")
    Language = apps.get_model("mapping", "Language")

    themes, _ = Taxonomy.objects.update_or_create(
        slug="hartis-themes",
        defaults={
            "id": stable_id("taxonomy", "hartis-themes"),
            "name": "Hartis themes",
            "description": "The six themes of the Athens Coordination Center for Migrant and "
            "Refugee issues (ACCMR) working groups, with subcategories.",
            "version": "1",
        },
    )
    groups, _ = Taxonomy.objects.update_or_create(
        slug="hartis-target-groups",
        defaults={
            "id": stable_id("taxonomy", "hartis-target-groups"),
            "name": "Hartis target groups",
            "description": "Who a service is meant for.",
            "version": "1",
        },
    )

    def term(taxonomy, code, en, el, parent=None, position=0):
        obj, _ = TaxonomyTerm.objects.update_or_create(
            taxonomy=taxonomy,
            code=code,
            defaults={
                "id": stable_id("term", code),
                "name": en,
                "name_en": en,
                "name_el": el,
                "parent": parent,
                "position": position,
            },
        )
        return obj

    for position, (code, en, el, children) in enumerate(THEMES):
        theme = term(themes, code, en, el, position=position)
        for child_position, (child_code, child_en, child_el) in enumerate(children):
            term(themes, child_code, child_en, child_el, parent=theme, position=child_position)
    for position, (code, en, el) in enumerate(TARGET_GROUPS):
        term(groups, code, en, el, position=position)
    for code, en, el, native, rtl in LANGUAGES:
        Language.objects.update_or_create(
            code=code,
            defaults={
                "id": stable_id("language", code),
                "name": en,
                "name_en": en,
                "name_el": el,
                "native_name": native,
                "is_rtl": rtl,
            },
        )


def unseed(apps, schema_editor):
    TaxonomyTerm = apps.get_model("mapping", "TaxonomyTerm")
    Taxonomy = apps.get_model("mapping", "Taxonomy")
    Language = apps.get_model("mapping", "Language")
    slugs = ["hartis-themes", "hartis-target-groups"]
    TaxonomyTerm.objects.filter(taxonomy__slug__in=slugs, parent__isnull=False).delete()
    TaxonomyTerm.objects.filter(taxonomy__slug__in=slugs).delete()
    Taxonomy.objects.filter(slug__in=slugs).delete()
    Language.objects.filter(code__in=[row[0] for row in LANGUAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("mapping", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
