#!/usr/bin/env bash
# Creates/reuses .venv and node_modules so both README commands work on a fresh clone, and installs Debian's
# chromium for the browser tests (Playwright drives it through executable_path; it never downloads a browser).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.bootstrap-stamp
chromium=${SALON_CHROMIUM:-/usr/bin/chromium}
want=$(cat pyproject.toml package.json package-lock.json scripts/bootstrap.sh 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules ] && [ -x "$chromium" ]; then
  exit 0
fi
if [ ! -x "$chromium" ]; then
  echo "bootstrap: installing Debian's chromium for the browser tests" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; then
    $sudo apt-get update -q >/dev/null || true  # a fresh machine has no package lists yet
    $sudo apt-get install -y --no-install-recommends chromium >/dev/null || {
      echo "bootstrap: could not install chromium; the browser tests (tests/browser) will fail" >&2
    }
  fi
fi
if [ ! -x .venv/bin/python ]; then
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
fi
echo "bootstrap: installing Python packages into .venv (first run takes a few minutes)" >&2
.venv/bin/python -m pip install --quiet --upgrade pip >&2
# compat: a plain path entry in a .pth (the default import-hook finder adds ~30 ms to every interpreter start)
.venv/bin/python -m pip install --quiet -e ".[dev]" --config-settings editable_mode=compat >&2
# The French VADER lexicon (MIT) without the package's GPL dependencies, which the project never imports.
.venv/bin/python -m pip install --quiet --no-deps "vadersentiment-fr==1.3.4" >&2
echo "bootstrap: installing npm packages (asl-validator, aws-cdk, @mediapipe/hands models)" >&2
npm ci --silent --no-audit --no-fund >&2
echo "$want" > "$stamp"
