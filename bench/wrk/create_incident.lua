-- POST a new incident with a unique title on every request.
-- Used for: create incident, and the ceiling's POST.
local common = require("common")

setup = common.setup
done = common.done

local severities = { "critical", "high", "medium", "low" }
local headers, path, tag
local counter = 0

function init(args)
  headers = common.headers("application/json")
  path = common.path()
  tag = common.run_tag() .. "-" .. tostring(thread_id or 0)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"title": "Checkout latency above SLO (%s-%d)", '
      .. '"description": "p99 over 800 ms in eu-west-1 since 14:02 UTC; created by bench.", '
      .. '"severity": "%s"}',
    tag, counter, severities[counter % 4 + 1]
  )
  return wrk.format("POST", path, headers, body)
end
