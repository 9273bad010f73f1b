#!/usr/bin/env bash
# The Redis test suites start a real redis-server (Debian package `redis-server`). Installs it when
# missing, so that `npm ci && npm test` works on a fresh Debian or Ubuntu machine.
set -euo pipefail
command -v redis-server >/dev/null && exit 0
if command -v apt-get >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "redis-server is missing; installing it from Debian's packages (needed by the Redis tests)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
  exit 0
fi
echo "redis-server is missing and there is no apt-get here: install Redis (redis-server on PATH) to run the tests" >&2
exit 1
