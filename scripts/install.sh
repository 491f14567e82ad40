#!/usr/bin/env bash
# Create .venv and install casetrail with pinned dependencies. Pass "dev" to add the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

# Debian tools casetrail uses: tesseract-ocr reads the text in screenshots (docs/importers/screenshot.md);
# age opens encrypted evidence packs the way an officer will (docs/pack.md).
missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr tesseract-ocr-eng)
command -v age >/dev/null 2>&1 || missing+=(age)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "note: install ${missing[*]} (apt-get install ${missing[*]}): tesseract-ocr makes the text in screenshots searchable; age opens encrypted packs" >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
extra=""
if [ "${1:-}" = "dev" ]; then extra="[dev]"; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e ".${extra}"
