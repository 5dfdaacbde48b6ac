#!/usr/bin/env bash
# Data-parallel pmm-train on LibTorch's c10d/Gloo (docs/distributed.md, "Training on several processes"): two
# ranks on 127.0.0.1 launched with torchrun's variables follow the one-process run of the same global batch (each
# loss.csv row within relative 1e-4, every tensor within 1e-4), only rank 0 writes, a 2-rank checkpoint resumes
# with 2 ranks after a kill -9 and with 1 rank, a killed or failing rank (either one) ends the other with one line
# naming it, --dist-url launches, argument errors name the argument.
# Usage: train_dist.sh BUILD_DIR
set -u
B=${1:?build dir}; P="$B/pmm-train"
[ -x "$P" ] || { echo "SKIPPED: $P not built (needs LibTorch)"; exit 0; }
T=$(mktemp -d /tmp/pmm_cli_train_dist.XXXXXX); pids=""
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fail=0
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# --log-every 1: every step's global loss is a row of loss.csv.
TR=(--data builtin:gmm2d --width 16 --depth 2 --batch 32 --threads 1 --log-every 1 --ema 0.9 --seed 5 --dist-timeout 20)
# rank R PORT LOG ARGS...: one rank of two in the background (its pid appended to $pids), torchrun's variables.
rank() {
  local r=$1 port=$2 log=$3; shift 3
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$r LOCAL_RANK=$r "$P" "$@" >"$log.out" 2>"$log.err" &
  pids="$pids $!"; last_pid=$!
}
# Losses (column 2) row by row within relative 1e-4, the same steps; every tensor of the .pt files within 1e-4.
close_runs() {  # close_runs DIR_A DIR_B what
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY' || fail=1
import sys, zipfile, numpy as np
a, b, what = sys.argv[1:4]
def rows(d):
    lines = open(d + "/loss.csv").read().split("\n")[1:]
    return [(int(l.split(",")[0]), float(l.split(",")[1])) for l in lines if l]
ra, rb = rows(a), rows(b)
bad = [(x, y) for x, y in zip(ra, rb) if x[0] != y[0] or abs(x[1] - y[1]) > 1e-4 * abs(x[1])]
if len(ra) != len(rb) or bad:
    print(f"FAIL: {what}: loss.csv rows differ beyond relative 1e-4 ({len(ra)} vs {len(rb)} rows): {bad[:3]}"); sys.exit(1)
worst = max(abs(x[1] - y[1]) / abs(x[1]) for x, y in zip(ra, rb))
def tensors(p):  # float32 tensors of a .pt file; member names and order are not stable between runs
    with zipfile.ZipFile(p) as z:
        return [np.frombuffer(z.read(n), dtype=np.float32) for n in z.namelist() if "/data/" in n and z.getinfo(n).file_size % 4 == 0]
def dist(x, y):  # non-float members (int64 attributes) read as float32 may hold NaNs: those must match bytewise
    if x.tobytes() == y.tobytes():
        return 0.0
    with np.errstate(invalid="ignore"):
        d = np.abs(x - y)
    return float("inf") if np.isnan(d).any() else float(d.max())
for f in ("model.pt", "model_raw.pt"):
    ta, tb = tensors(a + "/" + f), tensors(b + "/" + f)
    for x in ta:  # each tensor has a partner of the same size within 1e-4 (sizes repeat: biases)
        cands = [dist(x, y) for y in tb if y.size == x.size]
        if not cands or min(cands) > 1e-4:
            print(f"FAIL: {what}: {f}: a tensor of {x.size} values has no partner within 1e-4 (closest {min(cands) if cands else None})"); sys.exit(1)
print(f"ok: {what}: {len(ra)} loss rows, worst relative difference {worst:.2e}")
PY
}
only_rank0_wrote() {  # only_rank0_wrote LOGPREFIX_OF_RANK1 what
  [ -s "$1.out" ] && { echo "FAIL: $2: rank 1 printed on stdout:"; cat "$1.out"; fail=1; }
  [ -s "$1.err" ] && { echo "FAIL: $2: rank 1 printed on stderr:"; cat "$1.err"; fail=1; }
}

# ---- a build without Gloo says so: skip ----
port=$(free_port)
if WORLD_SIZE=2 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$P" "${TR[@]}" --steps 1 --dist-timeout 1 \
     --out "$T/probe" 2>&1 | grep -q "needs the Gloo headers"; then
  echo "SKIPPED: pmm-train was built without the Gloo headers (libgloo-dev)"; exit 0
fi

