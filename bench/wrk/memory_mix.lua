-- The memory check's traffic: per 10 requests, 4 list the first page, 4 get a random incident
-- and 2 create one. Each thread stops after BENCH_QUOTA responses, so a run is a request count,
-- not a duration. wrk's main thread still waits out `-d`, so a stopped thread leaves a file in
-- BENCH_DONE_DIR and bench/run.py interrupts wrk (SIGINT: it then reports) once all have.
local common = require("common")

setup = common.setup
done = common.done

local ids, get_headers, post_headers, tag, quota, done_dir
local counter, responses = 0, 0

function init(args)
  ids = common.load_ids()
  get_headers = common.headers(nil)
  post_headers = common.headers("application/json")
  tag = common.run_tag() .. "-" .. tostring(thread_id or 0)
  quota = tonumber(os.getenv("BENCH_QUOTA") or "1000")
  done_dir = os.getenv("BENCH_DONE_DIR")
end

function request()
  counter = counter + 1
  local slot = counter % 10
  if slot < 4 then
    return wrk.format("GET", "/api/incidents?limit=50", get_headers, nil)
  elseif slot < 8 then
    return wrk.format("GET", "/api/incidents/" .. common.random_id(ids), get_headers, nil)
  end
  local body = string.format(
    '{"title": "Memory check incident (%s-%d)", "description": "created by bench", '
      .. '"severity": "low"}',
    tag, counter
  )
  return wrk.format("POST", "/api/incidents", post_headers, body)
end

function response(status, headers, body)
  responses = responses + 1
  if responses == quota then
    if done_dir ~= nil and done_dir ~= "" then
      local marker = io.open(string.format("%s/thread-%d", done_dir, thread_id or 0), "w")
      marker:write(tostring(responses))
      marker:close()
    end
    wrk.thread:stop()
  end
end
