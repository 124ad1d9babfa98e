#!/usr/bin/env bash
# Install the Debian 12 packages openface builds, runs and tests with.
# Idempotent and quiet when everything is present already.  Needs root.
set -euo pipefail
pkgs=(
    build-essential postgresql-15 postgresql-server-dev-15 postgresql-contrib libpq-dev
    libopenblas-dev libjpeg62-turbo-dev libpng-dev libheif-dev libwebp-dev liblinear-dev libcjson-dev
    postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl libipc-run-perl
    rsync ca-certificates
    python3-numpy python3-psycopg python3-psycopg2
)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
# Any working npm will do (the models are fetched with `npm pack`).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: need root to install: ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
