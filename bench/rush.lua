-- wrk script for a rush: send exactly N prepared requests in all, split over the threads,
-- read by calls.lua (METHOD<TAB>PATH<TAB>AUTHORIZATION<TAB>JSON-BODY per line).
-- Script arguments: the requests file, N, the number of threads, an output directory.
--
-- wrk keeps every connection busy, so once a thread has sent its share its connections
-- ask GET /healthz (answered 200, which a rush request never is) until the last rush
-- answers are in; only non-200 answers are counted. wrk itself runs for its whole -d, so
-- each thread writes its tally and its first-send/last-answer times (monotonic clock) to
-- <output>/thread-<id>.json when done, and the caller stops wrk once all are there.
local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } jishi_timespec;
  int clock_gettime(int clock_id, jishi_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("jishi_timespec")
local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) + tonumber(now_ts.tv_nsec) / 1e9
end

local counter = 0
setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local read_calls = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "calls.lua")
local requests = {}
local share, sent, answered = 0, 0, 0
local counts = {}
local filler, output, started, checked

init = function(args)
  requests = read_calls(args[1])
  local total, nthreads = tonumber(args[2]), tonumber(args[3])
  share = math.floor(total / nthreads)
  if id < total % nthreads then share = share + 1 end
  output = args[4]
  filler = wrk.format("GET", "/healthz")
  -- wrk calls request() once on the first thread's state to check the script, and never
  -- sends what it returns: give it the filler, so no rush request is lost that way.
  checked = id ~= 0
end

request = function()
  if not checked then
    checked = true
    return filler
  end
  if sent >= share then return filler end
  if sent == 0 then started = now() end
  sent = sent + 1
  -- a prime stride, so the threads walk the list in different orders
  return requests[(id + (sent - 1) * 7919) % #requests + 1]
end

response = function(status, headers, body)
  if status == 200 or answered >= share then return end
  counts[status] = (counts[status] or 0) + 1
  answered = answered + 1
  if answered == share then
    local parts = {}
    for code, n in pairs(counts) do parts[#parts + 1] = string.format('"%d": %d', code, n) end
    local file = io.open(string.format("%s/thread-%d.json", output, id), "w")
    file:write(string.format('{"started": %.6f, "finished": %.6f, "statuses": {%s}}\n',
      started, now(), table.concat(parts, ", ")))
    file:close()
  end
end
