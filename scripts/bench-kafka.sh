#!/usr/bin/env bash
# End-to-end Kafka benchmark: metrics consumed → assembled → scored → alerted, against
# librdkafka's mock cluster (`vigil kafka-mock`) on loopback. Release build; needs kcat
# (installed with apt-get if missing) to load the topic.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v kcat >/dev/null || { apt-get update -qq && apt-get install -y -qq kcat >/dev/null; }
vigil=.build/release/vigil
messages=${MESSAGES:-600000}
anomalies=${ANOMALIES:-0.01}   # share of anomalous vectors
# RECIPE=servers trains the served model with that recipe (window 5, baseline) instead of the synthetic one;
# SEASON=N adds a season of N time steps (each service's last three seasons kept and compared).
port=${PORT:-3078}
work=$(mktemp -d)
# Vigil leaves the consumer group before the cluster goes away.
cleanup() { kill "${server:-}" 2>/dev/null && wait "${server:-}" 2>/dev/null; kill "${mock:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The mock keeps about 5 MB per partition: 32 partitions hold 600,000 messages.
"$vigil" kafka-mock --topic metrics:32 --topic alerts:1 > "$work/bootstrap" &
mock=$!
for _ in $(seq 50); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
bootstrap=$(head -1 "$work/bootstrap")

# 1,000 services; ANOMALIES of the vectors anomalous (1 %). Keyed by service, as producers should.
python3 - "$messages" "$anomalies" > "$work/metrics.txt" <<'PY'
import random, sys
random.seed(7)
n, share = int(sys.argv[1]), float(sys.argv[2])
for i in range(n):
    service = f"svc-{i % 1000}"
    v = [random.gauss(50, 15) for _ in range(5)]
    if random.random() < share:
        v[0] *= 3.0
    print(f'{service}\t{{"timestamp":{1764072000000 + i},"service":"{service}","cpu_usage":{v[0]:.2f},"memory_usage":{v[1]:.2f},'
          f'"disk_io":{v[2]:.2f},"network_io":{v[3]:.2f},"response_time":{v[4]:.2f}}}')
PY
"$vigil" train --synthetic 50000 ${RECIPE:+--recipe "$RECIPE"} ${SEASON:+--season "$SEASON"} --out "$work/data/model" 2>/dev/null
"$vigil" serve --port "$port" --data-dir "$work/data" --kafka-brokers "$bootstrap" --metrics-topic metrics --log-level warning ${VIGIL_ARGS:-} &
server=$!
[ -n "${PERF:-}" ] && { sleep 2; perf record -g -p "$server" -o "$PERF" -- sleep 6 >/dev/null 2>&1 & }
cpu() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
processed() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^vigil_kafka_messages_total\{result="processed"\}/ {print $2}'; }
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { echo "vigil serve did not become ready on port $port" >&2; exit 1; }
for _ in $(seq 300); do curl -s "http://127.0.0.1:$port/health" | grep -q '"assigned_partitions":32' && break; sleep 0.1; done
started=$(date +%s.%N)
kcat -P -b "$bootstrap" -t metrics -K $'\t' -l "$work/metrics.txt"
echo "loaded $messages messages in $(echo "$(date +%s.%N) - $started" | bc) s"

first="" ; count=0
deadline=$(( $(date +%s) + 600 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
    count=$(processed); count=${count:-0}
    now=$(date +%s.%N)
    if [ -z "$first" ] && [ "${count%.*}" -gt 0 ]; then
        first=$now; first_count=${count%.*}; vigil_cpu0=$(cpu "$server"); mock_cpu0=$(cpu "$mock")
    fi
    [ "${count%.*}" -ge "$messages" ] && break
    sleep 0.2
done
elapsed=$(echo "$now - $first" | bc)
vigil_cpu=$(echo "$(cpu "$server") - $vigil_cpu0" | bc)
mock_cpu=$(echo "$(cpu "$mock") - $mock_cpu0" | bc)
rate=$(echo "($messages - $first_count) / $elapsed" | bc)
rss=$(awk '/VmRSS/ {print $2 / 1024 " MiB"}' /proc/$server/status)
scrape() { curl -s "http://127.0.0.1:$port/metrics" | awk -v name="$1" 'index($0, name) == 1 {s += $2} END {print s + 0}'; }
alerts=$(scrape vigil_alerts_opened_total)
# Alerts are published from the outbox as they open; wait for the last delivery report.
while [ "$(date +%s)" -lt "$deadline" ]; do
    delivered=$(scrape 'vigil_kafka_alert_deliveries_total{result="delivered"}')
    [ "$delivered" -ge "$alerts" ] && break
    sleep 0.2
done
delivered_at=$(date +%s.%N)
echo "consumed → scored → alerted: $messages metrics, $rate metrics/s (timed from the first processed message)"
echo "alerts opened: $alerts; delivered to Kafka: $delivered, $(echo "$delivered / ($delivered_at - $first)" | bc) alerts/s (first processed message to last delivery report)"
echo "CPU over $elapsed s: vigil $vigil_cpu s, mock cluster $mock_cpu s (2 cores = $(echo "2 * $elapsed" | bc) s available)"
echo "per vigil CPU-second: $(echo "($messages - $first_count) / $vigil_cpu" | bc) metrics"
echo "server RSS at the end of consumption: $rss"