# ---- the one-process reference and two ranks on the same global batch ----
start=$(date +%s)
"$P" "${TR[@]}" --steps 60 --out "$T/one" >/dev/null 2>"$T/err.log" || { echo "FAIL: 1-process run"; cat "$T/err.log"; exit 1; }
port=$(free_port)
rank 0 "$port" "$T/r0" "${TR[@]}" --steps 60 --out "$T/two"; p0=$last_pid
rank 1 "$port" "$T/r1" "${TR[@]}" --steps 60 --out "$T/two_rank1"; p1=$last_pid
wait "$p0"; rc0=$?; wait "$p1"; rc1=$?
if [ $rc0 -ne 0 ] || [ $rc1 -ne 0 ]; then
  echo "FAIL: 2 ranks exited $rc0 $rc1"; cat "$T/r0.err" "$T/r1.err"; exit 1
fi
close_runs "$T/one" "$T/two" "2 ranks vs 1 process"
only_rank0_wrote "$T/r1" "2 ranks"
[ -e "$T/two_rank1" ] && { echo "FAIL: rank 1 created its --out"; fail=1; }
/usr/bin/python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["train"]; sys.exit(0 if t["world_size"] == 2 and t["backend"] == "gloo" else 1)' \
  "$T/two/train.json" || { echo "FAIL: train.json lacks world_size 2 / backend gloo"; fail=1; }
echo "2 ranks: $(( $(date +%s) - start )) s"

# ---- a 2-rank checkpoint resumed with 1 rank ----
port=$(free_port)
rank 0 "$port" "$T/r0" "${TR[@]}" --steps 30 --checkpoint-every 10 --out "$T/to1"; p0=$last_pid
rank 1 "$port" "$T/r1" "${TR[@]}" --steps 30 --checkpoint-every 10 --out "$T/to1"; p1=$last_pid
wait "$p0"; rc0=$?; wait "$p1"; rc1=$?
[ $rc0 -eq 0 ] && [ $rc1 -eq 0 ] || { echo "FAIL: 2 ranks, 30 steps: exited $rc0 $rc1"; cat "$T/r0.err" "$T/r1.err"; fail=1; }
"$P" "${TR[@]}" --steps 60 --out "$T/to1" --resume >/dev/null 2>"$T/err.log" || { echo "FAIL: 1-rank resume"; cat "$T/err.log"; fail=1; }
close_runs "$T/one" "$T/to1" "2 ranks to step 30, then 1 process to 60"

# ---- kill -9 of rank 1: rank 0 ends non-zero within the timeout, naming itself; both resume ----
# 300 steps, so that the kill lands well before the end whatever the load; the reference is run to 300 too.
"$P" "${TR[@]}" --steps 300 --out "$T/one300" >/dev/null 2>"$T/err.log" || { echo "FAIL: 1-process run, 300 steps"; exit 1; }
port=$(free_port)
rank 0 "$port" "$T/r0" "${TR[@]}" --steps 300 --checkpoint-every 10 --out "$T/kill"; p0=$last_pid
rank 1 "$port" "$T/r1" "${TR[@]}" --steps 300 --checkpoint-every 10 --out "$T/kill"; p1=$last_pid
for _ in $(seq 1 600); do [ -e "$T/kill/checkpoint.pt" ] && break; sleep 0.05; done
{ kill -9 "$p1"; wait "$p1"; } 2>/dev/null; killed=$(date +%s)
wait "$p0"; rc0=$?; waited=$(( $(date +%s) - killed ))
[ $rc0 -ne 0 ] || { echo "FAIL: rank 0 exited 0 after rank 1 was killed"; fail=1; }
echo "rank 0 stopped $waited s after rank 1 was killed: $(cat "$T/r0.err")"
[ $waited -le 25 ] || { echo "FAIL: rank 0 took $waited s (> --dist-timeout 20 + 5) to stop"; fail=1; }
if [ "$(wc -l <"$T/r0.err")" -ne 1 ] || ! grep -qE '^pmm-train: error: distributed: rank 0 stops during .*lost contact' "$T/r0.err"; then
  echo "FAIL: rank 0's message after the kill:"; cat "$T/r0.err"; fail=1
