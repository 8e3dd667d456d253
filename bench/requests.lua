-- wrk script: cycle through the requests listed in the file named by the first script
-- argument, one per line as METHOD<TAB>PATH<TAB>AUTHORIZATION<TAB>JSON-BODY; print one
-- JSON line of figures at the end.
local read_calls = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "calls.lua")
local requests = {}
local counter = 0

init = function(args)
  requests = read_calls(args[1])
  counter = math.random(#requests)
end

request = function()
  counter = counter % #requests + 1
  return requests[counter]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JISHI_RESULT {"requests": %d, "seconds": %.3f, "errors": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
