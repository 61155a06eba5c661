"""Name the vocabulary seeded by 0002 (themes, subcategories, target groups, languages) in the
other interface languages: Arabic, Farsi, French and Urdu (0002 gave English and Greek).

The data is frozen here, keyed by the stable codes of 0002; later wording changes are new
migrations. Language names are written as each interface language names them. Services'
search documents hold every interface language's term names, so they are cleared here and
rebuilt by the post_migrate receiver (mapping.receivers.fill_missing_search_documents).
"""

from django.db import migrations

TAXONOMIES = ["hartis-themes", "hartis-target-groups"]
FIELDS = ("name_ar", "name_fa", "name_fr", "name_ur")

TERMS = {
    # code: (Arabic, Farsi, French, Urdu)
    "housing": ("السكن", "مسکن", "Logement", "رہائش"),
    "housing-emergency-shelter": (
        "مأوى طارئ",
        "اسکان اضطراری",
        "Hébergement d’urgence",
        "ہنگامی پناہ گاہ",
    ),
    "housing-accommodation": (
        "مراكز الاستقبال والسكن المدعوم",
        "مراکز پذیرش و اسکان حمایتی",
        "Structures d’accueil et hébergement accompagné",
        "استقبالیہ مراکز اور معاون رہائش",
    ),
    "housing-day-centre": ("مركز نهاري", "مرکز روزانه", "Accueil de jour", "ڈے سینٹر"),
    "housing-rent-support": (
        "دعم الإيجار والبحث عن سكن",
        "کمک هزینه اجاره و یافتن مسکن",
        "Aide au loyer et recherche de logement",
        "کرایے میں مدد اور رہائش کی تلاش",
    ),
    "housing-basic-needs": (
        "الغذاء والملابس ومستلزمات النظافة",
        "غذا، پوشاک و اقلام بهداشتی",
        "Alimentation, vêtements et hygiène",
        "خوراک، کپڑے اور صفائی ستھرائی کا سامان",
    ),
    "health": ("الصحة", "سلامت", "Santé", "صحت"),
    "health-primary-care": (
        "الرعاية الصحية الأولية",
        "مراقبت\u200cهای بهداشتی اولیه",
        "Soins de premier recours",
        "بنیادی صحت کی دیکھ بھال",
    ),
    "health-hospital": ("مستشفى", "بیمارستان", "Hôpital", "ہسپتال"),
    "health-mental": (
        "الصحة النفسية والدعم النفسي الاجتماعي",
        "سلامت روان و حمایت روانی\u200cاجتماعی",
        "Santé mentale et soutien psychosocial",
        "ذہنی صحت اور نفسیاتی و سماجی معاونت",
    ),
    "health-sexual-reproductive": (
        "الصحة الجنسية والإنجابية",
        "سلامت جنسی و باروری",
        "Santé sexuelle et reproductive",
        "جنسی و تولیدی صحت",
    ),
    "health-pharmacy": (
        "الصيدلية والأدوية",
        "داروخانه و دارو",
        "Pharmacie et médicaments",
        "فارمیسی اور ادویات",
    ),
    "health-addiction": (
        "الدعم في حالات الإدمان",
        "حمایت در زمینه اعتیاد",
        "Accompagnement des addictions",
        "نشے کی لت سے نجات میں مدد",
    ),
    "legal": ("الدعم القانوني", "حمایت حقوقی", "Aide juridique", "قانونی معاونت"),
    "legal-asylum": (
        "إجراءات اللجوء",
        "روند پناهندگی",
        "Procédure d’asile",
        "پناہ کی درخواست کا طریقۂ کار",
    ),
    "legal-documents": (
        "تصاريح الإقامة والوثائق",
        "اجازه اقامت و مدارک",
        "Titres de séjour et documents",
        "رہائشی اجازت نامے اور دستاویزات",
    ),
    "legal-family-reunification": (
        "لمّ شمل الأسرة",
        "الحاق خانواده",
        "Réunification et regroupement familial",
        "خاندان کا دوبارہ ملاپ",
    ),
    "legal-labour-rights": ("حقوق العمال", "حقوق کار", "Droit du travail", "مزدوروں کے حقوق"),
    "legal-information": (
        "المعلومات والاستشارات القانونية",
        "اطلاعات و مشاوره حقوقی",
        "Information et conseil juridiques",
        "قانونی معلومات اور مشاورت",
    ),
    "education": (
        "التعليم والتعلّم",
        "آموزش و یادگیری",
        "Éducation et apprentissage",
        "تعلیم و تربیت",
    ),
    "education-school": ("المدارس", "مدرسه\u200cها", "Écoles", "اسکول"),
    "education-language": (
        "دورات اللغة",
        "کلاس\u200cهای زبان",
        "Cours de langue",
        "زبان کی کلاسیں",
    ),
    "education-higher": ("التعليم العالي", "آموزش عالی", "Enseignement supérieur", "اعلیٰ تعلیم"),
    "education-library": ("المكتبات", "کتابخانه\u200cها", "Bibliothèques", "لائبریریاں"),
    "education-community-centre": (
        "المراكز المجتمعية والثقافية",
        "مراکز اجتماعی و فرهنگی",
        "Centres sociaux et culturels",
        "کمیونٹی اور ثقافتی مراکز",
    ),
    "education-courses": (
        "الدورات والتدريب",
        "دوره\u200cها و آموزش\u200cها",
        "Cours et formations",
        "کورسز اور تربیت",
    ),
    "employment": ("العمل", "اشتغال", "Emploi", "روزگار"),
    "employment-job-search": (
        "البحث عن عمل والإرشاد",
        "کاریابی و مشاوره شغلی",
        "Recherche d’emploi et accompagnement",
        "ملازمت کی تلاش اور رہنمائی",
    ),
    "employment-vocational-training": (
        "التدريب المهني",
        "آموزش فنی و حرفه\u200cای",
        "Formation professionnelle",
        "پیشہ ورانہ تربیت",
    ),
    "employment-skills-recognition": (
        "الاعتراف بالمهارات والمؤهلات",
        "به رسمیت شناختن مهارت\u200cها و مدارک",
        "Reconnaissance des compétences et des diplômes",
        "مہارتوں اور اسناد کی منظوری",
    ),
    "employment-entrepreneurship": (
        "ريادة الأعمال",
        "کارآفرینی",
        "Entrepreneuriat",
        "اپنا کاروبار شروع کرنا",
    ),
    "gender": (
        "النوع الاجتماعي: النساء، العنف القائم على النوع الاجتماعي، مجتمع الميم (LGBTQI+)",
        "جنسیت: زنان، خشونت مبتنی بر جنسیت، دگرباشان (LGBTQI+)",
        "Genre\u00a0: femmes, violences de genre, LGBTQI+",
        "صنف: خواتین، صنفی تشدد، LGBTQI+",
    ),
    "gender-womens-centre": (
        "مركز للنساء",
        "مرکز زنان",
        "Centre pour les femmes",
        "خواتین کا مرکز",
    ),
    "gender-gbv": (
        "الدعم في حالات العنف القائم على النوع الاجتماعي",
        "حمایت در برابر خشونت مبتنی بر جنسیت",
        "Accompagnement face aux violences de genre",
        "صنفی تشدد سے متاثرہ افراد کی مدد",
    ),
    "gender-shelter": (
        "دار إيواء للنساء والأطفال",
        "خانه امن زنان و کودکان",
        "Hébergement pour femmes et enfants",
        "خواتین اور بچوں کے لیے پناہ گاہ",
    ),
    "gender-lgbtqi": (
        "دعم مجتمع الميم (LGBTQI+)",
        "حمایت از دگرباشان (LGBTQI+)",
        "Soutien LGBTQI+",
        "LGBTQI+ افراد کے لیے معاونت",
    ),
    # target groups
    "asylum-seekers": (
        "طالبو اللجوء",
        "پناه\u200cجویان",
        "Demandeurs d’asile",
        "پناہ کے متلاشی افراد",
    ),
    "refugees": (
        "اللاجئون المعترف بهم",
        "پناهندگان به رسمیت شناخته\u200cشده",
        "Réfugiés reconnus",
        "تسلیم شدہ پناہ گزین",
    ),
    "migrants": ("المهاجرون", "مهاجران", "Migrants", "تارکینِ وطن"),
    "undocumented": (
        "المهاجرون بلا وثائق",
        "مهاجران بدون مدرک",
        "Migrants sans papiers",
        "بغیر دستاویزات کے تارکینِ وطن",
    ),
    "unaccompanied-minors": (
        "القاصرون غير المصحوبين بذويهم",
        "کودکان و نوجوانان بدون همراه",
        "Mineurs non accompagnés",
        "بغیر سرپرست نابالغ",
    ),
    "children": ("الأطفال والشباب", "کودکان و جوانان", "Enfants et jeunes", "بچے اور نوجوان"),
    "women": ("النساء", "زنان", "Femmes", "خواتین"),
    "families": ("العائلات", "خانواده\u200cها", "Familles", "خاندان"),
    "lgbtqi": (
        "أفراد مجتمع الميم (LGBTQI+)",
        "افراد دگرباش (LGBTQI+)",
        "Personnes LGBTQI+",
        "LGBTQI+ افراد",
    ),
    "disabilities": (
        "الأشخاص ذوو الإعاقة",
        "افراد دارای معلولیت",
        "Personnes en situation de handicap",
        "معذوری کے حامل افراد",
    ),
    "trafficking-victims": (
        "ضحايا الاتجار بالبشر",
        "قربانیان قاچاق انسان",
        "Victimes de la traite des êtres humains",
        "انسانی اسمگلنگ کے متاثرین",
    ),
    "gbv-survivors": (
        "الناجيات والناجون من العنف القائم على النوع الاجتماعي",
        "بازماندگان خشونت مبتنی بر جنسیت",
        "Survivantes et survivants de violences de genre",
        "صنفی تشدد سے بچ جانے والے افراد",
    ),
    "homeless": ("الأشخاص بلا مأوى", "افراد بی\u200cخانمان", "Personnes sans abri", "بے گھر افراد"),
    "older-people": ("كبار السن", "سالمندان", "Personnes âgées", "بزرگ افراد"),
    "people-who-use-drugs": (
        "الأشخاص الذين يتعاطون المخدرات",
        "افرادی که مواد مصرف می\u200cکنند",
        "Personnes usagères de drogues",
        "منشیات استعمال کرنے والے افراد",
    ),
}

