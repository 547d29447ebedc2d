-- wrk script for bench/registry.py: GET /devices/{id} or PATCH /twins/{id} on random devices.
-- Settings come from the environment (bench/registry.py sets them):
--   FLEETHUB_TOKEN    the service SAS token (Authorization header)
--   FLEETHUB_DEVICES  fleet size; ids are dev000000 … dev{N-1}, as the bench creates them
--   FLEETHUB_METHOD   GET (device identity) or PATCH (twin desired property)
--   FLEETHUB_DELAY_MS think time per client between requests (0: closed loop, back to back)
-- done() prints one line the bench parses: "RESULT requests errors seconds p50_us p99_us".

local token = os.getenv("FLEETHUB_TOKEN")
local devices = tonumber(os.getenv("FLEETHUB_DEVICES") or "100000")
local method = os.getenv("FLEETHUB_METHOD") or "GET"
local delay_ms = tonumber(os.getenv("FLEETHUB_DELAY_MS") or "0")
local counter = 0

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  local id = string.format("dev%06d", math.random(0, devices - 1))
  counter = counter + 1
  if method == "PATCH" then
    local body = string.format('{"properties":{"desired":{"setpoint":%d}}}', counter)
    return wrk.format("PATCH", "/twins/" .. id .. "?api-version=2021-04-12",
      { ["Authorization"] = token, ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", "/devices/" .. id .. "?api-version=2021-04-12",
    { ["Authorization"] = token })
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %d %d\n", summary.requests, errors,
    summary.duration / 1e6, latency:percentile(50), latency:percentile(99)))
end
