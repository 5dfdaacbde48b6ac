#!/usr/bin/env bash
# pmm-train on 1 process vs 2 c10d/Gloo ranks on 127.0.0.1 (and 1 process with 2 threads), the same run (same global
# batch, steps and seed), interleaved repetitions; prints CSV: config, repetition, end-to-end seconds (start, join,
# training, writes), training seconds and samples/s from rank 0's train.json; and the load average.
# Usage: bench/train_dist.sh [build-dir] [steps] [batch] [width] [repetitions]
set -euo pipefail
build=${1:-build}; steps=${2:-200}; batch=${3:-1024}; width=${4:-256}; reps=${5:-3}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
P="$build/pmm-train"
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
A=(--data builtin:gmm2d --width "$width" --depth 3 --batch "$batch" --steps "$steps" --seed 1 --log-every 50)
echo "config,rep,end_to_end_s,train_s,samples_per_s_train"
port=$((29500 + RANDOM % 2000))
for rep in $(seq "$reps"); do
  for config in "1 process, 1 thread" "2 ranks, 1 thread each" "1 process, 2 threads"; do
    rm -rf "$T/run"
    start=$(date +%s.%N)
    case $config in
      "1 process, 1 thread") "$P" "${A[@]}" --threads 1 --out "$T/run" >/dev/null 2>&1 ;;
      "1 process, 2 threads") "$P" "${A[@]}" --threads 2 --out "$T/run" >/dev/null 2>&1 ;;
      "2 ranks, 1 thread each")
        port=$((port + 1))
        for r in 0 1; do
          MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$r LOCAL_RANK=$r \
            "$P" "${A[@]}" --threads 1 --out "$T/run" >/dev/null 2>&1 &
        done
        wait ;;
    esac
    end=$(date +%s.%N)
    /usr/bin/python3 -c "import json; t = json.load(open('$T/run/train.json'))['train']; e = $end - $start
print(f'\"$config\",$rep,{e:.2f},{t[\"seconds\"]:.2f},{t[\"samples_per_s\"]:.0f}')"
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
