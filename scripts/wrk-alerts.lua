-- wrk script: POST /api/v1/ml/detect for 1,000 services; one request in ten is anomalous
-- (with --alert-cooldown 0, each anomaly opens an alert).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local i = 0
local base = 1764072000000
request = function()
  i = i + 1
  local cpu = 50 + (i % 9)
  local latency = 50
  if i % 10 == 0 then cpu = 420; latency = 900 end
  local body = string.format(
    '{"timestamp":%d,"service":"svc-%d","metric":"cpu_usage","value":%d,"tags":{"memory_usage":50,"disk_io":51,"network_io":49,"response_time":%d}}',
    base + i, i % 1000, cpu, latency)
  return wrk.format(nil, nil, nil, body)
end
