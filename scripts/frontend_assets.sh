#!/usr/bin/env bash
# Front-end assets, idempotently:
#   1. npm ci (--ignore-scripts) of the packages pinned by package-lock.json into node_modules/,
#      only when node_modules/.package-lock.json is missing or older than package-lock.json;
#   2. their runtime files and licences copied into mapping/static/vendor/<package>/ (generated,
#      git-ignored, served as ordinary static files). vendor/ is rebuilt from scratch, so files
#      dropped here disappear; the copy is skipped while it is newer than the lockfile, than
#      node_modules/.package-lock.json and than this script.
# node + npm are needed only when npm ci must run (scripts/bootstrap.sh installs them).
# Works without stdin (CI, Docker builds).
#
# Usage: scripts/frontend_assets.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SELF="$REPO/scripts/frontend_assets.sh"
LOCK="$REPO/package-lock.json"
NM="$REPO/node_modules"
NM_LOCK="$NM/.package-lock.json" # written by npm ci once node_modules is complete
VENDOR="$REPO/mapping/static/vendor"
STAMP="$VENDOR/.copied" # dot-files are ignored by collectstatic

case "${1:-}" in
    "") ;;
    -h | --help)
        sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *)
        echo "frontend_assets.sh: unknown argument: $1" >&2
        exit 2
        ;;
esac

# What is served, per package: "<destination in vendor/>:<file or glob in node_modules/>".
# The minified scripts end in '//# sourceMappingURL=…', which collectstatic's manifest
# storage resolves: the .map files must be there, or collectstatic fails.
FILES=(
    leaflet:leaflet/dist/leaflet.js
    leaflet:leaflet/dist/leaflet.js.map
    leaflet:leaflet/dist/leaflet.css
    leaflet/images:'leaflet/dist/images/*'
    leaflet:leaflet/LICENSE
    leaflet.markercluster:leaflet.markercluster/dist/leaflet.markercluster.js
    leaflet.markercluster:leaflet.markercluster/dist/leaflet.markercluster.js.map
    leaflet.markercluster:leaflet.markercluster/dist/MarkerCluster.css
    leaflet.markercluster:leaflet.markercluster/dist/MarkerCluster.Default.css
    leaflet.markercluster:leaflet.markercluster/MIT-LICENCE.txt
    # The bundle (with pbf and vector-tile); it carries no sourceMappingURL. Its licence
    # (Beerware) is in README.md, the package ships no separate file.
    leaflet.vectorgrid:leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js
    leaflet.vectorgrid:leaflet.vectorgrid/README.md
)

start=$SECONDS
echo "==> front-end assets"

if [ ! -f "$LOCK" ]; then
    echo "frontend_assets.sh: $LOCK not found" >&2
    exit 1
fi

# --- 1. node_modules ----------------------------------------------------------
if [ ! -f "$NM_LOCK" ] || [ "$LOCK" -nt "$NM_LOCK" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "frontend_assets.sh: npm not found; run scripts/bootstrap.sh (installs nodejs and npm)" >&2
        exit 1
    fi
    echo "    npm ci (node $(node --version 2>/dev/null || echo '?'), npm $(npm --version </dev/null))"
    (cd "$REPO" && npm ci --no-audit --no-fund --ignore-scripts </dev/null)
    # A lockfile with a future mtime (clock skew) would force npm ci on every run.
    if [ "$LOCK" -nt "$NM_LOCK" ]; then touch -r "$LOCK" "$NM_LOCK"; fi
else
    echo "    node_modules up to date (package-lock.json not newer than node_modules/.package-lock.json)"
fi

# --- 2. mapping/static/vendor -------------------------------------------------
copy_needed() {
    local entry f
    [ -f "$STAMP" ] || return 0
    for f in "$LOCK" "$NM_LOCK" "$SELF"; do
        if [ "$f" -nt "$STAMP" ]; then return 0; fi
    done
    for entry in "${FILES[@]}"; do
        f="${entry#*:}"
        case "$f" in
            *'*'*) [ -d "$VENDOR/${entry%%:*}" ] || return 0 ;;
            *) [ -f "$VENDOR/${entry%%:*}/${f##*/}" ] || return 0 ;;
        esac
    done
    return 1
}

if copy_needed; then
    mkdir -p "${VENDOR%/*}"
    staging="$(mktemp -d "${VENDOR%/*}/.vendor.XXXXXX")"
    trap 'rm -rf "$staging"' EXIT
    count=0
    for entry in "${FILES[@]}"; do
        dest="$staging/${entry%%:*}"
        mkdir -p "$dest"
        shopt -s nullglob
        # shellcheck disable=SC2206 # the glob is meant to expand
        srcs=("$NM"/${entry#*:})
        shopt -u nullglob
        if [ "${#srcs[@]}" -eq 0 ] || [ ! -f "${srcs[0]}" ]; then
            echo "frontend_assets.sh: node_modules/${entry#*:} not found (package changed? see FILES)" >&2
            exit 1
        fi
        install -m 0644 "${srcs[@]}" "$dest/"
        count=$((count + ${#srcs[@]}))
    done
    chmod 755 "$staging"
    touch "$staging/.copied"
    for f in "$LOCK" "$NM_LOCK" "$SELF"; do
        if [ "$f" -nt "$staging/.copied" ]; then touch -r "$f" "$staging/.copied"; fi
    done
    rm -rf "$VENDOR"
    mv "$staging" "$VENDOR"
    trap - EXIT
    echo "    copied $count files into mapping/static/vendor/ ($(cd "$VENDOR" && echo */ | tr -d /))"
else
    echo "    mapping/static/vendor up to date (newer than package-lock.json)"
fi
echo "    done in $((SECONDS - start))s"
