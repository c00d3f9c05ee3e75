-- GET BENCH_PATH with `{id}` replaced by a random incident id on every request.
-- Used for: get one incident, get an incident's timeline.
local common = require("common")

setup = common.setup
done = common.done

local ids, headers, template

function init(args)
  ids = common.load_ids()
  headers = common.headers(nil)
  template = common.path()
end

function request()
  local path = template:gsub("{id}", common.random_id(ids))
  return wrk.format("GET", path, headers, nil)
end
