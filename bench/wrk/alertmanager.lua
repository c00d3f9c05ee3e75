-- POST an Alertmanager v4 webhook with 10 firing alerts. Every request is a new alert group
-- (unique groupKey, alertname and fingerprints), as when a new problem fires; BENCH_TOKEN is
-- an API token. bench/run.py builds the same shape in Python for its probe request.
local common = require("common")

setup = common.setup
done = common.done

local ALERTS = 10
local headers, path, tag
local counter = 0

function init(args)
  headers = common.headers("application/json")
  path = common.path()
  tag = common.run_tag() .. "-" .. tostring(thread_id or 0)
end

local function alert(name, i, starts_at, fingerprint)
  return string.format(
    '{"status": "firing", "labels": {"alertname": "%s", "severity": "%s", '
      .. '"service": "checkout", "instance": "checkout-%d:9100", "job": "checkout"}, '
      .. '"annotations": {"summary": "Checkout p99 latency above 800 ms on checkout-%d", '
      .. '"runbook_url": "https://runbooks.example.com/checkout-latency"}, '
      .. '"startsAt": "%s", "endsAt": "0001-01-01T00:00:00Z", '
      .. '"generatorURL": "http://prometheus:9090/graph?g0.expr=checkout_p99", '
      .. '"fingerprint": "%s%02d"}',
    name, (i % 3 == 0) and "critical" or "warning", i, i, starts_at, fingerprint, i
  )
end

function request()
  counter = counter + 1
  local name = string.format("CheckoutLatency_%s_%d", tag, counter)
  local starts_at = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local fingerprint = string.format("%08x%06x", (thread_id or 0) * 65536 + counter % 65536, counter)
  local alerts = {}
  for i = 1, ALERTS do
    alerts[i] = alert(name, i, starts_at, fingerprint)
  end
  local body = string.format(
    '{"version": "4", "groupKey": "{}:{alertname=\\"%s\\"}", "truncatedAlerts": 0, '
      .. '"status": "firing", "receiver": "fastapi-app", '
      .. '"groupLabels": {"alertname": "%s"}, '
      .. '"commonLabels": {"alertname": "%s", "service": "checkout", "job": "checkout"}, '
      .. '"commonAnnotations": {}, "externalURL": "http://alertmanager:9093", '
      .. '"alerts": [%s]}',
    name, name, name, table.concat(alerts, ", ")
  )
  return wrk.format("POST", path, headers, body)
end
