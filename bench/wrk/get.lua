-- GET one fixed URL (the URL given to wrk, query string included) with the bearer token.
-- Used for: list first page, list page N by cursor, and the ceiling's GET-50.
local common = require("common")

setup = common.setup
done = common.done

function init(args)
  wrk.method = "GET"
  wrk.headers = common.headers(nil)
end
