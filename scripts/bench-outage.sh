#!/usr/bin/env bash
# Broker-outage benchmark: alerts keep opening (HTTP /api/v1/ml/detect under wrk) while every
# Kafka broker is down for OUTAGE seconds (default 180). Samples the server's resident memory and
# the outbox backlog, then brings the brokers back and times the drain. Release build; librdkafka's
# mock cluster (`vigil kafka-mock`, SIGUSR1 = down, SIGUSR2 = up) stands in for Kafka.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
vigil=.build/release/vigil
outage=${OUTAGE:-180}
port=${PORT:-3079}
work=$(mktemp -d)
# Vigil leaves the consumer group before the cluster goes away.
cleanup() { kill "${server:-}" 2>/dev/null && wait "${server:-}" 2>/dev/null; kill "${mock:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$vigil" kafka-mock --topic alerts:1 > "$work/bootstrap" 2>/dev/null &
mock=$!
for _ in $(seq 50); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
"$vigil" train --synthetic 50000 --out "$work/data/model" 2>/dev/null
"$vigil" serve --port "$port" --data-dir "$work/data" --kafka-brokers "$(head -1 "$work/bootstrap")" --alert-cooldown 0 \
    --log-level error 2>/dev/null &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server/status"; }
health() { curl -s "http://127.0.0.1:$port/health"; }
field() { health | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
scrape() { curl -s "http://127.0.0.1:$port/metrics" | awk -v name="$1" 'index($0, name) == 1 {s += $2} END {print s + 0}'; }

echo "RSS before the outage: $(rss) MiB"
kill -USR1 "$mock"
started=$(date +%s)
wrk -t1 -c2 -d"${outage}s" -s scripts/wrk-alerts.lua "http://127.0.0.1:$port/api/v1/ml/detect" > "$work/wrk.txt" &
load=$!
echo "seconds  RSS (MiB)  outbox  producer queue  alerts.sqlite (MiB)"
peak=0
while kill -0 "$load" 2>/dev/null; do
    sleep 15
    now=$(rss)
    peak=$(echo "if ($now > $peak) $now else $peak" | bc)
    size=$(du -cm "$work"/data/alerts.sqlite* 2>/dev/null | tail -1 | cut -f1)
    echo "$(( $(date +%s) - started ))  $now  $(field outbox_pending)  $(field producer_queue)  $size"
done
grep -E "Requests/sec" "$work/wrk.txt"
opened=$(scrape vigil_alerts_opened_total)
echo "alerts opened during the outage: $opened; delivered meanwhile: $(scrape 'vigil_kafka_alert_deliveries_total{result="delivered"}')"
echo "peak RSS during the outage: $peak MiB"

kill -USR2 "$mock"
up=$(date +%s.%N)
deadline=$(( $(date +%s) + 900 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(field outbox_pending)" = "0" ] && break
    sleep 0.5
done
drained=$(echo "$(date +%s.%N) - $up" | bc)
delivered=$(scrape 'vigil_kafka_alert_deliveries_total{result="delivered"}')
echo "brokers back: outbox empty after $drained s; delivered $delivered of $opened alerts ($(echo "$delivered / $drained" | bc) alerts/s)"
echo "RSS after the drain: $(rss) MiB"
