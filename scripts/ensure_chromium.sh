#!/usr/bin/env bash
# Installs Debian's chromium (for the browser test) when /usr/bin/chromium is absent.
# Playwright's own browser download does not work offline; we drive the system chromium.
# Usage: bash scripts/ensure_chromium.sh   (idempotent; quiet when already installed)
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "ensure_chromium: not root and no sudo; install Debian's chromium by hand" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version 2>/dev/null || true
