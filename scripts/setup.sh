#!/usr/bin/env bash
# One-step set-up: dependencies, build, and a software Vulkan driver only where no WebGPU adapter
# exists. Idempotent; prints nothing but errors when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
say() { echo "setup: $*" >&2; }

# 1. Dependencies: reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error >&2
  touch node_modules/.package-lock.json
fi

# 2. Build (tsc is incremental; quiet when up to date).
npx --no-install tsc -p tsconfig.json

# 3. A WebGPU adapter: install Mesa's lavapipe only when none is found.
if node scripts/probe-adapter.mjs 2>/dev/null; then exit 0; fi
# On an NVIDIA host lavapipe would benchmark the CPU: say what its Vulkan stack lacks instead.
if hint=$(node scripts/nvidia-hint.mjs 2>/dev/null); then say "$hint"; exit 1; fi
say "no WebGPU adapter found; installing the software Vulkan driver (Mesa lavapipe >= 24)"
if ! command -v apt-get >/dev/null || [ ! -r /etc/os-release ]; then
  say "no apt-get here: install a Vulkan driver (Mesa >= 24 lavapipe, or your GPU's) by hand"; exit 1
fi
. /etc/os-release
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
apt_install() { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" >&2; }
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
  # Debian 12's own Mesa 22 is refused by Dawn; backports carries Mesa 25.
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ] && ! grep -q 'bookworm-backports' "$src"; then
    $sudo sed -i -E '0,/^Suites:(.* )?bookworm( |$)/ s/^(Suites:(.* )?bookworm( .*)?)$/\1 bookworm-backports/' "$src"
  elif [ ! -f "$src" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    say "add bookworm-backports to your apt sources, then run setup again"; exit 1
  fi
  $sudo apt-get update -q >&2
  apt_install -t bookworm-backports mesa-vulkan-drivers libvulkan1
else
  $sudo apt-get update -q >&2
  apt_install mesa-vulkan-drivers libvulkan1
fi
if node scripts/probe-adapter.mjs --print; then exit 0; fi
say "still no WebGPU adapter: Dawn needs Mesa >= 24 (check: dpkg -l mesa-vulkan-drivers)"; exit 1
