#!/usr/bin/env bash
# Installs what Sluice needs from Debian's packages, only when it is missing:
# pkg-config, libpq-dev, liblz4-dev (and the lz4 tool), zlib1g-dev, and a PostgreSQL server (15+).
# Swift itself is expected on the machine (/opt/swift on our machines).
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
pkg-config --exists liblz4 2>/dev/null || missing+=(liblz4-dev)
command -v lz4 >/dev/null 2>&1 || missing+=(lz4)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    missing+=(postgresql)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
