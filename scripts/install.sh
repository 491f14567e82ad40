#!/usr/bin/env bash
# Create .venv and install casetrail with pinned dependencies. Pass "dev" to add the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
extra=""
if [ "${1:-}" = "dev" ]; then extra="[dev]"; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e ".${extra}"
