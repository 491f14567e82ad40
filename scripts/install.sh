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
# report.pdf (docs/pack.md): WeasyPrint draws text with Pango and HarfBuzz; the Noto fonts cover Latin, Arabic,
# Hebrew, CJK, Devanagari, Thai and emoji so no message shows as boxes; poppler-utils turns pages into PNGs.
# (Output is read into variables before grep: with pipefail, "grep -q" closing a pipe early reads as a failure.)
fonts=$(fc-list : family 2>/dev/null || true)
has_font() { grep -q -e "^$1\(,\|$\)" <<<"$fonts"; }
has_package() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == *"ok installed"* ]]; }
command -v pdftoppm >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)
for lib in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
  if command -v dpkg-query >/dev/null 2>&1 && ! has_package "$lib"; then missing+=("$lib"); fi
done
has_font "Noto Sans" && has_font "Noto Sans Arabic" && has_font "Noto Sans Hebrew" \
  && has_font "Noto Sans Devanagari" && has_font "Noto Sans Thai" || missing+=(fonts-noto-core fontconfig)
has_font "Noto Sans CJK SC" || missing+=(fonts-noto-cjk fontconfig)
has_font "Noto Color Emoji" || missing+=(fonts-noto-color-emoji fontconfig)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "note: install ${missing[*]} (apt-get install ${missing[*]}): tesseract-ocr makes the text in screenshots searchable; age opens encrypted packs; the fonts, Pango and poppler-utils make report.pdf" >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
extra=""
if [ "${1:-}" = "dev" ]; then extra="[dev]"; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements-lock.txt -e ".${extra}"
