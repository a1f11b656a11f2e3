-- wrk driver for bench/identity.py. The same script loads Nimbus and the Keystone peer.
--
-- IDENTITY_BENCH_BODY   path of a JSON body: every request is a POST of it (token issue)
-- IDENTITY_BENCH_TOKEN  a token: every request is a GET with it as both the caller's token and
--                       the subject token (token validate)
-- At the end one JSON line is written (prefixed "BENCH ") for identity.py to read.

local body_path = os.getenv("IDENTITY_BENCH_BODY") or ""
local token = os.getenv("IDENTITY_BENCH_TOKEN") or ""

wrk.headers["Accept"] = "application/json"
if body_path ~= "" then
  local fh = assert(io.open(body_path, "rb"))
  wrk.method = "POST"
  wrk.body = fh:read("*a")
  fh:close()
  wrk.headers["Content-Type"] = "application/json"
elseif token ~= "" then
  wrk.method = "GET"
  wrk.headers["X-Auth-Token"] = token
  wrk.headers["X-Subject-Token"] = token
end

function done(summary, latency, requests)
  local err = summary.errors
  local seconds = summary.duration / 1000000
  io.write("BENCH ", string.format(
    '{"requests": %d, "seconds": %.4f, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"bad_status": %d, "socket_errors": %d}',
    summary.requests, seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, err.status, err.connect + err.read + err.write + err.timeout), "\n")
end
