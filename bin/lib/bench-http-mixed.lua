-- wrk script for `bin/chorus bench http --profile mixed`: reads and writes as a chat client makes them, and one
-- JSON line at the end (latencies in milliseconds, all kinds together; counts and non-2xx answers per kind).
--   read     GET /api/users/me and GET /api/groups/{id}/messages?limit=20, alternating
--   write    POST /api/messages to the group, with a clientMessageId unique to this run, phase, thread and request
--   refresh  POST /api/auth/refresh with a refresh token from this thread's pool; the rotated token the answer
--            carries goes back into the pool. A token is presented once only: presenting a rotated token again
--            would revoke its session (theft detection). When the pool is empty (every session in flight, or lost
--            to a failed refresh) a read is sent instead and counted as skipped.
--   login    POST /api/auth/login: an Argon2id hash check, slow on purpose, so even a small share costs a lot of CPU
-- Shares come from CHORUS_MIX (default read:70,write:25,refresh:3,login:2). Each kind is tagged in X-Request-ID,
-- which the balancer and the instances echo, so every answer is counted for the kind that asked.
local token = os.getenv("CHORUS_TOKEN")
local group = os.getenv("CHORUS_GROUP")
local run = os.getenv("CHORUS_RUN") .. "-" .. (os.getenv("CHORUS_PHASE") or "m")
local login_body = string.format('{"email":"%s","password":"%s"}',
  os.getenv("CHORUS_LOGIN_EMAIL"), os.getenv("CHORUS_LOGIN_PASSWORD"))
local mix_text = os.getenv("CHORUS_MIX") or "read:70,write:25,refresh:3,login:2"
local kinds = { "read", "write", "refresh", "login" }
local reads = { "/api/users/me", "/api/groups/" .. group .. "/messages?limit=20" }

local weights, total = {}, 0
for _, kind in ipairs(kinds) do
  weights[kind] = tonumber(mix_text:match(kind .. ":(%d+)") or "0")
  total = total + weights[kind]
end
assert(total > 0, "CHORUS_MIX gives no share to any kind")

-- Main state: hand each thread its own share of the refresh tokens (CHORUS_THREADS threads).
local threads = {}
setup = function(thread)
  local all, mine = {}, {}
  for t in (os.getenv("CHORUS_REFRESH_TOKENS") or ""):gmatch("[^,]+") do all[#all + 1] = t end
  local count = tonumber(os.getenv("CHORUS_THREADS") or "1")
  local id = #threads + 1
  for i = id, #all, count do mine[#mine + 1] = all[i] end
  thread:set("id", id)
  thread:set("pool_text", table.concat(mine, ","))
  threads[id] = thread
end

-- Thread state from here on (each wrk thread runs its own copy of this script).
init = function(args)
  pool = {}
  for t in (pool_text or ""):gmatch("[^,]+") do pool[#pool + 1] = t end
  counts, non2xx = {}, {}
  for _, kind in ipairs(kinds) do counts[kind], non2xx[kind] = 0, 0 end
  skipped, n = 0, 0
  math.randomseed((id or 1) * 104729 + os.time())
end

local function pick()
  local r = math.random(total)
  for _, kind in ipairs(kinds) do
    r = r - weights[kind]
    if r <= 0 then return kind end
  end
end

local function headers(kind, bearer)
  local h = { ["Accept"] = "application/json", ["Content-Type"] = "application/json",
              ["X-Request-ID"] = kind .. "-" .. id .. "-" .. n }
  if bearer then h["Authorization"] = "Bearer " .. token end
  return h
end

request = function()
  n = n + 1
  local kind = pick()
  if kind == "refresh" and #pool == 0 then
    skipped = skipped + 1
    kind = "read"
  end
  if kind == "read" then
    return wrk.format("GET", reads[(n % 2) + 1], headers(kind, true))
  elseif kind == "write" then
    return wrk.format("POST", "/api/messages", headers(kind, true), string.format(
      '{"content":"mixed %d","targetType":"group","targetIds":["%s"],"clientMessageId":"%s-%d-%d"}',
      n, group, run, id, n))
  elseif kind == "refresh" then
    return wrk.format("POST", "/api/auth/refresh", headers(kind, false),
      '{"refreshToken":"' .. table.remove(pool) .. '"}')
  else
    return wrk.format("POST", "/api/auth/login", headers(kind, false), login_body)
  end
end

response = function(status, hdrs, body)
  local rid
  for name, value in pairs(hdrs) do
    if name:lower() == "x-request-id" then rid = value end
  end
  local kind = rid and rid:match("^(%a+)%-")
  if not counts[kind] then kind = "unknown"; counts[kind] = counts[kind] or 0; non2xx[kind] = non2xx[kind] or 0 end
  counts[kind] = counts[kind] + 1
  if status < 200 or status > 299 then
    non2xx[kind] = non2xx[kind] + 1
  elseif kind == "refresh" then
    local rotated = body:match('"refreshToken":"([^"]+)"')
    if rotated then pool[#pool + 1] = rotated end
  end
end

done = function(summary, latency, requests)
  if os.getenv("CHORUS_QUIET") then
    return
  end
  local sum, bad, skips = {}, {}, 0
  for _, thread in ipairs(threads) do
    for kind, c in pairs(thread:get("counts")) do sum[kind] = (sum[kind] or 0) + c end
    for kind, c in pairs(thread:get("non2xx")) do bad[kind] = (bad[kind] or 0) + c end
    skips = skips + thread:get("skipped")
  end
  local parts = {}
  for _, kind in ipairs({ "read", "write", "refresh", "login", "unknown" }) do
    local c = sum[kind] or 0
    parts[#parts + 1] = string.format('"%s":{"requests":%d,"non2xx":%d%s}', kind, c, bad[kind] or 0,
      kind == "refresh" and string.format(',"skipped_pool_empty":%d', skips) or "")
    if kind == "unknown" and c == 0 then parts[#parts] = nil end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"benchmark":"http","profile":"mixed","mix":"%s","instances":%s,"balancer":"nginx","connections":%d,' ..
    '"durationS":%.1f,"requests":%d,"rps":%.0f,"p50Ms":%.2f,"p95Ms":%.2f,"p99Ms":%.2f,"maxMs":%.2f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx":%d},"kinds":{%s},' ..
    '"note":"login checks an Argon2id hash (16 MiB, 2 passes) on purpose: each costs tens of ms of CPU, so its share weighs on rps and p99"}\n',
    mix_text, os.getenv("CHORUS_INSTANCES") or "3", tonumber(os.getenv("CHORUS_CONNECTIONS") or "0"), seconds,
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, table.concat(parts, ",")))
end
