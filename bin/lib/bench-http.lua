-- wrk script for `bin/chorus bench http`: authenticated GET /api/users/me and GET of a group's history, alternating,
-- and one JSON line at the end (latencies in milliseconds). Non-2xx answers count as errors.
local token = os.getenv("CHORUS_TOKEN")
local group = os.getenv("CHORUS_GROUP")
local paths = { "/api/users/me", "/api/groups/" .. group .. "/messages?limit=20" }
local headers = { ["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json" }
local n = 0

request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % 2) + 1], headers)
end

done = function(summary, latency, requests)
  if os.getenv("CHORUS_QUIET") then
    return
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"benchmark":"http","profile":"read","paths":["GET /api/users/me","GET /api/groups/{id}/messages?limit=20"],' ..
    '"instances":%s,"balancer":"nginx","connections":%d,"durationS":%.1f,"requests":%d,"rps":%.0f,' ..
    '"p50Ms":%.2f,"p95Ms":%.2f,"p99Ms":%.2f,"maxMs":%.2f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx":%d}}\n',
    os.getenv("CHORUS_INSTANCES") or "3", tonumber(os.getenv("CHORUS_CONNECTIONS") or "0"), seconds, summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status))
end
