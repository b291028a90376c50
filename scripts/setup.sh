#!/usr/bin/env bash
# Set up Freightlab: check Python, install the system libraries Qt needs (when root with apt),
# create .venv and install the project with its test, dev and cluster extras (the tests start a
# real Dask scheduler and workers on 127.0.0.1).
# Usage: scripts/setup.sh [test|run]   (run also checks the libraries a real X window needs)
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-test}"
PY="${PYTHON:-python3}"
VENV=".venv"
STAMP="$VENV/.freightlab-installed"

say() { printf 'freightlab setup: %s\n' "$*" >&2; }

if ! command -v "$PY" >/dev/null 2>&1; then
  say "no '$PY' found. Install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)."
  exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  say "Python 3.11 or newer is needed; '$PY' is $("$PY" -V 2>&1)."
  exit 1
fi

# Debian package per shared library, measured on a minimal Debian 12 (see README).
OFFSCREEN_LIBS="libglib-2.0.so.0:libglib2.0-0 libGL.so.1:libgl1 libEGL.so.1:libegl1
libfontconfig.so.1:libfontconfig1 libxkbcommon.so.0:libxkbcommon0 libdbus-1.so.3:libdbus-1-3"
XCB_LIBS="libxcb-cursor.so.0:libxcb-cursor0 libxcb-icccm.so.4:libxcb-icccm4
libxcb-image.so.0:libxcb-image0 libxcb-keysyms.so.1:libxcb-keysyms1
libxcb-render-util.so.0:libxcb-render-util0 libxcb-shape.so.0:libxcb-shape0
libxkbcommon-x11.so.0:libxkbcommon-x11-0"

wanted="$OFFSCREEN_LIBS"
if [ "$MODE" = run ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
  wanted="$wanted $XCB_LIBS"
fi

missing=""
if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing="python3-venv"
fi
LDCONFIG="$(command -v ldconfig || echo /sbin/ldconfig)"
if [ -x "$LDCONFIG" ]; then
  known="$("$LDCONFIG" -p 2>/dev/null || true)"
  for pair in $wanted; do
    lib="${pair%%:*}"
    pkg="${pair##*:}"
    if ! grep -q "$lib" <<<"$known"; then
      missing="$missing $pkg"
    fi
  done
fi

if [ -n "${missing// /}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    say "missing system packages. Run this, then try again:"
    say "  sudo apt-get install -y$missing"
    exit 1
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PY" -m venv "$VENV"
fi
# The stamp holds pyproject.toml's checksum: a dependency added on another branch (whose merge
# may leave the file older than the stamp) still triggers a fresh install.
WANT="$("$PY" -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  say "installing Freightlab and its dependencies into $VENV (about 30 s the first time)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[test,dev,cluster]"
  printf '%s\n' "$WANT" >"$STAMP"
fi
