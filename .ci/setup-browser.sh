#!/bin/sh
# Install Debian's chromium for the browser tests (tests/test_web_browser.py), which
# drive it with Python playwright through executable_path=/usr/bin/chromium. Never runs
# `playwright install` (that downloads a browser from outside the package registries).
# Also poppler-utils: pdftotext checks the pages printed to PDF (tests/test_web_phone_print.py).
# Idempotent: does nothing when both are already there. Needs root (or sudo).
set -eu
if [ -x /usr/bin/chromium ] && command -v pdftotext >/dev/null 2>&1; then
    echo "setup-browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "setup-browser: need root to install chromium; browser tests will be skipped" >&2
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core poppler-utils >/dev/null
echo "setup-browser: $(/usr/bin/chromium --version)"