fi
ls -a "$T/kill" | grep -q '\.tmp' && { echo "FAIL: a temporary left in $T/kill"; fail=1; }
port=$(free_port)
echo "killed at step $(tail -n 1 "$T/kill/loss.csv" | cut -d, -f1) (last row of loss.csv), checkpoint every 10"
rank 0 "$port" "$T/r0" "${TR[@]}" --steps 300 --checkpoint-every 10 --out "$T/kill" --resume; p0=$last_pid
rank 1 "$port" "$T/r1" "${TR[@]}" --steps 300 --checkpoint-every 10 --out "$T/kill" --resume; p1=$last_pid
wait "$p0"; rc0=$?; wait "$p1"; rc1=$?
if [ $rc0 -ne 0 ] || [ $rc1 -ne 0 ]; then echo "FAIL: 2-rank resume exited $rc0 $rc1"; cat "$T/r0.err" "$T/r1.err"; fail=1
else close_runs "$T/one300" "$T/kill" "2 ranks killed after a checkpoint, resumed with 2 (300 steps)"; fi

# ---- a rank that fails (bad --data on rank 1): rank 0 names it, and leaves no --out ----
port=$(free_port)
rank 0 "$port" "$T/r0" "${TR[@]}" --steps 60 --out "$T/bad"; p0=$last_pid
rank 1 "$port" "$T/r1" --data builtin:no-such-set --steps 60 --threads 1 --dist-timeout 20 --out "$T/bad"; p1=$last_pid
wait "$p0"; rc0=$?; wait "$p1"; rc1=$?
[ $rc1 -ne 0 ] || { echo "FAIL: rank 1 with a bad --data exited 0"; fail=1; }
if [ $rc0 -eq 0 ] || [ "$(wc -l <"$T/r0.err")" -ne 1 ] || ! grep -qE '^pmm-train: error: distributed: rank 0 stops .*rank 1 failed: --data' "$T/r0.err"; then
  echo "FAIL: rank 0 (rc $rc0) after rank 1 failed:"; cat "$T/r0.err"; fail=1
fi
[ -e "$T/bad" ] && { echo "FAIL: a failed 2-rank run left $T/bad"; ls -a "$T/bad"; fail=1; }
echo "a failing rank 1: $(cat "$T/r0.err")"

# ---- rank 0 refuses its --out (it holds a run): rank 1 names rank 0 and its reason (--dist-url launch) ----
port=$(free_port)
for r in 0 1; do
  "$P" "${TR[@]}" --steps 60 --dist-url "tcp://127.0.0.1:$port" --world-size 2 --rank $r --out "$T/one" \
    >"$T/r$r.out" 2>"$T/r$r.err" & pids="$pids $!"; eval "p$r=\$!"
done
wait "$p0"; rc0=$?; wait "$p1"; rc1=$?
if [ $rc0 -eq 0 ] || [ $rc1 -eq 0 ] || [ "$(wc -l <"$T/r1.err")" -ne 1 ] ||
   ! grep -qE '^pmm-train: error: distributed: rank 1 stops .*rank 0 failed: --out: .* already holds' "$T/r1.err"; then
  echo "FAIL: rank 0 refused its --out (rc $rc0, $rc1):"; cat "$T/r0.err" "$T/r1.err"; fail=1
fi

# ---- argument errors name the argument ----
"$P" "${TR[@]}" --steps 1 --dist-url tcp://127.0.0.1 --world-size 2 --rank 0 --out "$T/arg" >/dev/null 2>"$T/err.log"
grep -q -- "--dist-url" "$T/err.log" || { echo "FAIL: a --dist-url without a port:"; cat "$T/err.log"; fail=1; }
"$P" "${TR[@]}" --steps 1 --dist-url tcp://127.0.0.1:1 --world-size 2 --rank 2 --out "$T/arg" >/dev/null 2>"$T/err.log"
grep -q -- "--rank" "$T/err.log" || { echo "FAIL: --rank 2 of 2:"; cat "$T/err.log"; fail=1; }
WORLD_SIZE=2 RANK=0 "$P" "${TR[@]}" --steps 1 --out "$T/arg" >/dev/null 2>"$T/err.log"
grep -q "MASTER_ADDR" "$T/err.log" || { echo "FAIL: WORLD_SIZE=2 without MASTER_ADDR:"; cat "$T/err.log"; fail=1; }
WORLD_SIZE=2 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 "$P" "${TR[@]}" --steps 1 --device cuda --out "$T/arg" >/dev/null 2>"$T/err.log"
grep -q -- "^pmm-train: error: --device: cuda with several processes needs LibTorch's NCCL" "$T/err.log" ||
  { echo "FAIL: --device cuda on 2 ranks without NCCL:"; cat "$T/err.log"; fail=1; }
[ -e "$T/arg" ] && { echo "FAIL: a refused run created $T/arg"; fail=1; }

echo "train_dist.sh: $(( $(date +%s) - start )) s"
[ $fail -eq 0 ] && echo "PASS" || echo "FAILED"
exit $fail
