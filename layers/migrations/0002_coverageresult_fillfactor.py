from django.db import migrations


class Migration(migrations.Migration):
    """Half-empty pages for the stored coverage: every refresh rewrites each row in place
    (layers.coverage.STORE_SQL), and a row's new version then fits on its own page, so no
    index entry is added (a heap-only update) and the table does not grow between vacuums."""

    dependencies = [("layers", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE layers_coverageresult SET (fillfactor = 50)",
            reverse_sql="ALTER TABLE layers_coverageresult RESET (fillfactor)",
        ),
    ]
