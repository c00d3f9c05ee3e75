-- POST a note to the timeline of a random incident: BENCH_PATH is e.g.
-- /api/incidents/{id}/timeline and the body is {"text": "..."}.
local common = require("common")

setup = common.setup
done = common.done

local ids, headers, template, tag
local counter = 0

function init(args)
  ids = common.load_ids()
  headers = common.headers("application/json")
  template = common.path()
  tag = common.run_tag() .. "-" .. tostring(thread_id or 0)
end

function request()
  counter = counter + 1
  local path = template:gsub("{id}", common.random_id(ids))
  local body = string.format(
    '{"text": "Rolled back deploy 2026.12.03-1 on two of six nodes; watching error rate (%s-%d)."}',
    tag, counter
  )
  return wrk.format("POST", path, headers, body)
end
