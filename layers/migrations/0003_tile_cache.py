from django.db import migrations


class Migration(migrations.Migration):
    """The table of the "tiles" cache alias (settings.CACHES, layers.tiles.cache), in the
    layout Django's DatabaseCache reads and ``createcachetable`` would make (that command then
    finds it and leaves it). UNLOGGED: a cache needs no crash safety, so its writes skip the
    WAL; PostgreSQL empties it after a crash."""

    dependencies = [("layers", "0002_coverageresult_fillfactor")]

    operations = [
        migrations.RunSQL(
            """
            CREATE UNLOGGED TABLE hartis_tile_cache (
                cache_key varchar(255) NOT NULL PRIMARY KEY,
                value text NOT NULL,
                expires timestamp with time zone NOT NULL
            );
            CREATE INDEX hartis_tile_cache_expires ON hartis_tile_cache (expires);
            """,
            reverse_sql="DROP TABLE hartis_tile_cache",
        ),
    ]
