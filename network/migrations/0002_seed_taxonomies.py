from django.db import migrations

SECTORS = [
    ("agritech", "AgriTech"),
    ("healthtech", "HealthTech"),
    ("edtech", "EdTech"),
    ("fintech", "FinTech"),
    ("govtech", "GovTech"),
    ("cybersecurity", "Cybersecurity"),
    ("ai-data", "AI and data"),
    ("saas", "SaaS"),
    ("e-commerce", "E-commerce"),
    ("blockchain", "Blockchain"),
    ("cleantech", "CleanTech"),
    ("logistics", "Logistics"),
    ("gaming", "Gaming"),
    ("proptech", "PropTech"),
    ("media", "Media and creative"),
    ("it-services", "IT services"),
]

LANGUAGES = [
    ("ur", "Urdu"),
    ("en", "English"),
    ("pa", "Punjabi"),
    ("sd", "Sindhi"),
    ("ps", "Pashto"),
    ("bal", "Balochi"),
    ("skr", "Saraiki"),
    ("ar", "Arabic"),
    ("de", "German"),
    ("fr", "French"),
    ("zh", "Chinese"),
    ("tr", "Turkish"),
]


def seed(apps, schema_editor):
    Sector = apps.get_model("network", "Sector")
    Language = apps.get_model("network", "Language")
    for slug, name in SECTORS:
        Sector.objects.update_or_create(slug=slug, defaults={"name": name})
    for code, name in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name})


def unseed(apps, schema_editor):
    apps.get_model("network", "Sector").objects.filter(slug__in=[s for s, _ in SECTORS]).delete()
    apps.get_model("network", "Language").objects.filter(code__in=[c for c, _ in LANGUAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
