#!/usr/bin/env bash
# The browser tests (test/explorer.test.ts) drive headless Chromium through playwright-core, which
# downloads no browser: they use Debian's `chromium` package. Installs it when missing, so that
# `npm ci && npm test` works on a fresh Debian or Ubuntu machine. CHROMIUM_PATH names another build.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
  exit 1
fi
if command -v apt-get >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "chromium is missing; installing it from Debian's packages (needed by the browser tests)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "chromium is missing and there is no apt-get here: install Chromium (or set CHROMIUM_PATH) to run the browser tests" >&2
exit 1
