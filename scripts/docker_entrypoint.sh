#!/usr/bin/env bash
# Container entry point (docker-compose 'web'): migrate and load the data, then
# exec the command (the image's CMD: gunicorn). The loaders must be idempotent.
set -euo pipefail
cd /app

echo "==> migrate"
python manage.py migrate --noinput
for loader in load_athens load_services load_demo refresh_coverage refresh_tiles; do
    echo "==> $loader"
    python manage.py "$loader"
done

if [ "$#" -eq 0 ]; then
    set -- gunicorn --config scripts/gunicorn.conf.py mapping.wsgi:application
fi
echo "==> $*"
exec "$@"