LANGUAGES = {
    # ISO 639 code: (Arabic, Farsi, French, Urdu)
    "el": ("اليونانية", "یونانی", "Grec", "یونانی"),
    "en": ("الإنجليزية", "انگلیسی", "Anglais", "انگریزی"),
    "ar": ("العربية", "عربی", "Arabe", "عربی"),
    "fa": ("الفارسية", "فارسی", "Persan (farsi)", "فارسی"),
    "prs": ("الدارية", "دری", "Dari", "دری"),
    "ps": ("البشتوية", "پشتو", "Pachto", "پشتو"),
    "ur": ("الأردية", "اردو", "Ourdou", "اردو"),
    "fr": ("الفرنسية", "فرانسوی", "Français", "فرانسیسی"),
    "ku": ("الكردية", "کردی", "Kurde", "کردی"),
    "so": ("الصومالية", "سومالیایی", "Somali", "صومالی"),
    "ti": ("التغرينية", "تیگرینیا", "Tigrigna", "تگرینیا"),
    "ln": ("اللينغالا", "لینگالا", "Lingala", "لنگالا"),
    "bn": ("البنغالية", "بنگالی", "Bengali", "بنگالی"),
    "pa": ("البنجابية", "پنجابی", "Pendjabi", "پنجابی"),
    "sq": ("الألبانية", "آلبانیایی", "Albanais", "البانوی"),
    "uk": ("الأوكرانية", "اوکراینی", "Ukrainien", "یوکرینی"),
    "ru": ("الروسية", "روسی", "Russe", "روسی"),
    "tr": ("التركية", "ترکی", "Turc", "ترکی"),
    "es": ("الإسبانية", "اسپانیایی", "Espagnol", "ہسپانوی"),
    "de": ("الألمانية", "آلمانی", "Allemand", "جرمن"),
    "gss": (
        "لغة الإشارة اليونانية",
        "زبان اشاره یونانی",
        "Langue des signes grecque",
        "یونانی اشاراتی زبان",
    ),
}


