#!/usr/bin/env bash
# Installs every Debian 12 package PrintForge needs to build, test, fuzz and bench. Idempotent; run as root.
# usage: scripts/setup.sh [--bench]   (--bench adds the reference slicer and admesh for bench/ baselines)
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev python3
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo libsimde-dev
  libmicrohttpd-dev liblmdb-dev lmdb-utils libmsgpack-dev libzstd-dev libcriterion-dev
  libcjson-dev libsodium-dev liboath-dev zlib1g-dev libexpat1-dev libhpdf-dev libqrencode-dev
  libcurl4-openssl-dev libssl-dev admesh poppler-utils
)
[ "${1:-}" = "--bench" ] && PKGS+=(prusa-slicer hyperfine wrk nginx)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${PKGS[@]}"
