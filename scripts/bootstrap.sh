#!/usr/bin/env bash
# Installs what Hartis needs on this machine, idempotently:
#   1. Debian/Ubuntu packages (PostgreSQL + PostGIS + pgRouting, GDAL, gettext, osm2pgrouting,
#      osmium-tool, python3-venv if needed),
#      plus chromium and fonts-dejavu-core with --with-test-deps;
#      plus wrk (the HTTP load generator of make bench) with --with-bench-deps;
#      plus nodejs and npm when no 'node' is on PATH (an existing Node.js is kept);
#   2. the virtualenv .venv with the project installed editable ('.[dev]');
#   3. the front-end assets (scripts/frontend_assets.sh: npm ci + copy to mapping/static/vendor/).
# Only missing packages are installed; the venv is reinstalled only when
# pyproject.toml is newer than .venv/.hartis-installed. Works without stdin (CI).
#
# Usage: scripts/bootstrap.sh [--with-test-deps] [--with-bench-deps]   (env: PYTHON)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PYTHON="${PYTHON:-python3}"
VENV="$REPO/.venv"
STAMP="$VENV/.hartis-installed"

with_test_deps=0
with_bench_deps=0
for arg in "$@"; do
    case "$arg" in
        --with-test-deps) with_test_deps=1 ;;
        --with-bench-deps) with_bench_deps=1 ;;
        -h | --help)
            sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *)
            echo "bootstrap.sh: unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

step_start=$SECONDS
step() {
    step_start=$SECONDS
    echo "==> $*"
}
done_step() { echo "    done in $((SECONDS - step_start))s"; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    SUDO=(sudo)
fi

apt_updated=0
apt_update_once() {
    if [ "$apt_updated" -eq 0 ]; then
        echo "    apt-get update"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
        apt_updated=1
    fi
}

is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# PostgreSQL major: the highest one whose initdb is installed, else the one the
# distribution's 'postgresql' metapackage depends on (15 on Debian 12).
pg_major() {
    local v
    v="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
        awk -F/ '{print $5}' | sort -n | tail -n 1)"
    if [ -z "$v" ]; then
        v="$(apt-cache depends postgresql 2>/dev/null |
            sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)"
    fi
    if [ -z "$v" ]; then
        apt_update_once
        v="$(apt-cache depends postgresql 2>/dev/null |
            sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)"
    fi
    if [ -z "$v" ]; then
        echo "bootstrap.sh: cannot determine the PostgreSQL version to install" >&2
        exit 1
    fi
    echo "$v"
}

# --- 1. system packages -------------------------------------------------------
step "system packages"
PG_V="$(pg_major)"
# gettext: msgfmt for compilemessages (the .mo files are built at set-up, never committed).
# pgRouting (for the same PostgreSQL major as PostGIS), osm2pgrouting and osmium-tool: the
# optional street network (manage.py load_streets: osmium clips, osm2pgrouting imports).
wanted=("postgresql-$PG_V" "postgresql-$PG_V-postgis-3" "postgresql-$PG_V-pgrouting"
    osm2pgrouting osmium-tool gdal-bin gettext)
if ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
    wanted+=(python3-venv)
fi
# npm ci for the front-end assets. A node already on PATH (NodeSource, nvm, a newer
# distribution package) is used as it is: Debian's nodejs must not replace it.
if ! command -v node >/dev/null 2>&1; then
    wanted+=(nodejs npm)
fi
if [ "$with_test_deps" -eq 1 ]; then
    wanted+=(chromium fonts-dejavu-core)
fi
if [ "$with_bench_deps" -eq 1 ]; then
    wanted+=(wrk)
fi

missing=()
for pkg in "${wanted[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
    apt_update_once
    # Ubuntu has no 'chromium' deb (only a snap shim, useless in containers):
    # warn and go on rather than fail; the browser tests need /usr/bin/chromium.
    installable=()
    for pkg in "${missing[@]}"; do
        if [ "$pkg" = chromium ] && [ -z "$(apt-cache policy chromium 2>/dev/null |
            sed -n 's/^ *Candidate: *//p' | grep -v '(none)' || true)" ]; then
            echo "    WARNING: no 'chromium' package on this distribution; skipping it" >&2
            continue
        fi
        installable+=("$pkg")
    done
    missing=("${installable[@]}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "    installing: ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
    echo "    nothing to install (PostgreSQL $PG_V; checked: ${wanted[*]})"
fi
done_step

# --- 2. virtualenv ------------------------------------------------------------
step "virtualenv .venv"
if [ -e "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "    .venv is broken (its Python is gone?); recreating it"
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "    creating .venv with $PYTHON ($("$PYTHON" --version 2>&1))"
    "$PYTHON" -m venv "$VENV"
fi

if [ ! -f "$REPO/pyproject.toml" ]; then
    echo "bootstrap.sh: $REPO/pyproject.toml not found" >&2
    exit 1
fi
if [ ! -e "$STAMP" ] || [ "$REPO/pyproject.toml" -nt "$STAMP" ]; then
    echo "    pip install -e '.[dev]'"
    (cd "$REPO" && PIP_NO_INPUT=1 "$VENV/bin/pip" install -q \
        --disable-pip-version-check -e '.[dev]' </dev/null)
    touch "$STAMP"
    # pyproject.toml with a future mtime (clock skew) would force a reinstall every run.
    if [ "$REPO/pyproject.toml" -nt "$STAMP" ]; then touch -r "$REPO/pyproject.toml" "$STAMP"; fi
else
    echo "    up to date (pyproject.toml not newer than .venv/.hartis-installed)"
fi
done_step

# --- 3. front-end assets ------------------------------------------------------
bash "$REPO/scripts/frontend_assets.sh" </dev/null
