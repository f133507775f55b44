#!/usr/bin/env bash
# Installs what Sluice needs from Debian's packages, only when it is missing:
# pkg-config, libpq-dev, liblz4-dev (and the lz4 tool), zlib1g-dev, a PostgreSQL server (15+),
# prometheus (its promtool checks the /metrics exposition in the tests), pgbouncer and haproxy
# (tests run sluice through them), chromium and chromium-driver (the web console's browser tests);
# and, for the OTLP round-trip test, python3 with the OpenTelemetry SDK and its OTLP/HTTP exporter
# (pip: opentelemetry-sdk, opentelemetry-exporter-otlp-proto-http); and, for the object-store archive
# tests, moto's S3-compatible server (pip: moto[server], which gives moto_server).
# Swift itself is expected on the machine (/opt/swift on our machines).
set -euo pipefail

otel_present() {
    python3 -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http' >/dev/null 2>&1
}

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
pkg-config --exists liblz4 2>/dev/null || missing+=(liblz4-dev)
command -v lz4 >/dev/null 2>&1 || missing+=(lz4)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    missing+=(postgresql)
fi

otel=missing
if otel_present; then otel=present; fi
moto=missing
if command -v moto_server >/dev/null 2>&1; then moto=present; fi
if [ "$otel" = missing ] || [ "$moto" = missing ]; then
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$otel" = missing ]; then
    echo "installing (pip): opentelemetry-sdk opentelemetry-exporter-otlp-proto-http"
    # Debian's Python refuses system-wide pip installs (PEP 668) unless told; older pips ignore this.
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check \
        opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
fi

if [ "$moto" = missing ]; then
    echo "installing (pip): moto[server]"
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check 'moto[server]'
fi
