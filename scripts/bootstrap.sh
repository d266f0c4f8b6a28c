#!/usr/bin/env bash
# Creates/reuses .venv and node_modules so both README commands work on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.bootstrap-stamp
want=$(cat pyproject.toml package.json package-lock.json scripts/bootstrap.sh 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules ]; then
  exit 0
fi
[ -x /usr/bin/chromium ] || { s=$([ "$(id -u)" = 0 ] || echo sudo); $s apt-get update -q && DEBIAN_FRONTEND=noninteractive $s apt-get install -y -q --no-install-recommends chromium; } >/dev/null || echo "bootstrap: no chromium: the headless-Chromium tests will fail" >&2
if [ ! -x .venv/bin/python ]; then
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
fi
echo "bootstrap: installing Python packages into .venv (first run takes a few minutes)" >&2
.venv/bin/python -m pip install --quiet --upgrade pip >&2
.venv/bin/python -m pip install --quiet -e ".[dev]" >&2
# The French VADER lexicon (MIT) without the package's GPL dependencies, which the project never imports.
.venv/bin/python -m pip install --quiet --no-deps "vadersentiment-fr==1.3.4" >&2
echo "bootstrap: installing npm packages (asl-validator, aws-cdk, @mediapipe/hands models)" >&2
npm ci --silent --no-audit --no-fund >&2
echo "$want" > "$stamp"
