#!/usr/bin/env bash
# Installs the system libraries Vigil links against, when they are missing (Debian/Ubuntu).
# `install-deps.sh --tests` adds what the tests use besides (kcat, a second Kafka client).
set -euo pipefail
packages=(libopenblas-dev librdkafka-dev libsqlite3-dev pkg-config)
[ "${1:-}" = "--tests" ] && packages+=(kcat)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "Installing ${missing[*]} (apt-get)..." >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
