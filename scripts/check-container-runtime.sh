#!/usr/bin/env bash
# Checks the Dockerfile without a Docker engine. Builds vigil as its build stage does (from only
# the files that stage copies; release, Swift runtime linked in). Makes a minimal Debian
# bookworm root with debootstrap and installs there exactly the runtime stage's packages. Runs
# the binary in it as an unprivileged user: every shared library resolves; `vigil serve` starts
# on its embedded defaults (training the default model) with alerts to librdkafka's mock
# cluster, opens an alert and delivers it to Kafka, answers /health, /ready and /predict, and
# exits 0 within 10 s of SIGTERM. Needs root (debootstrap, chroot) and Debian's mirror.
#
#   scripts/check-container-runtime.sh [ROOT_DIR]
#
# The root is made afresh each run (about 40 s), so a package dropped from the Dockerfile is
# missed here as it would be in the image; ROOT_DIR reuses a root made before instead (faster,
# but a package it still holds from an earlier list would hide a missing one).
#
# The first run builds from scratch (3 minutes here on 2 cores); later ones are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=false
if [ -n "${1:-}" ]; then
    root=$1
else
    mkdir -p .build-container
    root=$(mktemp -d .build-container/rootfs.XXXXXX)
    chmod 755 "$root"  # mktemp's 700 would keep uid 1001 out of its own root
    fresh=true
fi
[ "$(id -u)" -eq 0 ] || { echo "error: needs root (debootstrap and chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || PATH="$PATH:/usr/sbin"
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

# The runtime stage's packages: the install line after the last FROM.
packages=$(awk '/^FROM /{stage++} {print stage "\t" $0}' Dockerfile |
    awk -F'\t' -v last="$(grep -c '^FROM ' Dockerfile)" '$1 == last {print $2}' |
    sed -n '/apt-get install/,/rm -rf/p' | grep -v -e 'apt-get' -e 'rm -rf' | tr -d '\\' | xargs)
[ -n "$packages" ] || { echo "error: found no runtime packages in the Dockerfile" >&2; exit 1; }
echo "== Runtime packages (from the Dockerfile): $packages"

# The build stage's own files (its COPY lines), alone in a folder, built as it builds them.
src=.build-container/src
copied=$(awk '/^FROM /{stage++} stage == 1 && /^COPY / && !/--from/ {print $2}' Dockerfile)
echo "== Building vigil as the image does, from only $(xargs <<<"$copied") (release, --static-swift-stdlib, in $src)"
mkdir -p "$src"
for path in $copied; do
    rm -rf "${src:?}/$path"
    cp -a "$path" "$src/$path"
done
# As in the image, dependencies resolve afresh (no Package.resolved is copied).
rm -f "$src/Package.resolved"
(cd "$src" && swift package resolve >/dev/null && swift build -c release --product vigil --static-swift-stdlib >/dev/null)
binary="$src/.build/release/vigil"

if [ ! -x "$root/usr/bin/apt-get" ]; then
    echo "== debootstrap bookworm (minbase) into $root"
    mkdir -p "$root"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" apt-get update -qq
# shellcheck disable=SC2086 # the package list is meant to split into words
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
chroot "$root" id vigil >/dev/null 2>&1 || chroot "$root" useradd --system --uid 1001 --create-home --home-dir /var/lib/vigil vigil
install -m 755 "$binary" "$root/usr/local/bin/vigil"
# A container always has /proc (Swift reads its command line from /proc/self/cmdline).
mounted_proc=false
if ! mountpoint -q "$root/proc"; then
    mount -t proc proc "$root/proc"
    mounted_proc=true
fi
release_root() {
    ! $mounted_proc || umount "$root/proc"
    # Never remove a root with /proc still mounted in it.
    if $fresh && ! mountpoint -q "$root/proc"; then rm -rf "${root:?}"; fi
}
trap release_root EXIT

echo "== Shared libraries in the runtime root"
if chroot "$root" ldd /usr/local/bin/vigil | grep 'not found'; then
    echo "error: libraries missing from the runtime stage" >&2
    exit 1
fi
chroot "$root" ldd /usr/local/bin/vigil | awk '{print "  " $1}'

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=/var/lib/vigil/check-$$
log=$(mktemp)
brokers_file=$(mktemp)
pid=""
kafka_pid=""
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    [ -z "$kafka_pid" ] || kill "$kafka_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "${root:?}$data" "$log" "$brokers_file"
    release_root
}
trap cleanup EXIT

echo "== librdkafka's mock cluster in the runtime root"
chroot --userspec=1001:1001 "$root" /usr/local/bin/vigil kafka-mock >"$brokers_file" 2>"$log" &
kafka_pid=$!
for _ in $(seq 1 300); do [ -s "$brokers_file" ] && break; sleep 0.1; done
brokers=$(head -1 "$brokers_file")
[ -n "$brokers" ] || { cat "$log" >&2; echo "error: the mock cluster printed no bootstrap servers" >&2; exit 1; }

echo "== vigil serve in the runtime root, as user vigil, on 127.0.0.1:$port, alerts to Kafka at $brokers"
chroot --userspec=1001:1001 "$root" env HOME=/var/lib/vigil HOST=127.0.0.1 PORT="$port" VIGIL_DATA_DIR="$data" \
    KAFKA_BROKER="$brokers" /usr/local/bin/vigil serve >"$log" 2>&1 &
pid=$!
ready=false
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/ready" >/dev/null && { ready=true; break; }
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "error: vigil serve exited" >&2; exit 1; }
    sleep 0.5
done
$ready || { cat "$log" >&2; echo "error: vigil serve was not ready within 60 s" >&2; exit 1; }
# An anomaly opens an alert, which the outbox publishes through librdkafka.
curl -sf "http://127.0.0.1:$port/api/v1/ml/detect" -H 'Content-Type: application/json' \
    -d '{"timestamp":1764072000000,"service":"checkout","metric":"response_time","value":500,
         "tags":{"cpu_usage":90,"memory_usage":50,"disk_io":50,"network_io":50}}' >/dev/null
for _ in $(seq 1 40); do
    health=$(curl -sf "http://127.0.0.1:$port/health")
    grep -q '"producer":"connected".*"outbox_pending":0' <<<"$health" && break
    sleep 0.25
done
echo "$health"
grep -q '"model_source":"synthetic-default"' <<<"$health" || { echo "error: no default model" >&2; exit 1; }
grep -q '"producer":"connected".*"outbox_pending":0' <<<"$health" || {
    cat "$log" >&2
    echo "error: the alert was not delivered to Kafka" >&2
    exit 1
}
curl -sf "http://127.0.0.1:$port/predict" -H 'Content-Type: application/json' \
    -d '{"cpu_usage":45,"memory_usage":60,"disk_io":55,"network_io":48,"response_time":52}'
echo
# docker stop sends SIGTERM, then SIGKILL after 10 s.
kill -TERM "$pid"
for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
    cat "$log" >&2
    echo "error: vigil still runs 10 s after SIGTERM (docker stop would kill it)" >&2
    exit 1
fi
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || { cat "$log" >&2; echo "error: vigil exited $status on SIGTERM" >&2; exit 1; }
echo "== The runtime stage runs vigil: libraries resolve, it serves, talks to Kafka, and stops cleanly within 10 s of SIGTERM"
