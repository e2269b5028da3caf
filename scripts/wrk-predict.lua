-- wrk script: POST /predict with one of a few realistic vectors.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {
  '{"cpu_usage":45.2,"memory_usage":61.0,"disk_io":52.3,"network_io":48.9,"response_time":50.1}',
  '{"cpu_usage":150,"memory_usage":200,"disk_io":500,"network_io":300,"response_time":800}',
  '{"cpu_usage":55.5,"memory_usage":47.25,"disk_io":49.0,"network_io":51.5,"response_time":46.75}',
}
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])
end
