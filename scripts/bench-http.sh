#!/usr/bin/env bash
# HTTP benchmark of `vigil serve` (release build) with wrk on 127.0.0.1: /predict with 1 and 16
# connections, the batch endpoint with 1,000 vectors per request, and the server's resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
vigil=.build/release/vigil
data=$(mktemp -d)
port=${PORT:-3077}
duration=${DURATION:-20s}
"$vigil" train --synthetic 50000 --out "$data/model" 2>/dev/null
"$vigil" serve --host 127.0.0.1 --port "$port" --data-dir "$data" --log-level warning &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$server/status"; }
echo "idle RSS: $(rss)"
echo "== /predict, 1 connection"
wrk -t1 -c1 -d"$duration" --latency -s scripts/wrk-predict.lua "http://127.0.0.1:$port/predict" | grep -E "Requests/sec|50%|99%"
echo "== /predict, 16 connections"
wrk -t2 -c16 -d"$duration" --latency -s scripts/wrk-predict.lua "http://127.0.0.1:$port/predict" | grep -E "Requests/sec|50%|99%"
echo "RSS after /predict load: $(rss)"
echo "== /api/v1/ml/detect/batch, 1,000 vectors per request, 4 connections"
wrk -t2 -c4 -d"$duration" --latency -s scripts/wrk-batch.lua "http://127.0.0.1:$port/api/v1/ml/detect/batch" | grep -E "Requests/sec|50%|99%"
echo "RSS after batch load: $(rss)"
