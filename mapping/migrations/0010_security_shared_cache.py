from django.db import migrations


class Migration(migrations.Migration):
    """The table of the "ratelimit" cache alias (settings.shared_cache): rate-limit counters
    every worker process shares, in the layout Django's DatabaseCache reads (as layers 0003 made
    the tiles' table). UNLOGGED: counters need no crash safety; PostgreSQL empties the table
    after a crash, which forgives every client once."""

    dependencies = [("mapping", "0009_members_moderation_community")]

    operations = [
        migrations.RunSQL(
            """
            CREATE UNLOGGED TABLE hartis_shared_cache (
                cache_key varchar(255) NOT NULL PRIMARY KEY,
                value text NOT NULL,
                expires timestamp with time zone NOT NULL
            );
            CREATE INDEX hartis_shared_cache_expires ON hartis_shared_cache (expires);
            """,
            reverse_sql="DROP TABLE hartis_shared_cache",
        ),
    ]
