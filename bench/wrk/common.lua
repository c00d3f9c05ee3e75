-- Shared by every scenario script: headers with the bearer token, per-thread ids, incident ids
-- for {id} paths, and the one result line bench/run.py parses.
--
-- Settings come from the environment (bench/run.py sets them; wrk runs with this directory as
-- its working directory so `require("common")` finds this file):
--   BENCH_TOKEN  bearer token sent as `Authorization: Bearer ...` (omitted when empty)
--   BENCH_PATH   request path; `{id}` is replaced by a random id from BENCH_IDS per request
--   BENCH_IDS    file with one incident id per line
--   BENCH_RUN    a tag that makes generated titles unique across runs
local M = {}

local next_thread_id = 0

-- Runs in the setup environment once per thread, before the thread's init().
function M.setup(thread)
  next_thread_id = next_thread_id + 1
  thread:set("thread_id", next_thread_id)
end

-- wrk's own init has put the Host header in wrk.headers before ours runs; keep it.
function M.headers(content_type)
  local headers = { ["Host"] = wrk.headers["Host"], ["Accept"] = "application/json" }
  local token = os.getenv("BENCH_TOKEN")
  if token ~= nil and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  if content_type ~= nil then
    headers["Content-Type"] = content_type
  end
  return headers
end

function M.path()
  return os.getenv("BENCH_PATH") or wrk.path
end

function M.run_tag()
  return os.getenv("BENCH_RUN") or "run"
end

-- The ids file, read once per thread; math.random is seeded per thread so threads differ.
function M.load_ids()
  local ids = {}
  local name = os.getenv("BENCH_IDS")
  if name ~= nil and name ~= "" then
    for line in io.lines(name) do
      if line ~= "" then
        ids[#ids + 1] = line
      end
    end
  end
  if #ids == 0 then
    error("BENCH_IDS must name a file with at least one incident id")
  end
  math.randomseed((thread_id or 0) * 7919 + os.time())
  return ids
end

function M.random_id(ids)
  return ids[math.random(#ids)]
end

-- Called once after the run, in the setup environment. Latencies are in microseconds.
function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout
  ))
end

return M
