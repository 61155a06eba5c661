# Production-style image: gunicorn serving mapping.wsgi (the last stage, built by default).
# See docker-compose.yml for the PostGIS service (the 'db' target below) and
# scripts/docker_entrypoint.sh for migrate + data load.

# The database image (docker-compose 'db', target db): PostGIS plus pgRouting for the optional
# street network. PG_MAJOR comes from the postgres base image, whose PGDG apt source also
# ships the matching postgresql-$PG_MAJOR-pgrouting.
FROM postgis/postgis:15-3.4 AS db
RUN apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-$PG_MAJOR-pgrouting" \
    && rm -rf /var/lib/apt/lists/*

# Stage 1: the front-end packages pinned by package-lock.json (npm ci --ignore-scripts),
# copied to mapping/static/vendor/ by the same script 'make run' uses. Node stays here.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/frontend_assets.sh scripts/
RUN bash scripts/frontend_assets.sh

# Stage 2: the application.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# GeoDjango's native libraries (GDAL, GEOS, PROJ), libpq for psycopg,
# binutils so ctypes.util.find_library can locate them, and gettext (msgfmt)
# for compilemessages; osmium-tool and osm2pgrouting for manage.py load_streets.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        binutils gdal-bin gettext libgdal32 libgeos-c1v5 libproj25 libpq5 \
        osm2pgrouting osmium-tool \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
RUN pip install .

# The vendored assets come from the frontend stage only (never from the build context).
RUN rm -rf mapping/static/vendor
COPY --from=frontend /src/mapping/static/vendor/ /app/mapping/static/vendor/

# Translations (locale/*.po -> .mo, never committed) and static files are built at
# build time; the secret is a throwaway for these steps.
RUN export DJANGO_SECRET_KEY=collectstatic-build-only-not-secret DJANGO_DEBUG=0 \
    && python manage.py compilemessages \
    && python manage.py collectstatic --noinput

# Unprivileged runtime user; it may write only .var/ (secret-key fallback, media).
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home hartis \
    && mkdir -p /app/.var /app/media \
    && chown hartis:hartis /app/.var /app/media
USER hartis

EXPOSE 8000
CMD ["gunicorn", "--config", "scripts/gunicorn.conf.py", "mapping.wsgi:application"]
