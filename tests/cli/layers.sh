#!/usr/bin/env bash
# Layers include only downward: core <- random <- io <- processes <- models <- solvers <- device; the library
# never includes validation/, apps/ or tests/, only models/torch includes LibTorch, and only apps/mpi includes MPI. (The layer targets also
# refuse upward includes at compile time: each sees a staged include tree of the layers below it.)
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd); cd "$SRC"
fail=0
rank() { case $1 in core) echo 0;; random) echo 1;; io) echo 2;; processes) echo 3;; models) echo 4;; solvers) echo 5;; device) echo 6;; *) echo 9;; esac; }
layer_of() {  # path -> layer name
  case $1 in
    include/pmm/models/torch/*|models/torch/*) echo torch;;
    include/pmm/*) echo "$1" | cut -d/ -f3;;
    random/*|io/*|processes/*|models/*|solvers/device/*) [ "${1#solvers/device/}" != "$1" ] && echo device || echo "$1" | cut -d/ -f1;;
    solvers/*) echo solvers;;
  esac
}
for f in $(git ls-files 'include/pmm/*' 'random/*' 'io/*' 'processes/*' 'models/*' 'solvers/*'); do
  L=$(layer_of "$f"); [ -z "$L" ] && continue
  grep -n '#include' "$f" | while IFS= read -r line; do
    inc=$(echo "$line" | sed -n 's/.*#include [<"]\([^>"]*\)[>"].*/\1/p')
    case $inc in
      pmm/*) T=$(echo "$inc" | cut -d/ -f2); [ "$inc" != "${inc#pmm/models/torch/}" ] && T=torch
             if [ "$L" != torch ] && [ "$T" = torch ]; then echo "UPWARD: $f includes $inc"; fi
             if [ "$L" != torch ] && [ "$T" != torch ] && [ "$(rank "$T")" -gt "$(rank "$L")" ]; then echo "UPWARD: $f ($L) includes $inc"; fi;;
      validation/*|apps/*|tests/*) echo "UPWARD: $f includes $inc";;
      torch/*) [ "$L" = torch ] || echo "TORCH OUTSIDE models/torch: $f includes $inc";;
    esac
  done
done > "${TMPDIR:-/tmp}/pmm-layers.$$"
# MPI stays in apps/mpi (the core and the Python module never see it).
git ls-files '*.hpp' '*.cpp' '*.cu' '*.inl' | grep -v '^apps/mpi/' | xargs grep -l '#include <mpi.h>' 2>/dev/null |
  sed 's/^/MPI OUTSIDE apps\/mpi: /' >> "${TMPDIR:-/tmp}/pmm-layers.$$"
cat "${TMPDIR:-/tmp}/pmm-layers.$$"
[ -s "${TMPDIR:-/tmp}/pmm-layers.$$" ] && fail=1
rm -f "${TMPDIR:-/tmp}/pmm-layers.$$"
exit $fail
