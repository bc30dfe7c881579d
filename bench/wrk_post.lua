-- POSTs one JSON body (read from the file named after "--") and prints the results as JSON.
--
--   wrk -t1 -c32 -d10s -s bench/wrk_post.lua http://127.0.0.1:8000/graphql -- body.json
--
-- done() prints one line, `BENCH_JSON {...}`, that bench/run.py parses: latencies are in
-- microseconds, "bytes" is everything read (headers and bodies).
--
-- `latency` is wrk's own histogram, the one `wrk --latency` prints: one counter per microsecond
-- up to the timeout (exact, not bucketed), after wrk's coordinated-omission correction: every
-- latency of at least twice the run's interval per connection (duration / (requests /
-- connections)) also counts as one sample per interval below it, down to the interval.

-- No global request(): wrk then sends the request formatted once after init() (its static
-- path), instead of calling into Lua for every request.
function init(args)
  local path = args[1]
  assert(path, "wrk_post.lua: pass the JSON body file after --")
  local file = assert(io.open(path, "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
end

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
