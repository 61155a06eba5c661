from django.db import migrations


class Migration(migrations.Migration):
    """Stored clusters of the unfiltered services tiles (layers.tiles.clusters): per zoom below
    17, the places of active services counted per 32-px cell of the world-wide grid, with the
    sums of their EPSG:3857 coordinates; and one row saying which change of the directory
    they were built for. UNLOGGED: derived data, rebuilt after a crash (an emptied state row
    reads as "not built", so tiles count live meanwhile)."""

    dependencies = [("layers", "0003_tile_cache")]

    operations = [
        migrations.RunSQL(
            """
            CREATE UNLOGGED TABLE hartis_tile_cluster (
                z smallint NOT NULL,
                cx integer NOT NULL,
                cy integer NOT NULL,
                places integer NOT NULL CHECK (places > 0),
                sum_x double precision NOT NULL,
                sum_y double precision NOT NULL,
                sal_id uuid,
                PRIMARY KEY (z, cx, cy)
            );
            CREATE UNLOGGED TABLE hartis_tile_cluster_state (
                one boolean PRIMARY KEY DEFAULT true CHECK (one),
                changes bigint NOT NULL DEFAULT 0,
                built bigint NOT NULL DEFAULT -1
            );
            INSERT INTO hartis_tile_cluster_state DEFAULT VALUES;
            """,
            reverse_sql="DROP TABLE hartis_tile_cluster_state; DROP TABLE hartis_tile_cluster;",
        ),
    ]
