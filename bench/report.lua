-- wrk script: print one JSON line of figures when the run is done.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JISHI_RESULT {"requests": %d, "seconds": %.3f, "errors": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
