#!/usr/bin/env bash
# Installs what the test suite runs besides Python: Prometheus Alertmanager, for the end-to-end
# signals test. Idempotent; installs only as root with apt-get, otherwise says what is missing
# (the test then skips locally, and fails under CI or REQUIRE_ALERTMANAGER=1).
set -euo pipefail

if command -v alertmanager >/dev/null 2>&1 || command -v prometheus-alertmanager >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing prometheus-alertmanager (for tests/test_signals_alertmanager_e2e.py)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
else
  echo "alertmanager is not installed: install the Debian package prometheus-alertmanager" \
    "to run the end-to-end signals test" >&2
fi
