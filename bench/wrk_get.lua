-- GETs the URL wrk is given and prints the results as JSON (as wrk_post.lua does).
--
--   wrk -t1 -c32 -d10s -s bench/wrk_get.lua http://127.0.0.1:8000/media/r/...
--
-- done() prints one line, `BENCH_JSON {...}`, that bench/media.py parses: latencies are in
-- microseconds, "bytes" is everything read (headers and bodies).

function done(summary, latency, requests)
  local e = summary.errors
  local p = function(q) return latency:percentile(q) end
  io.write(string.format(
    'BENCH_JSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,'
      .. '"errors":{"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f},'
      .. '"latency_us":{"min":%.0f,"mean":%.1f,"stdev":%.1f,"max":%.0f,'
      .. '"p50":%.0f,"p75":%.0f,"p90":%.0f,"p99":%.0f,"p999":%.0f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    p(50), p(75), p(90), p(99), p(99.9)))
end
