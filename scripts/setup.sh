#!/usr/bin/env bash
# Installs pmm's Debian dependencies when they are missing (sudo when not root).
# Usage: scripts/setup.sh [--torch] [--plot] [--data]
#   core (always): compiler, cmake, Eigen, Boost (Odeint), doctest, CLI11, nlohmann-json, Random123, fmt
#   --torch: LibTorch (CPU) and OpenBLAS;  --plot: matplotlib + numpy;  --data: Fashion-MNIST, text corpora
set -euo pipefail
pkgs=(g++ cmake make libeigen3-dev libboost-dev doctest-dev libcli11-dev nlohmann-json3-dev
      librandom123-dev libfmt-dev python3-numpy)
for a in "$@"; do
  case "$a" in
    --torch) pkgs+=(libtorch-dev libopenblas0-pthread) ;;
    --plot)  pkgs+=(python3-matplotlib python3-numpy) ;;
    --data)  pkgs+=(dataset-fashion-mnist fortunes bible-kjv) ;;
    *) echo "setup.sh: unknown option '$a' (expected --torch, --plot, --data)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "setup.sh: installing ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
