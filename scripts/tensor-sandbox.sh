#!/usr/bin/env bash
# Runs a command in a Debian 13 chroot whose lavapipe (Mesa ≥ 26 from trixie-backports) exposes
# VK_KHR_cooperative_matrix, so Dawn offers chromium-experimental-subgroup-matrix and the tensor
# path can be tested on a machine without matrix hardware. Debian 12's glibc is too old for that
# Mesa, hence the chroot. Needs root. Built once (a few minutes), then reused.
#   bash scripts/tensor-sandbox.sh node --import tsx --test test/tensor.test.ts
# The project is bind-mounted at its own path; the host's node binary is copied in.
set -euo pipefail
ROOT="${GPUPROOF_SANDBOX:-/opt/gpuproof-trixie}"
PROJECT="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "tensor-sandbox: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: bash scripts/tensor-sandbox.sh COMMAND [ARGS…]" >&2; exit 2; }

if [ ! -x "$ROOT/usr/bin/vulkaninfo" ]; then
  command -v debootstrap >/dev/null || apt-get install -y debootstrap >&2
  # The machine's own Debian mirror, as its apt sources name it.
  MIRROR="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  [ -n "$MIRROR" ] || MIRROR="$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list)"
  echo "tensor-sandbox: building $ROOT" >&2
  debootstrap --variant=minbase trixie "$ROOT" "$MIRROR" >&2
  rm -f "$ROOT/etc/apt/sources.list"
  printf 'Types: deb\nURIs: %s\nSuites: trixie trixie-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$MIRROR" \
    > "$ROOT/etc/apt/sources.list.d/debian.sources"
  chroot "$ROOT" apt-get update >&2
  chroot "$ROOT" apt-get install -y -t trixie-backports mesa-vulkan-drivers libvulkan1 vulkan-tools >&2
fi
install -m 0755 "$(command -v node)" "$ROOT/usr/local/bin/node"
mkdir -p "$ROOT$PROJECT"
cleanup() { umount "$ROOT$PROJECT" 2>/dev/null || true; umount "$ROOT/proc" 2>/dev/null || true; }
trap cleanup EXIT
mountpoint -q "$ROOT$PROJECT" || mount --bind "$PROJECT" "$ROOT$PROJECT"
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
quoted="$(printf '%q ' "$@")"
chroot "$ROOT" /usr/bin/env XDG_RUNTIME_DIR=/tmp HOME=/root bash -c "cd '$PROJECT' && $quoted"
