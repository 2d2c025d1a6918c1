#!/bin/sh
# Installs Synapse (pinned in synapse-config/requirements.txt) into a project-local
# virtualenv. Idempotent: a stamp holding the requirements' checksum makes the
# second run instant.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${CASUS_VENV:-$ROOT/.venv}
REQ=$ROOT/synapse-config/requirements.txt
STAMP=$VENV/.casus-requirements.sha256
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
  exit 0
fi
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null; then
  echo "casusruimte: Synapse needs Python 3.10 or newer ($PY is too old or missing)." >&2
  exit 1
fi
echo "casusruimte: installing Synapse into $VENV (first run only, takes a minute or two)..."
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# (grep drops pip's noise about local package indexes that this machine may not have)
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored: it is neither" >&2 || true
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" 2>&1 | grep -v "is ignored: it is neither" >&2 || true
"$VENV/bin/python" -c "import synapse, jsonschema, pytest" || { echo "casusruimte: installing Synapse failed (see above)." >&2; exit 1; }
echo "$want" > "$STAMP"
