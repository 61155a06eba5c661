import django.contrib.gis.db.models.fields
import django.contrib.postgres.fields
from django.db import migrations, models


def _spread(byte: int) -> int:
    """The 8 bits of ``byte`` moved to the even bit positions of a 16-bit number."""
    return sum(((byte >> bit) & 1) << (2 * bit) for bit in range(8))


def _spread_sql(value: str) -> str:
    # Three bytes (values below 2^24), each spread by the lookup table.
    table = "'{" + ",".join(str(_spread(b)) for b in range(256)) + "}'::bigint[]"
    parts = [f"({table})[(({value} >> {8 * n}) & 255) + 1] << {16 * n}" for n in range(3)]
    return "(" + " | ".join(f"({part})" for part in parts) + ")"


# The Morton (Z-order) key of a grid cell: the bits of x at the even positions, of y at the
# odd ones (x, y below 2^24). A quadtree square of cells is one range of keys, so a tile is
# one index range (layers.tiles.pyramid.morton is the same in Python). One SELECT without
# FROM: PostgreSQL inlines it, and folds the lookup table once per statement.
MORTON = f"""
CREATE FUNCTION hartis_morton(x integer, y integer) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT {_spread_sql("x")} | ({_spread_sql("y")} << 1) $$
"""


# The stored clusters of migration 0004 (layers.tiles.clusters), which these tables replace.
CLUSTERS_0004 = """
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
"""


class Migration(migrations.Migration):
    """The services tiles' own tables (layers.tiles.points, layers.tiles.pyramid): a
    spatially ordered table of tile points in EPSG:3857 and the stored cluster counts below
    zoom 13, kept incrementally; they replace 0004's stored clusters. They start empty:
    ``manage.py refresh_tiles`` fills them (``make setup`` runs it)."""

    dependencies = [
        ("layers", "0004_tile_clusters"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP TABLE hartis_tile_cluster_state; DROP TABLE hartis_tile_cluster;",
            reverse_sql=CLUSTERS_0004,
        ),
        migrations.RunSQL(MORTON, reverse_sql="DROP FUNCTION hartis_morton(integer, integer)"),
        migrations.CreateModel(
            name="ClusterCell",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "level",
                        "theme",
                        "cell",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("level", models.PositiveSmallIntegerField()),
                ("theme", models.CharField(blank=True, max_length=80)),
                ("cell", models.BigIntegerField()),
                ("count", models.IntegerField()),
                ("sum_x", models.FloatField()),
                ("sum_y", models.FloatField()),
            ],
        ),
        migrations.CreateModel(
            name="ServicePoint",
            fields=[
                ("id", models.UUIDField(primary_key=True, serialize=False)),
                ("service_id", models.UUIDField(db_index=True)),
                ("geom", django.contrib.gis.db.models.fields.PointField(srid=3857)),
                ("cell", models.BigIntegerField()),
                ("themes", models.TextField(null=True)),
                (
                    "category_codes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField(), size=None
                    ),
                ),
                (
                    "language_codes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField(), size=None
                    ),
                ),
                (
                    "target_group_codes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField(), size=None
                    ),
                ),
                ("organization_type", models.CharField(blank=True, max_length=30)),
                ("is_free", models.BooleanField(null=True)),
                ("is_demo", models.BooleanField()),
                (
                    "districts",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField(), size=None
                    ),
                ),
                (
                    "neighbourhoods",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField(), size=None
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["cell"], include=("geom", "id"), name="servicepoint_cell_covering"
                    )
                ],
            },
        ),
    ]
