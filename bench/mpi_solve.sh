#!/usr/bin/env bash
# pmm-solve sampling on 1 process vs 2 MPI ranks (and 1 process with 2 threads), interleaved repetitions in the same
# minutes, printing CSV: config, repetition, end-to-end seconds (launch, gather, write included), sampler seconds
# (the report's wall_seconds: the slowest rank's sampling loop), paths/s for both; and the load average.
# Usage: bench/mpi_solve.sh [build-dir] [paths] [steps] [repetitions]
set -euo pipefail
build=${1:-build}; paths=${2:-100000}; steps=${3:-200}; reps=${4:-3}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
A=(--target builtin:gmm2d --solver heun --steps "$steps" --paths "$paths" --seed 1 --quiet)
echo "config,rep,end_to_end_s,sampler_s,paths_per_s_end_to_end,paths_per_s_sampler"
for rep in $(seq "$reps"); do
  for config in "1 process, 1 thread" "2 ranks, 1 thread each" "1 process, 2 threads"; do
    case $config in
      "1 process, 1 thread") run=("$build/pmm-solve" --threads 1) ;;
      "2 ranks, 1 thread each") run=(mpirun --oversubscribe -np 2 "$build/pmm-solve" --threads 1) ;;
      "1 process, 2 threads") run=("$build/pmm-solve" --threads 2) ;;
    esac
    start=$(date +%s.%N)
    "${run[@]}" "${A[@]}" --out "$T/x.npy" --report "$T/r.json"
    end=$(date +%s.%N)
    /usr/bin/python3 -c "import json, sys; s = json.load(open('$T/r.json'))['wall_seconds']; e = $end - $start
print(f'\"$config\",$rep,{e:.2f},{s:.2f},{$paths / e:.0f},{$paths / s:.0f}')"
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
