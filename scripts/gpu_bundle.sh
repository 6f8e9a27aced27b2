#!/usr/bin/env bash
# Packs the build's Debian-provided libraries into .deps/ (git-ignored), for a GPU machine that
# has CUDA, CMake and a compiler but no package registry: GoogleTest (headers, static libraries,
# CMake config) and CLI11 (headers, CMake config), laid out as under /usr so that their CMake
# configs find themselves. scripts/gpu_check.sh uses .deps/ when it is there.
#
#   scripts/gpu_bundle.sh      # here, once; then carry .deps to the GPU machine
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
packages=(libgtest-dev libcli11-dev)
for p in "${packages[@]}"; do
  if ! dpkg -s "$p" >/dev/null 2>&1; then
    echo "gpu_bundle: $p is not installed here; run scripts/setup.sh first" >&2
    exit 1
  fi
done
rm -rf .deps
mkdir -p .deps
for p in "${packages[@]}"; do
  # Every regular file of the package, at its path under .deps/ (documentation left out).
  dpkg -L "$p" | while IFS= read -r path; do
    [[ -f "$path" && "$path" != /usr/share/doc/* ]] || continue
    mkdir -p ".deps$(dirname "$path")"
    cp -p "$path" ".deps$path"
  done
done
echo "gpu_bundle: $(du -sh .deps | cut -f1) in .deps/ ($(find .deps -type f | wc -l) files): ${packages[*]}"
