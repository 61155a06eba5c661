"""unaccent, and ``hartis_normalize(text)``: the one normalisation of searched text.

unaccent() is only STABLE (it reads a dictionary), so it cannot appear in an index or a
generated column; this wrapper names the dictionary explicitly and is declared IMMUTABLE,
the usual PostgreSQL recipe. It also folds final sigma (ς) to σ, which lower() leaves alone.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

CREATE = """
CREATE FUNCTION hartis_normalize(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT translate(lower(public.unaccent('public.unaccent'::regdictionary, $1)), 'ς', 'σ') $$;
"""
DROP = "DROP FUNCTION IF EXISTS hartis_normalize(text);"


class Migration(migrations.Migration):
    dependencies = [("mapping", "0003_uri_labels")]
    operations = [UnaccentExtension(), migrations.RunSQL(CREATE, reverse_sql=DROP)]
