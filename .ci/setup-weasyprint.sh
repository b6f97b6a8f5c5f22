#!/usr/bin/env bash
# Install what WeasyPrint (PDF reports) needs from the system: Pango and HarfBuzz, and the
# fonts the report CSS names (Liberation Sans, DejaVu Sans as fallback); poppler-utils
# for looking at PDFs (pdftoppm). Debian, as root; idempotent.
set -euo pipefail
need=()
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig \
           fonts-liberation2 fonts-dejavu-core poppler-utils; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -eq 0 ]; then
  echo "setup-weasyprint: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-weasyprint: not root; missing ${need[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${need[@]}"
fc-cache -f >/dev/null 2>&1 || true
