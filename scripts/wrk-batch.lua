-- wrk script: POST /api/v1/ml/detect/batch with 1,000 vectors per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local items = {}
for i = 1, 1000 do
  items[i] = string.format('{"cpu_usage":%.2f,"memory_usage":%.2f,"disk_io":%.2f,"network_io":%.2f,"response_time":%.2f}',
    40 + (i % 23), 45 + (i % 17), 50 + (i % 13), 48 + (i % 11), 52 + (i % 7))
end
wrk.body = "[" .. table.concat(items, ",") .. "]"
