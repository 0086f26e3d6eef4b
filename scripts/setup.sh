#!/usr/bin/env bash
# Installs what building memoreez needs on a fresh Debian/Ubuntu machine (cmake and ninja for
# manifold-rs). With --test, also the validators the tests use (prusa-slicer, admesh).
set -euo pipefail

want=(cmake ninja-build g++ pkg-config)
if [ "${1:-}" = "--test" ]; then
  want+=(prusa-slicer admesh)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is not installed; install Rust from your distribution or rustup first" >&2
  exit 1
fi
