#!/bin/sh
# Installs what `npm start`, `npm test` and `npm run bench` need, and nothing
# when it is already there: npm packages (Node 24 among them), Synapse in a
# project-local virtualenv, and (with --with-browser) Debian's Chromium.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# 1. npm packages, reinstalled only when package-lock.json changed.
LOCK_SUM=$(sha256sum package-lock.json | cut -d' ' -f1)
STAMP=node_modules/.casus-lock.sha256
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_SUM" ] || [ ! -x node_modules/.bin/node ]; then
  echo "casusruimte: installing npm packages (Node 24 among them)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$LOCK_SUM" > "$STAMP"
fi

# 2. Synapse.
sh scripts/synapse-venv.sh

# 3. Chromium for the end-to-end tests and benchmarks.
if [ "${1:-}" = "--with-browser" ]; then
  CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
  if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "casusruimte: installing Debian's Chromium for the browser tests…"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
    else
      echo "casusruimte: the browser tests need Chromium at $CHROMIUM." >&2
      echo "  Install it with: sudo apt-get install chromium   (or set CHROMIUM_PATH)" >&2
      exit 1
    fi
  fi
fi
