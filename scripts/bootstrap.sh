#!/bin/sh
# Installs what `npm start`, `npm test` and `npm run bench` need, and nothing
# when it is already there: npm packages (Node 24 among them), Synapse in a
# project-local virtualenv, (with --with-browser) Debian's Chromium and (with
# --with-nginx) Debian's nginx for the worker deployment. Flags combine.
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

WITH_BROWSER=no
WITH_NGINX=no
for arg in "$@"; do
  case "$arg" in
    --with-browser) WITH_BROWSER=yes ;;
    --with-nginx) WITH_NGINX=yes ;;
    *) echo "casusruimte: bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

# 3. Chromium for the end-to-end tests and benchmarks.
if [ "$WITH_BROWSER" = "yes" ]; then
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

# 4. nginx for the worker deployment (`npm run workers`, the bench's workers figure, the routing
# test). Only the binary is used: the project runs it with a generated configuration in the data
# folder (scripts/lib/nginx.ts), never as the system service.
if [ "$WITH_NGINX" = "yes" ]; then
  NGINX=${CASUS_NGINX:-/usr/sbin/nginx}
  if [ ! -x "$NGINX" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "casusruimte: installing Debian's nginx for the worker deployment…"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null 2>&1 || {
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
      }
      # The package enables a system service on port 80 of every interface; the project never uses it.
      if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now nginx >/dev/null 2>&1 || true
      fi
    else
      echo "casusruimte: the worker deployment needs nginx at $NGINX." >&2
      echo "  Install it with: sudo apt-get install nginx   (or set CASUS_NGINX)" >&2
      exit 1
    fi
  fi
fi