def _forget_search_documents(apps) -> None:
    """Term names are part of every service's search document: let post_migrate rebuild them."""
    apps.get_model("mapping", "Service").objects.update(search_vector=None)


def translate(apps, schema_editor):
    TaxonomyTerm = apps.get_model("mapping", "TaxonomyTerm")
    Language = apps.get_model("mapping", "Language")
    terms = TaxonomyTerm.objects.filter(taxonomy__slug__in=TAXONOMIES)
    for code, names in TERMS.items():
        terms.filter(code=code).update(**dict(zip(FIELDS, names, strict=True)))
    for code, names in LANGUAGES.items():
        Language.objects.filter(code=code).update(**dict(zip(FIELDS, names, strict=True)))
    _forget_search_documents(apps)


def untranslate(apps, schema_editor):
    TaxonomyTerm = apps.get_model("mapping", "TaxonomyTerm")
    Language = apps.get_model("mapping", "Language")
    empty = dict.fromkeys(FIELDS, "")
    TaxonomyTerm.objects.filter(taxonomy__slug__in=TAXONOMIES, code__in=TERMS).update(**empty)
    Language.objects.filter(code__in=LANGUAGES).update(**empty)
    _forget_search_documents(apps)


class Migration(migrations.Migration):
    dependencies = [("mapping", "0007_service_translations")]
    operations = [migrations.RunPython(translate, untranslate)]
